/** Shared set-up for the activities unit tests: a mock activity environment with the classifying interceptor. */
import assert from 'node:assert/strict';
import type { Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import {
  classifyingInterceptor,
  createDefaultRegistry,
  type StepInvocation,
  type StepRegistry,
} from '../../src/activities/index.js';
import type { StepFailureDetails } from '../../src/pipeline/errors.js';

export interface StepEnv {
  env: MockActivityEnvironment;
  heartbeats: unknown[];
  logs: LogEntry[];
  /** Runs the registry's activity `name` with `invocation` (stepId defaults to `s1`). */
  run(name: string, invocation: Partial<StepInvocation> & { input?: unknown }): Promise<unknown>;
}

/** A mock activity environment (workflow id `pipe-1`) with the classifying interceptor, collecting heartbeats and logs. */
export function stepEnv(info: Partial<Info> = {}, registry: StepRegistry = createDefaultRegistry()): StepEnv {
  const logs: LogEntry[] = [];
  const heartbeats: unknown[] = [];
  const env = new MockActivityEnvironment(
    { workflowExecution: { workflowId: 'pipe-1', runId: 'run-1' }, ...info },
    {
      interceptors: [classifyingInterceptor],
      logger: new DefaultLogger('TRACE', (entry) => logs.push(entry)),
    },
  );
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const activities = registry.activities();
  return {
    env,
    heartbeats,
    logs,
    run(name, invocation) {
      const activity = activities[name];
      assert.ok(activity, `no activity ${name}`);
      return env.run(activity, { stepId: 's1', input: undefined, ...invocation });
    },
  };
}

/** Awaits `promise`, expecting it to reject with an ApplicationFailure; returns it and its details. */
export async function failureOf(
  promise: Promise<unknown>,
): Promise<{ failure: ApplicationFailure; details: StepFailureDetails }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return { failure: err, details: err.details?.[0] as StepFailureDetails };
  }
  assert.fail('expected the step to fail');
}
