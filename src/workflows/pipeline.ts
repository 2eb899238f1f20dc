/** The pipeline workflow; the interpreter lives in ./interpreter (see its ARCHITECTURE.md). */
export { pipeline } from './interpreter/entry.js';
export { LIMITS_PATCH } from './interpreter/run.js';
export { INTERVENTION_ACTIONS as ALLOWED_INTERVENTIONS } from '../pipeline/progress.js';
