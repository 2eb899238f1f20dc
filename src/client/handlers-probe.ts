/**
 * Asking a worker which step handlers it runs: a one-step probe pipeline whose step is the built-in
 * {@link HANDLERS_PROBE_ACTIVITY}, raced against a timeout; a probe nobody answered is terminated.
 */
import type { PipelineClient } from '../client.js';
import { HANDLERS_PROBE_ACTIVITY } from '../pipeline/contract.js';
import { PipelineRequestRejectedError } from './errors.js';

export interface WorkerHandlers {
  taskQueue: string;
  handlers: string[];
}

const PROBE_DEFINITION = {
  name: 'stepline-handlers-probe',
  steps: [{ id: 'probe', activity: HANDLERS_PROBE_ACTIVITY, input: {}, retry: { maxAttempts: 1 } }],
};

/** The handlers one worker of `client`'s task queue runs. Throws when none answers within `timeoutMs`. */
export async function probeWorkerHandlers(
  client: PipelineClient,
  timeoutMs: number,
): Promise<WorkerHandlers> {
  const { pipelineId } = await client.start(PROBE_DEFINITION);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new PipelineRequestRejectedError(
            `no worker answered on task queue "${client.settings.taskQueue}" within ${timeoutMs} ms: is one running (stepline worker / npm run worker)?`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    const result = await Promise.race([client.result(pipelineId), timedOut]);
    return result.outputs.probe as WorkerHandlers;
  } catch (err) {
    await client
      .handle(pipelineId)
      .terminate('handlers probe: no answer')
      .catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
