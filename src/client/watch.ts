/** Live progress by polling: a new value whenever the run's progress changes, until it ends. */
import { isTerminalStatus, type PipelineProgress } from '../pipeline/progress.js';

export interface WatchOptions {
  /** Between polls. Default 500 ms. */
  intervalMs?: number;
  /** Stops the watch before the next poll. */
  signal?: AbortSignal;
}

/**
 * Yields `readProgress()` whenever its run, `version` or a step's status, attempt or heartbeat percent
 * changes; ends after the terminal status or when `signal` aborts.
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
    const key = changeKey(progress);
    if (key !== lastKey) {
      lastKey = key;
      yield progress;
    }
    if (isTerminalStatus(progress.status)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function changeKey(progress: PipelineProgress): string {
  const steps = progress.steps.map((s) => `${s.status}${s.attempt}${s.detail?.percent ?? ''}`).join(',');
  return `${progress.runId}:${progress.version}:${steps}`;
}
