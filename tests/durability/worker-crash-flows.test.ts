/**
 * A worker SIGKILLed during a fan-out, during compensation and while a pipeline waits for an approval
 * (see `crash-suite.ts` for how, and what is asserted).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APPROVAL, SCENARIO_TIMEOUT_MS, fanOut, gated, saga, useWorkerCrashSuite } from './crash-suite.js';

describe('a worker SIGKILLed mid-flow', { concurrency: 2 }, () => {
  const suite = useWorkerCrashSuite([fanOut, saga, gated]);
  const options = { timeout: SCENARIO_TIMEOUT_MS };

  test(
    'during a fan-out: finished items are not run again, the items in flight at most once more',
    options,
    async (t) => {
      await suite.crash(t, {
        name: 'fan-out',
        definition: fanOut,
        killWhen: suite.starts('fan/3'),
        // fan/2 was handed to the worker at about the same time; it may not have started yet.
        inFlight: (keys) =>
          keys.includes('ledger.step fan/3') && keys.every((k) => /^ledger\.step fan\/\d$/.test(k)),
      });
    },
  );

  test(
    'during compensation: the rollback carries on where it was, each compensation runs once (the one in flight at most twice)',
    options,
    async (t) => {
      await suite.crash(t, {
        name: 'compensation',
        definition: saga,
        killWhen: suite.starts('c', 'ledger.undo'),
        inFlight: ['ledger.undo c'],
      });
    },
  );

  test(
    'while waiting for an approval: approved (update) after the restart, the pipeline completes',
    options,
    async (t) => {
      await suite.crash(t, {
        name: 'approval-update',
        definition: gated,
        killWhen: (id) => suite.awaitingApproval(id),
        inFlight: [],
        decide: {
          whileDown: false,
          act: async (pipelines, id) => {
            const state = await pipelines.approve(id, 'gate', APPROVAL);
            assert.equal(state.status, 'succeeded');
          },
        },
      });
    },
  );

  test(
    'while waiting for an approval: an approval signalled while no worker runs is not lost',
    options,
    async (t) => {
      await suite.crash(t, {
        name: 'approval-signal',
        definition: gated,
        killWhen: (id) => suite.awaitingApproval(id),
        inFlight: [],
        decide: {
          whileDown: true,
          act: (pipelines, id) =>
            pipelines.signalApproval(id, { stepId: 'gate', decision: 'approve', ...APPROVAL }),
        },
      });
    },
  );
});
