/**
 * A PostgreSQL restart (fast shutdown, then start on the same port and data) while pipelines run on
 * several worker processes: every service loses its database connections at once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FAULT_TIMEOUT_MS, useFaultCluster, type Fault } from '../helpers/cluster-faults.js';

const restartPostgres: Fault = async (cluster) => {
  const restart = cluster.database.restart;
  if (!restart)
    throw new Error('an external PostgreSQL (STEPLINE_CLUSTER_DATABASE_URL) cannot be restarted here');
  const startedAt = Date.now();
  await restart();
  return `PostgreSQL stopped (fast) and started again in ${Date.now() - startedAt} ms`;
};

describe('a cluster whose PostgreSQL restarts mid-run', () => {
  const suite = useFaultCluster('postgres-restart');

  test(
    'it loses no pipeline: all complete with the outputs of an uninterrupted run and completed steps do not run again',
    { timeout: FAULT_TIMEOUT_MS },
    async (t) => {
      const { reference, midRun, gated, ledger, workerProcesses } = await suite.runThroughFault(
        t,
        restartPostgres,
      );

      assert.equal(reference.status, 'completed', 'the uninterrupted reference run');
      for (const { id, result } of [...midRun, gated]) assert.equal(result.status, 'completed', id);
      for (const { id, result } of midRun) {
        assert.deepEqual(result.outputs, reference.outputs, `${id}: the outputs of an uninterrupted run`);
      }
      assert.equal(
        (gated.result.outputs.after as { value: unknown }).value,
        null,
        `${gated.id}: after the gate`,
      );

      for (const { id, activitySteps, ran } of ledger) {
        assert.deepEqual(
          ran.map((r) => r.step),
          activitySteps,
          `${id}: every step ran`,
        );
        for (const { step, starts, finishes, completedBeforeFault } of ran) {
          assert.ok(finishes >= 1, `${id} ${step} finished`);
          // Completed before the fault: exactly once. Running at it: at most one extra run (at least once).
          if (completedBeforeFault) assert.deepEqual([starts, finishes], [1, 1], `${id} ${step}`);
          else assert.ok(starts <= 2, `${id} ${step} ran ${starts} times`);
        }
      }
      assert.ok(
        workerProcesses >= 2,
        `the steps ran on ${workerProcesses} worker process: the fault was meant to hit several`,
      );
    },
  );
});
