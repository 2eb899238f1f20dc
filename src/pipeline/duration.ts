import { z } from 'zod';
import { stringMatching } from './string-pattern.js';
import { describeValue } from './errors.js';
import { LIMITS } from './limits.js';

/**
 * Durations in pipeline definitions: strings like `500ms`, `30s`, `5m`, `1h`, `2d`, compounds like
 * `1h30m`, or numbers of milliseconds. The parsed definition carries plain milliseconds, so the
 * workflow never parses a duration string.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration string: one or more `<number><unit>` parts, or a bare number of milliseconds. */
export const DURATION_PATTERN = /^\s*(?:(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+|\d+)\s*$/;

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Longest duration string looked at: anything longer is not a duration (and cannot be a sane one). */
const MAX_DURATION_TEXT = 100;

/** The message for a duration over {@link LIMITS.maxDurationMs}, naming what was found. */
export function durationTooLongMessage(found: unknown): string {
  return `expected a duration of at most ${formatDuration(LIMITS.maxDurationMs)} (${LIMITS.maxDurationMs} ms); got ${describeValue(found)}`;
}

/** The message for a value that is not a duration, naming what was found. */
export function durationMessage(found: unknown): string {
  return `expected a duration like 500ms, 30s, 5m, 1h, 2d or a number of milliseconds; got ${describeValue(found)}`;
}

/**
 * Converts a duration to milliseconds.
 *
 * Accepts `500ms`, `30s`, `5m`, `1h`, `2d`, compounds (`1h30m`, `2m30s`), digit strings (`"1500"`)
 * and non-negative finite numbers (milliseconds, returned as they are), up to `LIMITS.maxDurationMs`
 * (3650d): longer ones would overflow `Date` and Temporal's timers.
 *
 * @throws Error saying what was expected and what was found, for anything else.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!(Number.isFinite(value) && value >= 0)) throw new Error(durationMessage(value));
    if (value > LIMITS.maxDurationMs) throw new Error(durationTooLongMessage(value));
    return value;
  }
  if (typeof value !== 'string' || value.length > MAX_DURATION_TEXT || !DURATION_PATTERN.test(value))
    throw new Error(durationMessage(value));
  const text = value.trim();
  let total = 0;
  if (/^\d+$/.test(text)) {
    total = Number(text);
  } else {
    for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
      total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
    }
  }
  if (!Number.isFinite(total)) throw new Error(durationMessage(value));
  if (total > LIMITS.maxDurationMs) throw new Error(durationTooLongMessage(value));
  return total;
}

/** Formats milliseconds compactly for people: `1500` → `1.5s`, `5400000` → `1h30m`, `0` → `0ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return String(ms);
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000) * 1_000;
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return parts.join('');
}

/**
 * A duration in a definition: validates `string | number` and outputs milliseconds (`number`).
 * Zero is allowed; see {@link PositiveDurationSchema} for limits that must be greater than zero.
 */
export const DurationSchema = z
  .union(
    [
      stringMatching(DURATION_PATTERN, durationMessage),
      z
        .number()
        .nonnegative({ error: (issue) => durationMessage(issue.input) })
        .max(LIMITS.maxDurationMs, { error: (issue) => durationTooLongMessage(issue.input) }),
    ],
    {
      error: (issue) =>
        typeof issue.input === 'number' && issue.input > LIMITS.maxDurationMs
          ? durationTooLongMessage(issue.input)
          : durationMessage(issue.input),
    },
  )
  .transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value });
      return z.NEVER;
    }
  });

/** A duration that must be greater than zero (timeouts, intervals): outputs milliseconds. */
export const PositiveDurationSchema = DurationSchema.refine((ms) => ms > 0, {
  error: (issue) => `expected a duration greater than 0; got ${describeValue(issue.input)}`,
});
