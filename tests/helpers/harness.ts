/**
 * Shared set-up for integration tests: the run's dev server (started once by `npm test`), an in-process
 * worker per suite on its own task queue, and a PipelineClient.
 */
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
const { temporal } = proto;
import assert from 'node:assert/strict';
import { PipelineClient, PipelineFailedError } from '../../src/client.js';
import { createPipelineWorker } from '../../src/worker.js';
export { eventually } from './eventually.js';
import type { StepHandler } from '../../src/activities/index.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

export interface TestEnv {
  address: string;
  namespace: string;
  taskQueue: string;
  client: Client;
  pipelines: PipelineClient;
  worker: Worker;
}

export function serverAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address)
    throw new Error(
      'TEMPORAL_ADDRESS is not set: run integration tests with `npm test` (it starts the dev server)',
    );
  return address;
}

/**
 * Registers before/after hooks that start a worker (built-ins plus `steps`) on a fresh task queue and
 * shut everything down after the suite. Use the returned object inside tests.
 */
export function useTestEnv(options: { steps?: StepHandler[] } = {}): TestEnv {
  const env = {} as TestEnv;
  let nativeConnection: NativeConnection;
  let running: Promise<void>;
  before(async () => {
    env.address = serverAddress();
    env.namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
    env.taskQueue = `test-${randomUUID()}`;
    nativeConnection = await NativeConnection.connect({ address: env.address });
    env.worker = await createPipelineWorker({
      connection: nativeConnection,
      namespace: env.namespace,
      taskQueue: env.taskQueue,
      steps: options.steps ?? [],
    });
    running = env.worker.run();
    // Histories with outputs near the 2 MB payload limit are bigger than gRPC's default 4 MB answer.
    const connection = await Connection.connect({
      address: env.address,
      channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
    });
    env.client = new Client({ connection, namespace: env.namespace });
    env.pipelines = new PipelineClient({ client: env.client, taskQueue: env.taskQueue });
  });
  after(async () => {
    env.worker?.shutdown();
    await running;
    await env.client?.connection.close();
    await nativeConnection?.close();
  });
  return env;
}

/** A unique pipeline id for a test. */
export function testId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Event types of a workflow's history, in order. */
export async function historyEventTypes(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => eventTypeName(e.eventType));
}

function eventTypeName(type: proto.temporal.api.enums.v1.EventType | null | undefined): string {
  return (temporal.api.enums.v1.EventType[type ?? 0] ?? String(type)).replace(/^EVENT_TYPE_/, '');
}

/** The most activities the run had scheduled and not yet closed at any point of its history. */
export async function maxPendingActivities(env: Pick<TestEnv, 'client'>, id: string): Promise<number> {
  const history = await env.client.workflow.getHandle(id).fetchHistory();
  let pending = 0;
  let max = 0;
  for (const event of history.events ?? []) {
    switch (event.eventType) {
      case temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        max = Math.max(max, ++pending);
        break;
      case temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
        pending -= 1;
        break;
    }
  }
  return max;
}

/** The workflow task (its WorkflowTaskCompleted event id) that scheduled each activity, by activity id. */
export async function scheduledBy(client: Client, workflowId: string): Promise<Map<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const by = new Map<string, number>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityId) by.set(scheduled.activityId, Number(scheduled.workflowTaskCompletedEventId));
  }
  return by;
}

/** Runs a pipeline that must fail; returns its failure details (fails the test if it completes). */
export async function failureDetails(env: Pick<TestEnv, 'pipelines'>, definition: unknown, id: string) {
  try {
    await env.pipelines.startAndWait(definition, { id });
  } catch (err) {
    assert.ok(err instanceof PipelineFailedError, `expected PipelineFailedError, got ${String(err)}`);
    assert.ok(err.details);
    return err.details;
  }
  assert.fail(`${id} should have failed`);
}

/** The attempt numbers of the run's ActivityTaskStarted events (server-side retries record the last one). */
export async function startedAttempts(client: Client, workflowId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((event) => event.activityTaskStartedEventAttributes?.attempt)
    .filter((attempt): attempt is number => typeof attempt === 'number');
}
