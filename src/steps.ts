/**
 * `stepline/steps`: what a step module needs: `defineStep`, `StepError` and the error categories and
 * severities it classifies failures with.
 */
export {
  defineStep,
  isStepHandler,
  StepError,
  HttpStatusError,
  HttpRequestError,
  DEFAULT_SEVERITY,
  MAX_PROGRESS_MESSAGE_LENGTH,
  MAX_HEARTBEAT_DETAILS_BYTES,
  MAX_OUTPUT_BYTES,
  type StepContext,
  type StepHandler,
  type StepHandlerOptions,
  type StepProgressHeartbeat,
  type StepErrorOptions,
} from './activities/index.js';
export {
  ERROR_CATEGORIES,
  SEVERITIES,
  type ErrorCategory,
  type Severity,
  type StepFailureDetails,
} from './pipeline/errors.js';
/** The zod Stepline validates step inputs with (a step module needs no zod of its own). */
export { z } from 'zod';
