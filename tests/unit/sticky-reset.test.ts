import assert from 'node:assert/strict';
import { test } from 'node:test';
import { previousAttemptUnreported } from '../../src/worker/sticky-reset.js';

const failed = (attempt: number) => ({
  attempt,
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:01.000Z',
  error: { category: 'network', severity: 'medium', message: 'reset' },
});

test('a first attempt never resets the sticky queue', () => {
  assert.equal(previousAttemptUnreported(undefined, 1), false);
  assert.equal(previousAttemptUnreported({ attempts: [] }, 1), false);
});

test('an attempt after one that reported its failure does not reset the sticky queue', () => {
  assert.equal(previousAttemptUnreported({ attempts: [failed(1)] }, 2), false);
  assert.equal(previousAttemptUnreported({ attempts: [failed(1), failed(2)] }, 3), false);
});

test('an attempt after one that left no report (its worker died, or it timed out) resets it', () => {
  // The lost attempt heartbeated progress only (no trail) or nothing at all.
  assert.equal(previousAttemptUnreported(undefined, 2), true);
  assert.equal(previousAttemptUnreported({ percent: 40, message: 'copying' }, 2), true);
  // Attempts 1 and 2 failed and said so; attempt 3 was lost.
  assert.equal(previousAttemptUnreported({ attempts: [failed(1), failed(2)] }, 4), true);
});

test('malformed heartbeat details count as no report, never throw', () => {
  for (const details of [null, 'x', 42, { attempts: 'many' }, { attempts: [{ attempt: 'one' }] }, []])
    assert.equal(previousAttemptUnreported(details, 2), true);
});
