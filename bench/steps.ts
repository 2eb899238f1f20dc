/**
 * Step handlers only the benchmarks use, registered by the bench worker next to the built-ins.
 */
import { z } from 'zod';
import { defineStep, type StepHandler } from '../src/activities/index.js';
import { appendLedgerRecord } from '../tests/helpers/ledger.js';

/** How often `bench.ledger` heartbeats while it works. */
const HEARTBEAT_EVERY_MS = 100;

/**
 * `bench.ledger` `{ ms }`: records `start` in the ledger file, works `ms` milliseconds (heartbeating),
 * records `finish`. The benchmark reads the ledger to kill the worker while a chosen step runs.
 */
export function benchSteps(ledgerFile: string | undefined): StepHandler[] {
  const ledgerStep = defineStep({
    name: 'bench.ledger',
    input: z.object({ ms: z.number().int().min(0).default(0) }).passthrough(),
    async run({ ms }, ctx) {
      const record = {
        handler: 'bench.ledger',
        key: ctx.idempotencyKey,
        stepId: ctx.stepId,
        attempt: ctx.attempt,
      };
      if (ledgerFile) appendLedgerRecord(ledgerFile, { ...record, event: 'start' });
      const started = Date.now();
      const beat = () => ctx.reportProgress(ms ? ((Date.now() - started) / ms) * 100 : 100);
      beat();
      const heartbeats = setInterval(beat, HEARTBEAT_EVERY_MS);
      try {
        await ctx.sleep(ms);
      } finally {
        clearInterval(heartbeats);
      }
      if (ledgerFile) appendLedgerRecord(ledgerFile, { ...record, event: 'finish' });
      return { stepId: ctx.stepId };
    },
  });
  return [ledgerStep];
}
