/** Reading a pipeline's progress from the CLI, also when its run is over and no worker answers queries. */
import type { PipelineClient, PipelineFailedError } from '../client.js';
import type { PipelineProgress } from '../pipeline/progress.js';
import { isNamed } from './exit.js';

/**
 * The `progress` query merged with `describe()`; for a closed pipeline whose query cannot be answered
 * (no worker polls its task queue), the progress recorded in its result or failure.
 */
export async function currentProgress(client: PipelineClient, pipelineId: string): Promise<PipelineProgress> {
  try {
    return await client.progress(pipelineId);
  } catch (err) {
    if (isNamed(err, 'PipelineNotFoundError')) throw err;
    const recorded = await recordedProgress(client, pipelineId).catch(() => undefined);
    if (recorded) return recorded;
    throw err;
  }
}

async function recordedProgress(
  client: PipelineClient,
  pipelineId: string,
): Promise<PipelineProgress | undefined> {
  if (await client.isRunning(pipelineId)) return undefined;
  try {
    return (await client.result(pipelineId)).progress;
  } catch (err) {
    if (isNamed(err, 'PipelineFailedError')) return (err as PipelineFailedError).details?.progress;
    throw err;
  }
}
