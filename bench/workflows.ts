/**
 * The benchmarks' workflow bundle entry: Stepline's `pipeline` interpreter and the hand-written baseline
 * workflows, so one worker runs both and A/B comparisons share the same process, queue and server.
 */
export { pipeline } from '../src/workflows/index.js';
export * from './baseline/workflows.js';
