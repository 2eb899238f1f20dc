/**
 * Stepline's worker side: step handlers (`defineStep`), their registry, the built-in steps and the
 * classifying activity interceptor. Node code: never imported by workflow code.
 */
export {
  defineStep,
  isStepHandler,
  type StepContext,
  type StepHandler,
  type StepHandlerOptions,
  type StepProgressHeartbeat,
  MAX_PROGRESS_MESSAGE_LENGTH,
  MAX_HEARTBEAT_DETAILS_BYTES,
} from './define-step.js';
export { parseAllowList, AllowListError, HTTP_ALLOW_ENV, type AllowList } from './url-policy.js';
export { StepRegistry, createDefaultRegistry, loadStepModules, type StepActivity } from './registry.js';
export {
  StepError,
  HttpStatusError,
  HttpRequestError,
  StepRegistryError,
  StepModuleError,
  DEFAULT_SEVERITY,
  type StepErrorOptions,
} from './errors.js';
export {
  classifyError,
  toApplicationFailure,
  httpStatusCategory,
  type ToApplicationFailureOptions,
} from './classify.js';
export { classifyingInterceptor, ClassifyingActivityInbound, classifyFailure } from './interceptor.js';
export { isStepInvocation, type StepInvocation } from './invocation.js';
export { builtinSteps, echo, delay, fail, httpRequest } from './builtins/index.js';
export type { HttpResponseOutput } from './builtins/http-request.js';
export { MAX_OUTPUT_BYTES } from './limits.js';
