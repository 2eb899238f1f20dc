/** The pipeline definitions the benchmarks run, each next to the hand-written workflow it is compared with. */
import type { PipelineDefinitionInput } from '../../src/pipeline/definition.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Start-to-close timeout of the timed benchmarks' steps, Stepline and hand-written alike (Stepline's
 * default is 10 min): an activity the worker loses is retried after 30 s instead of stalling a run for
 * 10 min, and the benchmark counts it.
 */
export const BENCH_START_TO_CLOSE_MS = 30_000;

const within = (startToCloseMs?: number) =>
  startToCloseMs === undefined ? {} : { defaults: { timeouts: { startToClose: startToCloseMs } } };

/** `n` no-op steps one after the other (hand-written: `handWrittenSequential(n)`). */
export function sequential(n: number, startToCloseMs?: number): PipelineDefinitionInput {
  return {
    name: 'bench-sequential',
    ...within(startToCloseMs),
    steps: range(n).map((i) => ({ id: `s${i}`, activity: 'echo', input: { i } })),
  };
}

/** `n` no-op steps with no dependencies: a parallel DAG (hand-written: `handWrittenParallel(n)`). */
export function parallel(n: number, startToCloseMs?: number): PipelineDefinitionInput {
  return {
    name: 'bench-parallel',
    ...within(startToCloseMs),
    steps: range(n).map((i) => ({ id: `p${i}`, activity: 'echo', dependsOn: [], input: { i } })),
  };
}

/** One step over `n` items, all at once (hand-written: `handWrittenParallel(n)`). */
export function forEach(n: number, startToCloseMs?: number): PipelineDefinitionInput {
  return {
    name: 'bench-for-each',
    ...within(startToCloseMs),
    steps: [{ id: 'each', activity: 'echo', forEach: range(n), input: { i: '{{ item }}' } }],
  };
}

/**
 * `n` steps one after the other, step `failAt` failing twice (network) before succeeding on its third
 * attempt (hand-written: `handWrittenRetried(n, failAt)`, same retry policy).
 */
export function retried(n: number, failAt: number): PipelineDefinitionInput {
  return {
    name: 'bench-retried',
    steps: range(n).map((i) =>
      i === failAt
        ? {
            id: `s${i}`,
            activity: 'fail',
            input: { times: 2, category: 'network' },
            retry: { maxAttempts: 3, initialInterval: '100ms', backoffCoefficient: 2 },
          }
        : { id: `s${i}`, activity: 'echo', input: { i } },
    ),
  };
}

/** `echo`, an approval gate, `echo` (hand-written: `handWrittenGate()`). */
export function gated(startToCloseMs?: number): PipelineDefinitionInput {
  return {
    name: 'bench-gated',
    ...within(startToCloseMs),
    steps: [
      { id: 'before', activity: 'echo', input: {} },
      { id: 'gate', type: 'approval', prompt: 'release the benchmark?' },
      { id: 'after', activity: 'echo', input: {} },
    ],
  };
}

/**
 * `n` heartbeating `bench.ledger` steps of `ms` each, with a short heartbeat timeout so a step whose
 * worker died is retried soon (B5).
 */
export function ledgered(n: number, ms: number, heartbeatTimeoutMs: number): PipelineDefinitionInput {
  return {
    name: 'bench-recovery',
    defaults: {
      timeouts: { heartbeat: heartbeatTimeoutMs, startToClose: '1m' },
      retry: { initialInterval: '200ms', maxAttempts: 5 },
    },
    steps: range(n).map((i) => ({ id: `s${i + 1}`, activity: 'bench.ledger', input: { ms } })),
  };
}
