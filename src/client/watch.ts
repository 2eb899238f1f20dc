/** Live progress by polling: a new value whenever the run's progress changes, until it ends. */
import { progressChangeKey } from '../pipeline/progress-change.js';
import { isTerminalStatus, type PipelineProgress } from '../pipeline/progress.js';

export interface WatchOptions {
  /** Between polls. Default 500 ms. */
  intervalMs?: number;
  /** Stops the watch before the next poll. */
  signal?: AbortSignal;
}

/**
 * Yields `readProgress()` whenever it changes (`progressChangeKey`, the dashboard stream's key too); ends
 * after the terminal status or when `signal` aborts.
 */
export async function* watchProgress(
  readProgress: () => Promise<PipelineProgress>,
  options: WatchOptions = {},
): AsyncIterable<PipelineProgress> {
  const intervalMs = options.intervalMs ?? 500;
  let lastKey = '';
  for (;;) {
    if (options.signal?.aborted) return;
    const progress = await readProgress();
    const key = progressChangeKey(progress);
    if (key !== lastKey) {
      lastKey = key;
      yield progress;
    }
    if (isTerminalStatus(progress.status)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
