/** Settling the query's progress with how Temporal says the run closed. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { progressFromStart, settleProgress, statusOfExecution } from '../../src/closed-progress.js';
import { exitCodeForStatus } from '../../src/cli/exit.js';
import { statusLines } from '../../src/cli/render.js';
import { parseDefinition } from '../../src/pipeline/validate.js';
import type { PipelineProgress } from '../../src/pipeline/progress.js';

const waiting: PipelineProgress = {
  pipelineId: 'p-1',
  runId: 'r-1',
  name: 'p',
  status: 'awaiting_approval',
  startedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:01.000Z',
  percent: 50,
  etaMs: 1000,
  counts: { total: 3, pending: 1, running: 1, succeeded: 1, failed: 0, skipped: 0, compensated: 0 },
  steps: [
    { id: 'a', name: 'a', status: 'succeeded', attempt: 1, path: 'steps[0]' },
    {
      id: 'gate',
      name: 'gate',
      status: 'awaiting_approval',
      attempt: 1,
      path: 'steps[1]',
      startedAt: '2026-01-01T00:00:01.000Z',
    },
    { id: 'c', name: 'c', status: 'pending', attempt: 0, path: 'steps[2]' },
  ],
  pending: {
    stepId: 'gate',
    kind: 'approval',
    allowed: ['approve', 'reject'],
    since: '2026-01-01T00:00:01.000Z',
  },
  events: [{ seq: 4, at: '2026-01-01T00:00:01.000Z', type: 'approval_requested', message: 'waiting' }],
  decisions: [],
  version: 9,
};

describe('settleProgress', () => {
  test('a terminated run reads terminated: unfinished steps cancelled, nothing pending, a closing event, a new version', () => {
    const settled = settleProgress(waiting, {
      executionStatus: 'TERMINATED',
      closedAt: '2026-01-01T00:01:00.000Z',
      reason: 'stuck',
    });
    assert.equal(settled.status, 'terminated');
    assert.equal(settled.completedAt, '2026-01-01T00:01:00.000Z');
    assert.equal(settled.pending, undefined);
    assert.equal(settled.etaMs, undefined);
    assert.deepEqual(
      settled.steps.map((s) => s.status),
      ['succeeded', 'cancelled', 'cancelled'],
    );
    assert.equal(settled.steps[1]?.durationMs, 59_000);
    assert.deepEqual(settled.events.at(-1), {
      seq: 5,
      at: '2026-01-01T00:01:00.000Z',
      type: 'pipeline_terminated',
      message: 'pipeline terminated: stuck; compensations did not run',
    });
    assert.equal(settled.version, 10);
    assert.equal(settled.counts.pending, 0);
  });

  test('timed out overrides even a terminal query status; failed/cancelled only override a non-terminal one', () => {
    const failed = { ...waiting, status: 'failed' as const };
    assert.equal(
      settleProgress(failed, { executionStatus: 'TIMED_OUT', timeout: 'workflow run timeout 1m' }).status,
      'timed_out',
    );
    assert.equal(settleProgress(failed, { executionStatus: 'FAILED' }), failed);
    assert.equal(settleProgress(waiting, { executionStatus: 'FAILED', reason: 'boom' }).status, 'failed');
    assert.equal(settleProgress(waiting, { executionStatus: 'CANCELLED' }).status, 'cancelled');
    assert.equal(settleProgress(waiting, { executionStatus: 'RUNNING' }), waiting);
    assert.equal(statusOfExecution('CONTINUED_AS_NEW'), undefined);
  });

  test('progress rebuilt from the start event lists the definition steps; the CLI exits 1 and says why', () => {
    const definition = parseDefinition({
      name: 'p',
      steps: [
        { id: 'a', activity: 'echo' },
        { id: 'b', activity: 'echo' },
      ],
    });
    const rebuilt = progressFromStart({
      pipelineId: 'p-2',
      runId: 'r-2',
      startedAt: waiting.startedAt,
      definition,
    });
    const settled = settleProgress(rebuilt, { executionStatus: 'TERMINATED', closedAt: waiting.updatedAt });
    assert.deepEqual(
      settled.steps.map((s) => [s.id, s.status, s.path]),
      [
        ['a', 'cancelled', 'steps[0]'],
        ['b', 'cancelled', 'steps[1]'],
      ],
    );
    assert.equal(exitCodeForStatus(settled.status), 1);
    assert.equal(exitCodeForStatus('timed_out'), 1);
    const lines = statusLines(settled, { now: Date.parse(waiting.updatedAt) }).join('\n');
    assert.match(lines, /pipeline terminated \(no reason given\); compensations did not run/);
  });
});
