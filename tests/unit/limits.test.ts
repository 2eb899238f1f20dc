import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { jsonSize, JsonValueError, LIMITS, truncateText, utf8Length } from '../../src/pipeline/limits.js';
import { fitProgress, fitResult } from '../../src/workflows/result-size.js';
import type { PipelineProgress } from '../../src/pipeline/progress.js';

test('jsonSize equals the UTF-8 length of JSON.stringify for any JSON value', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
      assert.equal(jsonSize(value, { maxDepth: 100 }), Buffer.byteLength(JSON.stringify(value), 'utf8'));
    }),
    { numRuns: 500, seed: 13 },
  );
});

test('utf8Length agrees with Buffer for any string, lone surrogates included', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      assert.equal(utf8Length(text), Buffer.byteLength(text, 'utf8'));
    }),
    { numRuns: 500, seed: 7 },
  );
});

test('jsonSize names the path of what is not JSON', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ a: [1, () => 1] }, /^a\[1\]: a function is not JSON$/],
    [{ s: Symbol('x') }, /^s: a Symbol is not JSON$/],
    [[1n], /^\[0\]: a BigInt is not JSON$/],
    [[1, undefined], /^\[1\]: undefined is not JSON \(in a list\)$/],
    [{ n: Number.NaN }, /^n: NaN is not a JSON number$/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => jsonSize(value),
      (err: unknown) => err instanceof JsonValueError && message.test(err.message),
    );
  }
});

test('jsonSize stops at the depth limit without overflowing the stack, even for a cycle', () => {
  let deep: unknown = 0;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.throws(() => jsonSize(deep), /nested deeper than 64 levels/);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.throws(() => jsonSize(cycle), /nested deeper than/);
});

test('jsonSize stops early once the size passes stopAfter', () => {
  const big = Array.from({ length: 100_000 }, () => 'x'.repeat(100));
  const size = jsonSize(big, { stopAfter: 1_000 });
  assert.ok(size > 1_000 && size < 200_000, `stopped at ${size} of ${JSON.stringify(big).length} bytes`);
});

test('truncateText keeps short text and says how much it cut', () => {
  assert.equal(truncateText('short', 10), 'short');
  const cut = truncateText('x'.repeat(5_000_000), 2_000);
  assert.ok(cut.length <= 2_000);
  assert.match(cut, /more characters\)$/);
});

function progressWith(events: number, message: string): PipelineProgress {
  return {
    pipelineId: 'p',
    runId: 'r',
    name: 'n',
    status: 'completed',
    startedAt: '',
    updatedAt: '',
    percent: 100,
    counts: { total: 1, pending: 0, running: 0, succeeded: 1, failed: 0, skipped: 0, compensated: 0 },
    steps: [{ id: 'a', name: 'a', status: 'succeeded', attempt: 1, path: 'steps[0]' }],
    events: Array.from({ length: events }, (_, seq) => ({ seq, at: '', type: 'step_started', message })),
    decisions: [],
    version: 1,
  };
}

test('fitResult leaves the largest outputs out first and keeps the result under the limit', () => {
  const outputs = { small: 'x'.repeat(10), big: 'y'.repeat(1_200_000), bigger: 'z'.repeat(1_300_000) };
  const sizes = new Map(Object.entries(outputs).map(([k, v]) => [k, v.length + 2]));
  const fitted = fitResult({ status: 'completed', outputs, progress: progressWith(3, 'm') }, sizes);
  assert.deepEqual(fitted.outputs.bigger, {
    $stepline: 'omitted_output',
    stepId: 'bigger',
    bytes: 1_300_002,
    query: 'output',
  });
  assert.equal(fitted.outputs.big, outputs.big);
  assert.equal(fitted.outputs.small, outputs.small);
  assert.ok(jsonSize(fitted) <= LIMITS.maxResultBytes);
  const untouched = { status: 'completed' as const, outputs: { a: 1 }, progress: progressWith(3, 'm') };
  assert.equal(fitResult(untouched, new Map([['a', 1]])), untouched, 'a result that fits is returned as is');
});

test('fitProgress drops events before anything else', () => {
  const progress = progressWith(100, 'e'.repeat(500));
  const fitted = fitProgress(progress, 20_000);
  assert.ok(jsonSize(fitted) <= 20_000);
  assert.equal(fitted.steps.length, 1);
  assert.ok(fitted.events.length < 100);
});
