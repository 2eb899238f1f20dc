/**
 * A PostgreSQL restart (fast shutdown, then start on the same port and data) while pipelines run on
 * several worker processes: every service loses its database connections at once.
 */
import { describe, test } from 'node:test';
import {
  assertCompletedStepsRanOnce,
  assertNoPipelineLost,
  FAULT_TIMEOUT_MS,
  useFaultCluster,
  type Fault,
} from '../helpers/cluster-faults.js';

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
      const outcome = await suite.runThroughFault(t, restartPostgres);
      assertNoPipelineLost(outcome);
      assertCompletedStepsRanOnce(outcome);
    },
  );
});
