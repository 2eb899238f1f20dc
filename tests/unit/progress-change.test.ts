/**
 * When live views (`stepline status --follow`, the dashboard's streams) show a new snapshot: on every
 * change a viewer can see, and not for a poll that read the same thing again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { progressChanged, progressChangeKey } from '../../src/pipeline/progress-change.js';
import type { PipelineProgress, StepProgress } from '../../src/pipeline/progress.js';

function step(id: string, status: StepProgress['status'], extra: Partial<StepProgress> = {}): StepProgress {
  return { id, name: id, status, attempt: status === 'pending' ? 0 : 1, path: `steps[${id}]`, ...extra };
}

function snapshot(overrides: Partial<PipelineProgress> = {}): PipelineProgress {
  return {
    pipelineId: 'release-1',
    runId: 'run-1',
    name: 'release',
    status: 'running',
    startedAt: '2026-05-01T12:00:00.000Z',
    updatedAt: '2026-05-01T12:00:05.000Z',
    percent: 40,
    counts: { total: 2, pending: 1, running: 1, succeeded: 0, failed: 0, skipped: 0, compensated: 0 },
    steps: [
      step('tests', 'running', { detail: { percent: 50, message: 'suite 2 of 4' } }),
      step('deploy', 'pending'),
    ],
    events: [],
    decisions: [],
    version: 7,
    ...overrides,
  };
}

/** The same snapshot with its first step changed. */
function withTests(extra: Partial<StepProgress>): PipelineProgress {
  const base = snapshot();
  return { ...base, steps: [{ ...base.steps[0]!, ...extra }, ...base.steps.slice(1)] };
}

describe('progressChanged', () => {
  test('the first snapshot is always news', () => {
    assert.equal(progressChanged(undefined, snapshot()), true);
  });

  test('a poll that reads the same progress again is not news, nor a new heartbeat time alone', () => {
    assert.equal(progressChanged(snapshot(), snapshot()), false);
    const heartbeat = withTests({
      detail: { percent: 50, message: 'suite 2 of 4', heartbeatAt: '2026-05-01T12:00:06.000Z' },
    });
    assert.equal(progressChanged(snapshot(), heartbeat), false);
    assert.equal(progressChangeKey(snapshot()), progressChangeKey(heartbeat));
  });

  test('every change the workflow records moves the version, and a new version is news', () => {
    // Status, events, pending gates and variables all come with a new version.
    assert.equal(
      progressChanged(snapshot(), snapshot({ version: 8, status: 'awaiting_approval', vars: { n: 1 } })),
      true,
    );
  });

  test('a new run (resume, continue-as-new) is news even at the same version', () => {
    assert.equal(progressChanged(snapshot(), snapshot({ runId: 'run-2' })), true);
  });

  test("what the worker reports between versions is news: a running step's attempt, status, heartbeat and error", () => {
    const before = snapshot();
    assert.equal(progressChanged(before, withTests({ attempt: 2 })), true);
    assert.equal(progressChanged(before, withTests({ status: 'retrying' })), true);
    assert.equal(
      progressChanged(before, withTests({ detail: { percent: 75, message: 'suite 2 of 4' } })),
      true,
    );
    assert.equal(
      progressChanged(before, withTests({ detail: { percent: 50, message: 'suite 3 of 4' } })),
      true,
    );
    assert.equal(
      progressChanged(
        before,
        withTests({ error: { category: 'timeout', severity: 'medium', message: 'timeout', attempt: 1 } }),
      ),
      true,
    );
  });
});
