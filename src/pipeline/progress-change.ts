/**
 * When a viewer of a pipeline's progress has something new to see. One answer for every live view: the
 * client's `watch` (which `stepline status --follow` and `watch` print) and the dashboard's streams.
 */
import type { PipelineProgress } from './progress.js';

/**
 * Equal keys: nothing a viewer sees has changed. The workflow bumps `version` on every change it records
 * (statuses, events, pending approvals and interventions, variables), and a resumed or continued pipeline
 * has a new `runId`. What the worker reports between versions is read from `describe()` and moves no
 * version, so it is in the key too: each step's status (a retry shows as `retrying`), attempt, heartbeat
 * percent and message, and its latest error. Heartbeat times are left out: they alone change nothing shown.
 */
export function progressChangeKey(progress: PipelineProgress): string {
  const steps = progress.steps
    .map((step) =>
      [
        step.id,
        step.status,
        step.attempt,
        step.detail?.percent ?? '',
        step.detail?.message ?? '',
        step.error?.message ?? '',
      ].join(':'),
    )
    .join('|');
  return `${progress.runId}/${progress.version}/${steps}`;
}

/** Whether `next` shows a viewer anything `previous` (the last snapshot shown, if any) did not. */
export function progressChanged(previous: PipelineProgress | undefined, next: PipelineProgress): boolean {
  return previous === undefined || progressChangeKey(previous) !== progressChangeKey(next);
}
