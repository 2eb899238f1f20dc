import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DurationSchema,
  PositiveDurationSchema,
  formatDuration,
  parseDuration,
} from '../../src/pipeline/index.js';
import { LIMITS } from '../../src/pipeline/limits.js';

describe('parseDuration', () => {
  test('units ms, s, m, h and d convert to milliseconds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('2d'), 172_800_000);
  });

  test('compound durations add up', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('2m30s'), 150_000);
    assert.equal(parseDuration('1d2h3m4s5ms'), 93_784_005);
  });

  test('decimals are allowed', () => {
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration('0.5h'), 1_800_000);
  });

  test('numbers and digit strings are milliseconds', () => {
    assert.equal(parseDuration(0), 0);
    assert.equal(parseDuration(1500), 1500);
    assert.equal(parseDuration('1500'), 1500);
    assert.equal(parseDuration(' 5m '), 300_000);
  });

  test('anything else is an error saying what was expected and what was found', () => {
    const expected = (found: string) =>
      `expected a duration like 500ms, 30s, 5m, 1h, 2d or a number of milliseconds; got ${found}`;
    for (const [value, found] of [
      ['5 minutes', '"5 minutes"'],
      ['', '""'],
      ['5M', '"5M"'],
      ['-5s', '"-5s"'],
      ['1h 30m', '"1h 30m"'],
      ['ms', '"ms"'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
    ] as const) {
      assert.throws(() => parseDuration(value), { message: expected(found) }, String(value));
    }
  });
});

describe('DurationSchema', () => {
  test('parses strings and numbers into milliseconds', () => {
    assert.equal(DurationSchema.parse('5m'), 300_000);
    assert.equal(DurationSchema.parse(250), 250);
    assert.equal(DurationSchema.parse('0s'), 0);
  });

  test('rejects a bad duration with the expected/found message', () => {
    const result = DurationSchema.safeParse('5 minutes');
    assert.equal(result.success, false);
    assert.equal(
      result.error?.issues[0]?.message,
      'expected a duration like 500ms, 30s, 5m, 1h, 2d or a number of milliseconds; got "5 minutes"',
    );
    assert.match(DurationSchema.safeParse(true).error?.issues[0]?.message ?? '', /; got true$/);
  });

  test('limits and timeouts must be greater than zero', () => {
    assert.equal(PositiveDurationSchema.parse('1ms'), 1);
    assert.equal(
      PositiveDurationSchema.safeParse(0).error?.issues[0]?.message,
      'expected a duration greater than 0; got 0',
    );
  });
});

describe('formatDuration', () => {
  test('formats milliseconds compactly for people', () => {
    assert.equal(formatDuration(0), '0ms');
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(172_800_000), '2d');
  });

  test('round-trips through parseDuration for whole seconds and above', () => {
    for (const ms of [60_000, 90_000, 3_600_000, 93_784_000])
      assert.equal(parseDuration(formatDuration(ms)), ms);
  });
});

describe('the longest duration (LIMITS.maxDurationMs, 3650d)', () => {
  const tooLong = (found: string) =>
    `expected a duration of at most 3650d (${LIMITS.maxDurationMs} ms); got ${found}`;

  test('up to 3650 days is accepted, as text, compound text or milliseconds', () => {
    assert.equal(parseDuration('3650d'), LIMITS.maxDurationMs);
    assert.equal(parseDuration('3649d24h'), LIMITS.maxDurationMs);
    assert.equal(parseDuration(LIMITS.maxDurationMs), LIMITS.maxDurationMs);
    assert.equal(DurationSchema.parse(String(LIMITS.maxDurationMs)), LIMITS.maxDurationMs);
  });

  test('longer ones, and ones whose parts add up past it, are rejected saying so', () => {
    for (const [value, found] of [
      ['99999999d', '"99999999d"'],
      ['3650d1ms', '"3650d1ms"'],
      ['1e300', null],
      [1e300, '1e+300'],
      [LIMITS.maxDurationMs + 1, String(LIMITS.maxDurationMs + 1)],
      ['9'.repeat(30), `"${'9'.repeat(30)}"`],
    ] as const) {
      if (found === null) {
        assert.throws(() => parseDuration(value), /expected a duration like/, String(value));
        continue;
      }
      assert.throws(() => parseDuration(value), { message: tooLong(found) }, String(value));
      assert.equal(DurationSchema.safeParse(value).error?.issues[0]?.message, tooLong(found), String(value));
    }
  });

  test('a 10,000-character digit string is not a duration (and is not scanned)', () => {
    assert.throws(() => parseDuration('1'.repeat(10_000)), /expected a duration like/);
  });
});
