/**
 * Engine 3's completion-driven scheduler (src/workflows/interpreter/driver.ts) over random DAGs and random
 * completion orders: no step starts before all its dependencies are done or more than once, nothing
 * starts after the first failure, and the run settles only once every started step has. Fixed seeds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { CancellationScope } from '@temporalio/workflow';
import type { StepDefinition } from '../../src/pipeline/definition.js';
import { runAllStepsDriven } from '../../src/workflows/interpreter/driver.js';
import type { PipelineRun } from '../../src/workflows/interpreter/run.js';

interface Plan {
  /** Dependencies of step i, all on earlier steps (a DAG in topological order). */
  deps: number[][];
  /** How each step settles: at once or later, succeeding or failing. */
  outcome: Array<'now' | 'later' | 'fail-now' | 'fail-later'>;
  /** Which pending step settles next (index into the pending list, modulo its length). */
  picks: number[];
}

const plans = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.record({
    deps: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        i === 0 ? fc.constant([]) : fc.uniqueArray(fc.integer({ min: 0, max: i - 1 }), { maxLength: 3 }),
      ),
    ),
    outcome: fc.array(fc.constantFrom('now', 'later', 'later', 'later', 'fail-now', 'fail-later'), {
      minLength: n,
      maxLength: n,
    }),
    picks: fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
  }),
) as fc.Arbitrary<Plan>;

function fakeRun(plan: Plan): { run: PipelineRun; scope: CancellationScope; cancels: () => number } {
  const ids = plan.deps.map((_, i) => `s${i}`);
  const dependencies: Record<string, string[]> = {};
  const dependents: Record<string, string[]> = {};
  for (const id of ids) dependents[id] = [];
  plan.deps.forEach((deps, i) => {
    dependencies[ids[i]!] = deps.map((d) => ids[d]!);
    for (const d of deps) dependents[ids[d]!]!.push(ids[i]!);
  });
  const stepsById = new Map(ids.map((id) => [id, { id } as StepDefinition]));
  let cancelled = 0;
  const run = { order: ids, dependencies, dependents, stepsById } as unknown as PipelineRun;
  const scope = { cancel: () => (cancelled += 1) } as unknown as CancellationScope;
  return { run, scope, cancels: () => cancelled };
}

test('steps start after all their dependencies, once each; the first failure stops new starts', async () => {
  await fc.assert(
    fc.asyncProperty(plans, async (plan) => {
      const { run, scope, cancels } = fakeRun(plan);
      const started: string[] = [];
      const settled = new Map<string, 'done' | 'failed'>();
      const pending: Array<{ id: string; settle: () => void }> = [];
      let firstFailure: string | undefined;
      let runSettled = false;
      const index = (id: string) => Number(id.slice(1));

      // Collected, not thrown: the driver turns a runner's throw into the step's failure.
      const violations: string[] = [];
      const finished = runAllStepsDriven(run, scope, (_run, step, done, fail) => {
        if (started.includes(step.id)) violations.push(`${step.id} started twice`);
        if (firstFailure !== undefined) violations.push(`${step.id} started after ${firstFailure} failed`);
        for (const dep of plan.deps[index(step.id)]!)
          if (settled.get(`s${dep}`) !== 'done')
            violations.push(`${step.id} started before s${dep} was done`);
        started.push(step.id);
        const outcome = plan.outcome[index(step.id)]!;
        const settle = () => {
          if (outcome.startsWith('fail')) {
            settled.set(step.id, 'failed');
            firstFailure ??= step.id;
            fail(new Error(step.id));
          } else {
            settled.set(step.id, 'done');
            done();
          }
        };
        if (outcome.endsWith('now')) settle();
        else pending.push({ id: step.id, settle });
      });
      void finished.then(
        () => (runSettled = true),
        () => (runSettled = true),
      );

      for (const pick of plan.picks) {
        if (pending.length === 0) break;
        await Promise.resolve();
        assert.equal(runSettled, false, 'the run settled while a started step was still running');
        pending.splice(pick % pending.length, 1)[0]!.settle();
      }
      while (pending.length > 0) pending.shift()!.settle();

      const result = await finished.then(
        () => 'resolved',
        (err: Error) => err.message,
      );
      assert.deepEqual(violations, []);
      assert.equal(settled.size, started.length, 'every started step settled');
      if (firstFailure === undefined) {
        assert.equal(result, 'resolved');
        assert.equal(started.length, run.order.length, 'every step ran');
        assert.equal(cancels(), 0);
      } else {
        assert.equal(result, firstFailure, 'the run rejects with the first failure');
        assert.equal(cancels(), 1, 'the scope is cancelled once');
      }
    }),
    { seed: 20261203, numRuns: 300 },
  );
});

test('a long chain of steps that settle at once runs without recursion', async () => {
  const n = 20_000;
  const plan: Plan = {
    deps: Array.from({ length: n }, (_, i) => (i === 0 ? [] : [i - 1])),
    outcome: Array.from({ length: n }, () => 'now' as const),
    picks: [],
  };
  const { run, scope } = fakeRun(plan);
  let started = 0;
  await runAllStepsDriven(run, scope, (_run, _step, done) => {
    started += 1;
    done();
  });
  assert.equal(started, n);
});

test('a runner that throws fails its step instead of leaving the run waiting', async () => {
  const { run, scope, cancels } = fakeRun({ deps: [[], [0]], outcome: ['now', 'now'], picks: [] });
  const failure = await runAllStepsDriven(run, scope, (_run, step, done) => {
    if (step.id === 's1') throw new Error('runner broke');
    done();
  }).then(
    () => undefined,
    (err: Error) => err.message,
  );
  assert.equal(failure, 'runner broke');
  assert.equal(cancels(), 1);
});
