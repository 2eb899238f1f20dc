import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { StepInvocation } from '../pipeline/contract.js';
import type { ClassifyRule, PipelineDefinition, TimeoutSettings } from '../pipeline/definition.js';
import { withoutUndefined } from '../pipeline/plain-objects.js';
import {
  BUILTIN_START_TO_CLOSE_MS,
  compactRecoveryPlan,
  recoveryPlan,
  temporalRetryPolicy,
  type RecoveryPlan,
} from '../pipeline/recovery.js';

type StepActivity = (invocation: StepInvocation) => Promise<unknown>;

/** What one activity call needs besides its input: the handler, its timeouts and recovery. */
export interface ActivitySpec {
  activity: string;
  timeouts?: TimeoutSettings;
  retry?: Parameters<typeof recoveryPlan>[1]['retry'];
  recovery?: Parameters<typeof recoveryPlan>[1]['recovery'];
}

/** A step activity ready to call: options resolved once per spec, not per call. */
export interface PreparedActivity {
  plan: RecoveryPlan;
  call(invocation: Omit<StepInvocation, 'recovery' | 'classify'>, activityId: string): Promise<unknown>;
}

/**
 * Maps a step onto activity options: timeouts (step → definition defaults → built-in 10 min start-to-close)
 * and the server-side retry policy derived from its recovery rules.
 */
export function prepareActivity(definition: PipelineDefinition, spec: ActivitySpec): PreparedActivity {
  const plan = recoveryPlan(definition, spec);
  const timeouts = { ...definition.defaults?.timeouts, ...withoutUndefined(spec.timeouts) };
  const options: ActivityOptions = {
    startToCloseTimeout: timeouts.startToClose ?? BUILTIN_START_TO_CLOSE_MS,
    ...(timeouts.heartbeat !== undefined ? { heartbeatTimeout: timeouts.heartbeat } : {}),
    ...(timeouts.scheduleToClose !== undefined ? { scheduleToCloseTimeout: timeouts.scheduleToClose } : {}),
    retry: temporalRetryPolicy(plan),
  };
  const recovery = compactRecoveryPlan(definition, spec);
  const classify: ClassifyRule[] | undefined = definition.classify?.length ? definition.classify : undefined;
  return {
    plan,
    call(invocation, activityId) {
      const activities = proxyActivities<Record<string, StepActivity>>({ ...options, activityId });
      const run = activities[spec.activity]!;
      return run({ ...invocation, ...(classify ? { classify } : {}), recovery });
    },
  };
}
