import { z } from 'zod';
import { defineStep } from '../define-step.js';

/** Most progress reports a `delay` step may ask for. */
const MAX_TICKS = 100_000;

const DelayInput = z.strictObject({
  /** How long to wait, in milliseconds. */
  ms: z.number().nonnegative(),
  /** How many times to heartbeat and report progress. Default: one per second of `ms`, at least 1. */
  ticks: z.number().int().positive().max(MAX_TICKS).optional(),
});

/**
 * `delay` `{ ms, ticks? }`: waits `ms` milliseconds, heartbeating and reporting progress `ticks` times
 * (evenly spaced, the last at 100%), and returns `{ sleptMs: ms }`. Cancelling the activity ends the
 * wait at once.
 */
export const delay = defineStep({
  name: 'delay',
  description: 'Waits ms milliseconds, reporting progress ticks times.',
  input: DelayInput,
  async run({ ms, ticks }, ctx) {
    const count = ticks ?? Math.max(1, Math.round(ms / 1000));
    const started = performance.now();
    for (let tick = 1; tick <= count; tick++) {
      const target = (ms * tick) / count;
      await ctx.sleep(target - (performance.now() - started));
      ctx.reportProgress((100 * tick) / count, `slept ${Math.round(target)} of ${ms} ms`);
    }
    return { sleptMs: ms };
  },
});
