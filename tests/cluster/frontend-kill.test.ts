/**
 * `kill -9` of the frontend service (the only service clients and workers talk to) while pipelines run on
 * several worker processes, then the service started again on the same ports.
 */
import { describe, test } from 'node:test';
import {
  assertCompletedStepsRanOnce,
  assertNoPipelineLost,
  FAULT_TIMEOUT_MS,
  killService,
  useFaultCluster,
} from '../helpers/cluster-faults.js';

describe('a cluster whose frontend service is killed with SIGKILL mid-run', () => {
  const suite = useFaultCluster('frontend-kill');

  test(
    'restarted, it loses no pipeline: all complete with the outputs of an uninterrupted run and completed steps do not run again',
    { timeout: FAULT_TIMEOUT_MS },
    async (t) => {
      const outcome = await suite.runThroughFault(t, killService('frontend'));
      assertNoPipelineLost(outcome);
      assertCompletedStepsRanOnce(outcome);
    },
  );
});
