/**
 * Helpers of the limits suites (tests/integration/limits-*.test.ts): inputs that used to leave a
 * pipeline looping on workflow-task failures or terminated by the server, started straight through a
 * plain Temporal client (no Stepline client-side validation). Each must end completed, failed with a
 * reason naming the step or path, or wait as designed — with at most one failed workflow task, never
 * terminated, and progress agreeing with Temporal's own status.
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { z } from 'zod';
import { defineStep } from '../../src/activities/index.js';
import type { PipelineRequest, PipelineResult } from '../../src/pipeline/contract.js';
import { testId, type TestEnv } from './harness.js';
export { maxPendingActivities } from './harness.js';

const { temporal } = proto;
const EventType = temporal.api.enums.v1.EventType;

/** Returns a string of `bytes` ASCII characters. */
export const blob = defineStep({
  name: 'limits.blob',
  input: z.object({ bytes: z.number().int().min(0) }),
  run: ({ bytes }) => 'x'.repeat(bytes),
});

export const KB = 1024;
export const MB = 1024 * KB;

export interface Ending {
  id: string;
  status: string;
  result?: PipelineResult;
  message?: string;
  details?: { stepId?: string; category?: string; status?: string; compensated?: boolean };
  failureType?: string;
}

export async function startRaw(env: TestEnv, request: unknown, prefix = 'limits'): Promise<string> {
  const id = testId(prefix);
  await env.client.workflow.start('pipeline', {
    taskQueue: env.taskQueue,
    workflowId: id,
    args: [request as PipelineRequest],
  });
  return id;
}

/** Waits for the run to end (a wedged run fails the test instead of hanging it), then checks its history. */
export async function ending(env: TestEnv, id: string): Promise<Ending> {
  const handle = env.client.workflow.getHandle(id);
  let outcome: Ending;
  const wedged = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`pipeline ${id} did not end within 150 s`)), 150_000).unref(),
  );
  try {
    const result = (await Promise.race([handle.result(), wedged])) as PipelineResult;
    outcome = { id, status: 'COMPLETED', result };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause as { message?: string; type?: string; details?: unknown[] } | undefined;
    outcome = {
      id,
      status: 'FAILED',
      message: cause?.message ?? err.message,
      ...(cause?.type ? { failureType: cause.type } : {}),
      details: (cause?.details?.[0] ?? {}) as Ending['details'],
    };
  }
  await assertCleanHistory(env, id);
  return outcome;
}

export async function assertCleanHistory(env: TestEnv, id: string): Promise<void> {
  const handle = env.client.workflow.getHandle(id);
  const history = await handle.fetchHistory();
  const types = (history.events ?? []).map((e) => e.eventType);
  const failedTasks = types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).length;
  assert.ok(failedTasks <= 1, `${id}: ${failedTasks} failed workflow tasks`);
  assert.ok(!types.includes(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED), `${id} was terminated`);
  const description = await handle.describe();
  const progress = await env.pipelines.progress(id);
  const expected: Record<string, string[]> = {
    COMPLETED: ['completed'],
    FAILED: ['failed', 'rolled_back'],
    CANCELLED: ['cancelled'],
  };
  assert.ok(
    expected[description.status.name]?.includes(progress.status),
    `${id}: progress says ${progress.status}, Temporal says ${description.status.name}`,
  );
}

export async function scheduledActivityIds(env: TestEnv, id: string, runId?: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(id, runId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    .map((e) => e.activityTaskScheduledEventAttributes?.activityId ?? '');
}

export function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

export const echo = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  activity: 'echo',
  input: {},
  ...extra,
});
