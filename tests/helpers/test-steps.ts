/**
 * Step handlers for integration tests, run by the in-process worker: a gate the test opens, and a
 * recorder that logs every execution (with start and end times) so tests can assert order and overlap.
 */
import { z } from 'zod';
import { defineStep, StepError } from '../../src/activities/index.js';
import { ERROR_CATEGORIES, SEVERITIES } from '../../src/pipeline/errors.js';

export interface Execution {
  key: string;
  stepId: string;
  index?: number;
  attempt: number;
  input: unknown;
  startedAt: number;
  endedAt?: number;
}

/** Every execution of `test.record` and `test.hold` in this process, in start order. */
export const executions: Execution[] = [];

const gates = new Map<string, { open: Promise<void>; release: () => void }>();

function gate(key: string) {
  let entry = gates.get(key);
  if (!entry) {
    let release!: () => void;
    const open = new Promise<void>((resolve) => (release = resolve));
    entry = { open, release };
    gates.set(key, entry);
  }
  return entry;
}

/** Lets every `test.hold` step waiting on `key` finish. */
export function release(key: string): void {
  gate(key).release();
}

export function executionsOf(prefix: string): Execution[] {
  return executions.filter((e) => e.key.startsWith(prefix));
}

export const record = defineStep({
  name: 'test.record',
  input: z.object({ ms: z.number().int().min(0).default(0), value: z.unknown().optional() }).passthrough(),
  async run(input, ctx) {
    const entry: Execution = {
      key: ctx.idempotencyKey,
      stepId: ctx.stepId,
      ...(ctx.index !== undefined ? { index: ctx.index } : {}),
      attempt: ctx.attempt,
      input,
      startedAt: Date.now(),
    };
    executions.push(entry);
    if (input.ms > 0) await ctx.sleep(input.ms);
    entry.endedAt = Date.now();
    return { stepId: ctx.stepId, value: input.value ?? null, index: ctx.index ?? null };
  },
});

export const hold = defineStep({
  name: 'test.hold',
  input: z.object({
    key: z.string(),
    percent: z.number().default(42),
    message: z.string().default('halfway'),
  }),
  async run({ key, percent, message }, ctx) {
    const entry: Execution = {
      key: ctx.idempotencyKey,
      stepId: ctx.stepId,
      attempt: ctx.attempt,
      input: { key },
      startedAt: Date.now(),
    };
    executions.push(entry);
    ctx.reportProgress(percent, message);
    const heartbeats = setInterval(() => ctx.reportProgress(percent, message), 200);
    try {
      await Promise.race([
        gate(key).open,
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      ]);
    } finally {
      clearInterval(heartbeats);
    }
    entry.endedAt = Date.now();
    return { released: key };
  },
});

/**
 * Fails with `categories[attempt - 1]` (the last one repeats) until attempt `succeedOn`, recording each
 * attempt; returns `{ attempt, input }`.
 */
export const flaky = defineStep({
  name: 'test.flaky',
  input: z
    .object({
      categories: z.array(z.enum(ERROR_CATEGORIES)).min(1).default(['internal']),
      severity: z.enum(SEVERITIES).optional(),
      succeedOn: z.number().int().min(1).default(1_000),
      /** Succeed on the n-th execution for this idempotency key, across activity schedules. */
      succeedOnRun: z.number().int().min(1).optional(),
    })
    .passthrough(),
  run(input, ctx) {
    executions.push({
      key: ctx.idempotencyKey,
      stepId: ctx.stepId,
      attempt: ctx.attempt,
      input,
      startedAt: Date.now(),
      endedAt: Date.now(),
    });
    const runs = executions.filter((e) => e.key === ctx.idempotencyKey).length;
    if (ctx.attempt >= input.succeedOn || (input.succeedOnRun !== undefined && runs >= input.succeedOnRun)) {
      return { attempt: ctx.attempt, input };
    }
    const category = input.categories[Math.min(ctx.attempt, input.categories.length) - 1]!;
    throw new StepError(`flaky ${category} failure on attempt ${ctx.attempt}`, {
      category,
      ...(input.severity ? { severity: input.severity } : {}),
    });
  },
});

export const testSteps = [record, hold, flaky];
