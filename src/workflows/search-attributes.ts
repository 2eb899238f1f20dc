import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Pipeline name, for listing by name (set by the client at start). */
export const SteplineName = defineSearchAttributeKey('SteplineName', SearchAttributeType.KEYWORD);
/** Stepline status; changes only when the pipeline's status changes, never per step. */
export const SteplineStatus = defineSearchAttributeKey('SteplineStatus', SearchAttributeType.KEYWORD);
