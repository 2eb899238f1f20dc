import type { CancellationScope } from '@temporalio/workflow';
import type { StepDefinition } from '../../pipeline/definition.js';
import { StepFailed } from '../step-failure.js';
import type { PipelineRun } from './run.js';

/**
 * Runs one step and reports how it settled: `done` once it succeeded, was skipped or was left for a later
 * run; `fail` with the failure or cancellation that ended it. Calls exactly one of them, never throws.
 */
export type StepRunner = (
  run: PipelineRun,
  step: StepDefinition,
  done: () => void,
  fail: (err: unknown) => void,
) => void;

/**
 * Engine 3's scheduler: every step starts from the completion of its last dependency (roots at once), so
 * a step costs no promise of its own beyond what running it takes, and the run holds one pending promise
 * however many steps wait. The first failure cancels `scope` and starts nothing more; once the steps
 * already started have settled, the promise rejects with it (steps never started stay pending; the run's
 * ending cancels them).
 */
export function runAllStepsDriven(
  run: PipelineRun,
  scope: CancellationScope,
  runStep: StepRunner,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const unmet = new Map<string, number>();
    const ready: string[] = [];
    let next = 0;
    let starting = false;
    let unsettled = run.order.length;
    let running = 0;
    let failure: { err: unknown } | undefined;

    const settleRun = (): void => {
      if (failure) {
        if (running === 0) reject(failure.err);
      } else if (unsettled === 0) resolve();
    };
    const succeeded = (id: string): void => {
      running -= 1;
      unsettled -= 1;
      if (!failure) {
        for (const dependent of run.dependents[id] ?? []) {
          const left = unmet.get(dependent)! - 1;
          unmet.set(dependent, left);
          if (left === 0) ready.push(dependent);
        }
        startReady();
      }
      settleRun();
    };
    const failed = (err: unknown): void => {
      running -= 1;
      unsettled -= 1;
      if (!failure) {
        failure = { err };
        if (err instanceof StepFailed) run.firstFailure ??= err;
        scope.cancel();
      }
      settleRun();
    };
    const start = (id: string): void => {
      running += 1;
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        failed(err);
      };
      try {
        runStep(
          run,
          run.stepsById.get(id)!,
          () => {
            if (settled) return;
            settled = true;
            succeeded(id);
          },
          fail,
        );
      } catch (err) {
        fail(err); // a runner breaking its contract must not leave the run waiting forever
      }
    };
    // A queue, not recursion: steps that settle at once (kept from a checkpoint) start their dependents here.
    const startReady = (): void => {
      if (starting) return;
      starting = true;
      try {
        while (next < ready.length && !failure) start(ready[next++]!);
      } finally {
        starting = false;
      }
    };

    for (const id of run.order) {
      const count = run.dependencies[id]?.length ?? 0;
      unmet.set(id, count);
      if (count === 0) ready.push(id);
    }
    startReady();
    settleRun();
  });
}
