/**
 * Hand-written Temporal workflows doing the same work as Stepline pipelines: the honest baseline for the
 * engine's cost (tests compare history sizes, benchmarks compare wall time, query latency and memory).
 */
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

type StepActivity = (invocation: { input: unknown; stepId: string; index?: number }) => Promise<unknown>;

/** The same options a Stepline step gets by default: 10 min start-to-close, 3 attempts with backoff. */
const STEP_OPTIONS = {
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
} as const;
const { echo } = proxyActivities<Record<string, StepActivity>>(STEP_OPTIONS);

/** `echo` with another start-to-close timeout (what a definition's `defaults.timeouts.startToClose` does). */
function echoWithin(startToCloseMs: number | undefined): StepActivity {
  if (startToCloseMs === undefined) return echo!;
  return proxyActivities<Record<string, StepActivity>>({
    ...STEP_OPTIONS,
    startToCloseTimeout: startToCloseMs,
  }).echo!;
}

/** What the benchmarks' retried Stepline step asks for: 3 attempts, 100 ms apart at first. */
const { fail } = proxyActivities<Record<string, StepActivity>>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3, initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** `steps` calls of `echo`, one after the other. */
export async function handWrittenSequential(steps: number, startToCloseMs?: number): Promise<unknown[]> {
  const call = echoWithin(startToCloseMs);
  const outputs: unknown[] = [];
  for (let i = 0; i < steps; i++) outputs.push(await call({ input: { i }, stepId: `s${i}` }));
  return outputs;
}

/** `width` calls of `echo` at once. */
export async function handWrittenParallel(width: number, startToCloseMs?: number): Promise<unknown[]> {
  const call = echoWithin(startToCloseMs);
  return await Promise.all(
    Array.from({ length: width }, (_, i) => call({ input: { i }, stepId: `p${i}`, index: i })),
  );
}

/**
 * `steps` calls one after the other, where call `failAt` is `fail { times: 2 }`: it fails twice and
 * succeeds on its third attempt (server-side retries).
 */
export async function handWrittenRetried(steps: number, failAt: number): Promise<unknown[]> {
  const outputs: unknown[] = [];
  for (let i = 0; i < steps; i++) {
    outputs.push(
      i === failAt
        ? await fail!({ input: { times: 2, category: 'network' }, stepId: `s${i}` })
        : await echo!({ input: { i }, stepId: `s${i}` }),
    );
  }
  return outputs;
}

/** What {@link handWrittenGate} answers to its `progress` query. */
export interface GateProgress {
  status: 'running' | 'awaiting_approval' | 'completed';
  version: number;
}

/** The hand-written gate's query and signal (named like Stepline's, with their own minimal payloads). */
export const gateProgressQuery = defineQuery<GateProgress>('progress');
export const gateApprovalSignal = defineSignal('approval');

/** `echo`, then waits for the `approval` signal, then `echo`: a Stepline approval gate by hand. */
export async function handWrittenGate(startToCloseMs?: number): Promise<GateProgress> {
  const call = echoWithin(startToCloseMs);
  const progress: GateProgress = { status: 'running', version: 0 };
  let approved = false;
  setHandler(gateProgressQuery, () => progress);
  setHandler(gateApprovalSignal, () => {
    approved = true;
  });
  await call({ input: {}, stepId: 'before' });
  progress.status = 'awaiting_approval';
  progress.version += 1;
  await condition(() => approved);
  progress.status = 'running';
  progress.version += 1;
  await call({ input: {}, stepId: 'after' });
  progress.status = 'completed';
  progress.version += 1;
  return progress;
}
