import type { OmittedOutput, PipelineResult } from '../pipeline/contract.js';
import { jsonSize, LIMITS, truncateText } from '../pipeline/limits.js';
import type { PipelineProgress } from '../pipeline/progress.js';

/**
 * Keeps what the workflow returns (its result, its failure details) under `LIMITS.maxResultBytes`, so
 * the server never refuses or terminates a run for the size of its own ending. Large outputs are left
 * out first (largest first; each replaced by an {@link OmittedOutput} marker, the value stays readable
 * with the `output` query); then the progress copy drops its events and decisions, then step details.
 */
export function fitResult(result: PipelineResult, outputBytes: ReadonlyMap<string, number>): PipelineResult {
  const budget = LIMITS.maxResultBytes;
  const progress = fitProgress(result.progress, budget / 2);
  const progressBytes = measure(progress);
  let total = progressBytes;
  const sizes: Array<[string, number]> = [];
  for (const id of Object.keys(result.outputs)) {
    const bytes = outputBytes.get(id) ?? measure(result.outputs[id]);
    sizes.push([id, bytes]);
    total += bytes + id.length + 4;
  }
  if (total <= budget) return progress === result.progress ? result : { ...result, progress };
  const outputs = Object.assign(Object.create(null) as Record<string, unknown>, result.outputs);
  for (const [stepId, bytes] of sizes.sort((a, b) => b[1] - a[1])) {
    if (total <= budget) break;
    const marker: OmittedOutput = { $stepline: 'omitted_output', stepId, bytes, query: 'output' };
    outputs[stepId] = marker;
    total -= bytes - measure(marker);
  }
  return { ...result, outputs, progress };
}

/** A copy of `progress` no bigger than `budget` bytes as JSON (the same object when it already fits). */
export function fitProgress(progress: PipelineProgress, budget: number): PipelineProgress {
  if (measure(progress, budget) <= budget) return progress;
  const lean: PipelineProgress = { ...progress, events: progress.events.slice(-10), decisions: [] };
  if (measure(lean, budget) <= budget) return lean;
  return {
    ...lean,
    events: [],
    steps: lean.steps.map(
      ({
        detail: _detail,
        compensation: _compensation,
        input: _in,
        output: _out,
        attempts,
        attemptsOmitted,
        error,
        ...step
      }) => ({
        ...step,
        ...(error ? { error: { ...error, message: truncateText(error.message, 200) } } : {}),
        // The latest attempt only, its message cut like the error's.
        ...(attempts?.length
          ? {
              attempts: attempts
                .slice(-1)
                .map((a) =>
                  a.error ? { ...a, error: { ...a.error, message: truncateText(a.error.message, 200) } } : a,
                ),
              ...((attemptsOmitted ?? 0) + attempts.length > 1
                ? { attemptsOmitted: (attemptsOmitted ?? 0) + attempts.length - 1 }
                : {}),
            }
          : {}),
      }),
    ),
  };
}

function measure(value: unknown, stopAfter?: number): number {
  try {
    return jsonSize(value, stopAfter === undefined ? {} : { stopAfter });
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
