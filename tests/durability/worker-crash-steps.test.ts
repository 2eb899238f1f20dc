/**
 * A worker SIGKILLed while the first, a middle or the last step of a sequential pipeline runs
 * (see `crash-suite.ts` for how, and what is asserted).
 */
import { describe, test } from 'node:test';
import { SCENARIO_TIMEOUT_MS, SEQUENTIAL_STEPS, sequential, useWorkerCrashSuite } from './crash-suite.js';

describe('a worker SIGKILLed while a step of a sequential pipeline runs', { concurrency: 2 }, () => {
  const suite = useWorkerCrashSuite([sequential]);

  for (const k of [1, Math.ceil(SEQUENTIAL_STEPS / 2), SEQUENTIAL_STEPS]) {
    const where = k === 1 ? 'first' : k === SEQUENTIAL_STEPS ? 'last' : 'middle';
    test(
      `the ${where} step (s${k} of ${SEQUENTIAL_STEPS}): the pipeline completes with the same outputs, s${k} runs at most twice, every other step once`,
      { timeout: SCENARIO_TIMEOUT_MS },
      async (t) => {
        await suite.crash(t, {
          name: `sequential-s${k}`,
          definition: sequential,
          killWhen: suite.starts(`s${k}`),
          inFlight: [`ledger.step s${k}`],
        });
      },
    );
  }
});
