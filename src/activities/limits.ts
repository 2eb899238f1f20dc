/** Size limits of what a step hands back to the workflow: the shared table's (`src/pipeline/limits.ts`). */
import { LIMITS } from '../pipeline/limits.js';

/**
 * Largest step output, as JSON bytes: `LIMITS.maxStepOutputBytes` (Temporal rejects payloads over 2 MB;
 * the payload's encoding and the activity-completion envelope need some room).
 */
export const MAX_OUTPUT_BYTES: number = LIMITS.maxStepOutputBytes;
