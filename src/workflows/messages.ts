import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalPayload, Checkpoint, InterventionPayload } from '../pipeline/contract.js';
import type { PipelineProgress, StepProgress } from '../pipeline/progress.js';
import type { StepValueKind } from '../pipeline/step-values.js';

/** Where the pipeline stands: statuses, percent, pending decision, recent events. Zero history events. */
export const progressQuery = defineQuery<PipelineProgress>('progress');
/** The state a new run would carry on from (continue-as-new, resume). */
export const checkpointQuery = defineQuery<Checkpoint>('checkpoint');

/** Decide an approval gate. A decision that does not apply now changes nothing and is noted as an event. */
export const approvalSignal = defineSignal<[ApprovalPayload]>('approval');
/** Repair a step waiting for intervention. A bad one changes nothing and is noted as an event. */
export const interventionSignal = defineSignal<[InterventionPayload]>('intervention');

/** Like `approval`, but rejected by a validator when it does not apply; returns the step's new state. */
export const approveUpdate = defineUpdate<StepProgress, [ApprovalPayload]>('approve');
/** Like `intervention`, but rejected by a validator when it does not apply; returns the step's new state. */
export const interveneUpdate = defineUpdate<StepProgress, [InterventionPayload]>('intervene');

/** The whole output of one step (argument: its id), also when the result left it out for size. */
export const outputQuery = defineQuery<unknown, [string]>('output');

/**
 * A step's whole rendered input or output (arguments: its id, `'input'` or `'output'`), redacted like
 * progress previews. Fails for an unknown step or a value the step does not have (yet).
 */
export const stepValueQuery = defineQuery<unknown, [string, StepValueKind]>('stepValue');
