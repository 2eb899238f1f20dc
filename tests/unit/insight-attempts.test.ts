import assert from 'node:assert/strict';
import { test } from 'node:test';
import { priorAttempts, UNREPORTED_ATTEMPT_MESSAGE } from '../../src/activities/attempt-trail.js';
import { attemptNote } from '../../src/cli/render.js';
import { liveAttempts } from '../../src/live-attempts.js';
import {
  AttemptBudget,
  boundAttempts,
  mergeTrails,
  readTrail,
  unwrapStepResult,
} from '../../src/pipeline/attempts.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import type { PipelineProgress, StepAttempt, StepProgress } from '../../src/pipeline/progress.js';
import { fitProgress } from '../../src/workflows/result-size.js';

const failed = (attempt: number, message = `boom ${attempt}`): StepAttempt => ({
  attempt,
  error: { category: 'network', severity: 'medium', message },
});

test('attempts are bounded: the first and the latest are kept, the rest counted', () => {
  const all = Array.from({ length: 25 }, (_, i) => failed(i + 1));
  const { attempts, omitted } = boundAttempts(all);
  assert.equal(attempts.length, LIMITS.maxAttemptsKept);
  assert.deepEqual(
    attempts.map((a) => a.attempt),
    [1, 17, 18, 19, 20, 21, 22, 23, 24, 25],
  );
  assert.equal(omitted, 15);
  assert.deepEqual(boundAttempts(all.slice(0, 3)), { attempts: all.slice(0, 3), omitted: 0 });
});

test('a trail read from untrusted JSON keeps well-formed attempts in order, with messages cut', () => {
  const trail = readTrail([
    failed(1, 'x'.repeat(5_000)),
    { attempt: 'two' },
    failed(1),
    { attempt: 3, error: { category: 'weather', severity: 'dire', message: 7 }, startedAt: 5 },
    null,
  ]);
  assert.ok(trail);
  assert.deepEqual(
    trail.attempts.map((a) => a.attempt),
    [1, 3],
  );
  assert.ok(trail.attempts[0]!.error!.message.length <= LIMITS.maxAttemptMessageLength);
  assert.deepEqual(trail.attempts[1], {
    attempt: 3,
    error: { category: 'unknown', severity: 'medium', message: '' },
  });
  assert.equal(readTrail('nope'), undefined);
  assert.equal(readTrail([]), undefined);
});

test('a later run of a step (after an intervention or resume) continues the attempt count', () => {
  const before = { attempts: [failed(1), failed(2)], omitted: 0 };
  const run = { attempts: [failed(1), { attempt: 2 }], omitted: 0 };
  assert.deepEqual(
    mergeTrails(before, run).attempts.map((a) => [a.attempt, a.error?.message]),
    [
      [1, 'boom 1'],
      [2, 'boom 2'],
      [3, 'boom 1'],
      [4, undefined],
    ],
  );
  assert.equal(mergeTrails(undefined, run), run);
});

test('a result envelope is unwrapped; anything else (an old history’s output) is the output itself', () => {
  const envelope = { $stepline: 'step_result', output: { n: 1 }, attempts: [failed(1), { attempt: 2 }] };
  const unwrapped = unwrapStepResult(envelope);
  assert.deepEqual(unwrapped.output, { n: 1 });
  assert.deepEqual(
    unwrapped.trail?.attempts.map((a) => a.attempt),
    [1, 2],
  );
  for (const output of [{ n: 1 }, null, 'text', [1], { $stepline: 'step_result' }])
    assert.deepEqual(unwrapStepResult(output), { output });
});

test('the worker reads earlier attempts from heartbeat details and fills in attempts that left no report', () => {
  assert.deepEqual(priorAttempts({ attempts: [failed(1)] }, 1), { attempts: [], omitted: 0 });
  assert.deepEqual(priorAttempts({ attempts: [failed(1), failed(2)] }, 3).attempts, [failed(1), failed(2)]);
  const filled = priorAttempts({ percent: 40 }, 3);
  assert.deepEqual(
    filled.attempts.map((a) => [a.attempt, a.error?.category, a.error?.message]),
    [
      [1, 'timeout', UNREPORTED_ATTEMPT_MESSAGE],
      [2, 'timeout', UNREPORTED_ATTEMPT_MESSAGE],
    ],
  );
  const many = priorAttempts(undefined, 1_000);
  assert.equal(many.attempts.length, LIMITS.maxAttemptsKept);
  assert.equal(many.attempts[many.attempts.length - 1]!.attempt, 999);
  assert.equal(many.attempts.length + many.omitted, 999);
});

test('live attempts come from describe: the heartbeat trail, else the last failure, plus the running attempt', () => {
  const step = { id: 's', attempt: 1, status: 'running' } as StepProgress;
  const fromTrail = liveAttempts(
    step,
    { attempt: 3, maximumAttempts: 5, lastStartedTime: { seconds: 1_700_000_000, nanos: 0 } },
    { percent: 10, attempts: [failed(1), failed(2)] },
  );
  assert.deepEqual(fromTrail, {
    attempts: [failed(1), failed(2), { attempt: 3, startedAt: new Date(1_700_000_000_000).toISOString() }],
    maxAttempts: 5,
  });
  const fromFailure = liveAttempts(
    step,
    { attempt: 3, lastFailure: { message: 'reset', applicationFailureInfo: { type: 'network' } } },
    undefined,
  );
  assert.deepEqual(fromFailure, {
    attempts: [
      { attempt: 2, error: { category: 'network', severity: 'medium', message: 'reset' } },
      { attempt: 3 },
    ],
    attemptsOmitted: 1,
  });
});

test('status notes say "attempt n of m, last error: category: message" once a step has failed', () => {
  const step = {
    id: 's',
    status: 'retrying',
    attempt: 2,
    maxAttempts: 5,
    attempts: [failed(1, 'connection reset\nat line 2'), { attempt: 2 }],
  } as StepProgress;
  assert.equal(attemptNote(step), 'attempt 2 of 5, last error: network: connection reset');
  assert.equal(attemptNote({ ...step, attempts: [{ attempt: 1 }] }), '');
  assert.equal(attemptNote({ ...step, status: 'failed' }), '');
});

test('one progress answer spends a bounded budget on attempt lists: past it, a step lists only its latest attempt', () => {
  const budget = new AttemptBudget(3_000);
  const many = Array.from({ length: 10 }, (_, i) => failed(i + 1, 'm'.repeat(100)));
  assert.deepEqual(budget.take(many, 0), { attempts: many, omitted: 0 });
  assert.deepEqual(budget.take(many, 5), { attempts: [many[9]!], omitted: 14 });
});

test('a progress too big for the result keeps each step’s latest attempt only', () => {
  const step = {
    id: 's',
    name: 's',
    status: 'failed',
    attempt: 10,
    path: 'steps[0]',
    attempts: Array.from({ length: 10 }, (_, i) => failed(i + 1, 'z'.repeat(400))),
    input: { value: 'i'.repeat(3_000) },
  } as StepProgress;
  const progress = {
    steps: Array.from({ length: 200 }, (_, i) => ({ ...step, id: `s${i}` })),
    events: [],
    decisions: [],
  } as unknown as PipelineProgress;
  const fitted = fitProgress(progress, 100_000);
  const first = fitted.steps[0]!;
  assert.equal(first.attempts?.length, 1);
  assert.equal(first.attempts?.[0]?.attempt, 10);
  assert.equal(first.attemptsOmitted, 9);
  assert.equal(first.input, undefined);
});
