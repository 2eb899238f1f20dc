/**
 * Hand-written Temporal workflows doing the same work as Stepline pipelines: the honest baseline for the
 * engine's cost (tests compare history sizes, benchmarks compare wall time).
 */
import { proxyActivities } from '@temporalio/workflow';

type StepActivity = (invocation: { input: unknown; stepId: string; index?: number }) => Promise<unknown>;

const { echo } = proxyActivities<Record<string, StepActivity>>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** `steps` calls of `echo`, one after the other. */
export async function handWrittenSequential(steps: number): Promise<unknown[]> {
  const outputs: unknown[] = [];
  for (let i = 0; i < steps; i++) outputs.push(await echo!({ input: { i }, stepId: `s${i}` }));
  return outputs;
}

/** `width` calls of `echo` at once. */
export async function handWrittenParallel(width: number): Promise<unknown[]> {
  return await Promise.all(
    Array.from({ length: width }, (_, i) => echo!({ input: { i }, stepId: `p${i}`, index: i })),
  );
}
