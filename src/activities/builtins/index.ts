import type { StepHandler } from '../define-step.js';
import { delay } from './delay.js';
import { echo } from './echo.js';
import { fail } from './fail.js';
import { httpRequest } from './http-request.js';
import { notify } from './notify.js';

export { delay, echo, fail, httpRequest, notify };

/**
 * The built-in step handlers, always registered: `echo`, `delay`, `fail`, `http.request`, and
 * `stepline.notify` (which `notify:` webhook rules run).
 */
export const builtinSteps: readonly StepHandler[] = Object.freeze([echo, delay, fail, httpRequest, notify]);
