import { condition } from '@temporalio/workflow';
import type { ApprovalPayload, InterventionPayload } from '../pipeline/contract.js';
import type { ApprovalStep, StepDefinition } from '../pipeline/definition.js';
import {
  APPROVAL_DECISIONS,
  INTERVENTION_ACTIONS,
  type PendingKind,
  type StepErrorInfo,
  type StepProgress,
} from '../pipeline/progress.js';
import { formatBytes, jsonSize, JsonValueError, LIMITS } from '../pipeline/limits.js';
import type { RunState } from './run-state.js';
import { now } from './clock.js';

type Kind = PendingKind;
type Payload<K extends Kind> = K extends 'approval' ? ApprovalPayload : InterventionPayload;

interface Waiter {
  kind: Kind;
  approvers: string[];
}

export interface ApprovalOutcome {
  decision: 'approve' | 'reject' | 'skip';
  by?: string;
  comment?: string;
  timedOut?: boolean;
}

/**
 * Where approvals and interventions arrive. Each waiting step has a waiter; a message for a step that is
 * not waiting, or that is not allowed, is refused (updates) or noted and ignored (signals).
 */
export class HumanInbox {
  private readonly waiters = new Map<string, Waiter>();
  private readonly received = new Map<string, ApprovalPayload | InterventionPayload>();

  /**
   * @param limitsApply whether the message caps apply to signals (false only when replaying a history
   *   recorded before them: a signal accepted then must be accepted again).
   */
  constructor(
    private readonly state: RunState,
    private readonly stepOf: (id: string) => StepDefinition | undefined,
    private readonly limitsApply: () => boolean = () => true,
  ) {}

  /** Throws an Error saying why the message does not apply now; its text never repeats a large value. */
  validate<K extends Kind>(kind: K, payload: Payload<K>): void {
    checkMessageLimits(kind, payload);
    this.checkApplies(kind, payload);
  }

  private checkApplies<K extends Kind>(kind: K, payload: Payload<K>): void {
    if (!payload || typeof payload !== 'object') throw new Error(`${kind} payload must be an object`);
    const { stepId } = payload;
    if (!this.stepOf(stepId)) throw new Error(`unknown step ${JSON.stringify(stepId)}`);
    const waiter = this.waiters.get(stepId);
    if (!waiter || waiter.kind !== kind || this.received.has(stepId)) {
      throw new Error(
        `step "${stepId}" is not waiting for ${kind === 'approval' ? 'an approval' : 'an intervention'} (status: ${this.state.step(stepId).status})`,
      );
    }
    if (kind === 'approval') {
      const { decision } = payload as ApprovalPayload;
      if (!APPROVAL_DECISIONS.includes(decision)) {
        throw new Error(`decision must be one of ${APPROVAL_DECISIONS.join(', ')}; got ${shown(decision)}`);
      }
      if (waiter.approvers.length > 0 && !waiter.approvers.includes(payload.by ?? '')) {
        throw new Error(
          `${payload.by ? `"${payload.by}" is` : 'an anonymous caller is'} not allowed to decide step "${stepId}"; approvers: ${waiter.approvers.join(', ')}`,
        );
      }
    } else {
      const { action } = payload as InterventionPayload;
      if (!INTERVENTION_ACTIONS.includes(action)) {
        throw new Error(`action must be one of ${INTERVENTION_ACTIONS.join(', ')}; got ${shown(action)}`);
      }
    }
  }

  /** A signal that does not apply is noted as a short `signal_rejected` event (never verbatim) and ignored. */
  acceptSignal<K extends Kind>(kind: K, payload: Payload<K>): void {
    try {
      try {
        checkMessageLimits(kind, payload);
      } catch (err) {
        if (this.limitsApply()) throw err;
      }
      this.checkApplies(kind, payload);
    } catch (err) {
      const stepId = shortString(payload, 'stepId', LIMITS.maxStepIdLength);
      const by = shortString(payload, 'by', LIMITS.maxNameLength);
      this.state.record(now(), {
        type: 'signal_rejected',
        ...(stepId !== undefined ? { stepId } : {}),
        message: `${kind} signal ignored: ${err instanceof Error ? err.message : 'invalid payload'}`,
        ...(by !== undefined ? { by } : {}),
      });
      return;
    }
    this.received.set(payload.stepId, payload);
  }

  async applyUpdate<K extends Kind>(kind: K, payload: Payload<K>): Promise<StepProgress> {
    this.received.set(payload.stepId, payload);
    const waitingStatus = kind === 'approval' ? 'awaiting_approval' : 'awaiting_intervention';
    await condition(() => this.state.step(payload.stepId).status !== waitingStatus);
    return this.state.stepProgress(payload.stepId);
  }

  clear(stepId: string): void {
    this.waiters.delete(stepId);
    this.received.delete(stepId);
    this.state.stopWaiting(stepId, now());
  }

  /** Waits for `intervention` on a failed step; undefined when `timeoutMs` passes first. */
  async waitForIntervention(
    stepId: string,
    error: StepErrorInfo,
    timeoutMs?: number,
  ): Promise<InterventionPayload | undefined> {
    const since = now();
    this.waiters.set(stepId, { kind: 'intervention', approvers: [] });
    this.state.await(
      stepId,
      {
        stepId,
        kind: 'intervention',
        error,
        allowed: [...INTERVENTION_ACTIONS],
        since,
        ...(timeoutMs !== undefined ? { deadline: new Date(Date.now() + timeoutMs).toISOString() } : {}),
      },
      since,
    );
    this.state.record(since, {
      type: 'intervention_requested',
      stepId,
      message: `step ${stepId} waits for an intervention (${INTERVENTION_ACTIONS.join(', ')})`,
    });
    try {
      const arrived = await this.waitFor(stepId, timeoutMs);
      if (!arrived) return undefined;
      const payload = this.received.get(stepId) as InterventionPayload;
      this.state.decide(now(), {
        stepId,
        kind: 'intervention',
        action: payload.action,
        ...(payload.by ? { by: payload.by } : {}),
        ...(payload.reason ? { comment: payload.reason } : {}),
      });
      this.state.record(now(), {
        type: 'intervention',
        stepId,
        message: `intervention on ${stepId}: ${payload.action}`,
        ...(payload.by ? { by: payload.by } : {}),
        ...(payload.reason ? { comment: payload.reason } : {}),
      });
      return payload;
    } finally {
      this.clear(stepId);
    }
  }

  /** Waits for an approval gate's decision, escalating and timing out as the step says. */
  async waitForApproval(step: ApprovalStep, prompt: string | undefined): Promise<ApprovalOutcome> {
    const started = Date.now();
    const escalateAt = step.escalate ? started + step.escalate.after : undefined;
    const deadline = step.timeout !== undefined ? started + step.timeout : undefined;
    const { waiter, publish } = this.openApproval(step, prompt, deadline);
    let escalated = false;
    try {
      for (;;) {
        const wakeAt = Math.min(
          !escalated && escalateAt !== undefined ? escalateAt : Infinity,
          deadline ?? Infinity,
        );
        const arrived = await this.waitFor(
          step.id,
          Number.isFinite(wakeAt) ? Math.max(0, wakeAt - Date.now()) : undefined,
        );
        if (arrived) return this.approvalArrived(step);
        if (!escalated && escalateAt !== undefined && Date.now() >= escalateAt && step.escalate) {
          escalated = true;
          if (waiter.approvers.length > 0)
            waiter.approvers.push(...step.escalate.to.filter((a) => !waiter.approvers.includes(a)));
          publish();
          this.state.decide(now(), {
            stepId: step.id,
            kind: 'escalation',
            action: `escalated to ${step.escalate.to.join(', ')}`,
          });
          this.state.record(now(), {
            type: 'escalated',
            stepId: step.id,
            message: `approval of ${step.id} escalated to ${step.escalate.to.join(', ')}`,
          });
          continue;
        }
        const onTimeout = step.onTimeout ?? 'reject';
        this.state.decide(now(), { stepId: step.id, kind: 'timeout', action: onTimeout });
        this.state.record(now(), {
          type: 'approval_timeout',
          stepId: step.id,
          message: `no decision on ${step.id} within ${step.timeout} ms; ${onTimeout}`,
        });
        return { decision: onTimeout, timedOut: true, by: 'timeout' };
      }
    } finally {
      this.clear(step.id);
    }
  }

  /**
   * Engine 2's {@link waitForApproval}: a gate without `escalate` or `timeout` waits on one `condition`,
   * with no async layers of its own (each pending promise costs memory while a pipeline waits: B6).
   */
  waitForApprovalLean(step: ApprovalStep, prompt: string | undefined): Promise<ApprovalOutcome> {
    if (step.escalate || step.timeout !== undefined) return this.waitForApproval(step, prompt);
    this.openApproval(step, prompt, undefined);
    return condition(() => this.received.has(step.id)).then(
      () => {
        try {
          return this.approvalArrived(step);
        } finally {
          this.clear(step.id);
        }
      },
      (err: unknown) => {
        this.clear(step.id);
        throw err;
      },
    );
  }

  /** Shows the gate as waiting (its approvers, prompt and deadline) and records the request. */
  private openApproval(
    step: ApprovalStep,
    prompt: string | undefined,
    deadline: number | undefined,
  ): { waiter: Waiter; publish: () => void } {
    const since = now();
    const waiter: Waiter = { kind: 'approval', approvers: [...(step.approvers ?? [])] };
    this.waiters.set(step.id, waiter);
    const publish = () =>
      this.state.await(
        step.id,
        {
          stepId: step.id,
          kind: 'approval',
          allowed: [...APPROVAL_DECISIONS],
          approvers: [...waiter.approvers],
          ...(prompt !== undefined ? { prompt } : {}),
          since,
          ...(deadline !== undefined ? { deadline: new Date(deadline).toISOString() } : {}),
        },
        now(),
      );
    publish();
    this.state.record(since, {
      type: 'approval_requested',
      stepId: step.id,
      message: prompt ?? `step ${step.id} waits for approval`,
    });
    return { waiter, publish };
  }

  /** Records the decision that arrived for the gate and returns it. */
  private approvalArrived(step: ApprovalStep): ApprovalOutcome {
    const payload = this.received.get(step.id) as ApprovalPayload;
    this.state.decide(now(), {
      stepId: step.id,
      kind: 'approval',
      action: payload.decision,
      ...(payload.by ? { by: payload.by } : {}),
      ...(payload.comment ? { comment: payload.comment } : {}),
    });
    this.state.record(now(), {
      type: payload.decision === 'approve' ? 'approved' : 'rejected',
      stepId: step.id,
      message: `${step.id} ${payload.decision === 'approve' ? 'approved' : 'rejected'}${payload.by ? ` by ${payload.by}` : ''}`,
      ...(payload.by ? { by: payload.by } : {}),
      ...(payload.comment ? { comment: payload.comment } : {}),
    });
    return {
      decision: payload.decision,
      ...(payload.by ? { by: payload.by } : {}),
      ...(payload.comment ? { comment: payload.comment } : {}),
    };
  }

  private async waitFor(stepId: string, timeoutMs: number | undefined): Promise<boolean> {
    if (timeoutMs === undefined) {
      await condition(() => this.received.has(stepId));
      return true;
    }
    return await condition(() => this.received.has(stepId), timeoutMs);
  }
}

/**
 * A message's size and fields against the limits, before anything else reads it: the payload as a
 * whole, `stepId`, `by`, `comment`/`reason` and an intervention's `input`/`output`.
 */
function checkMessageLimits(
  kind: Kind,
  payload: unknown,
): asserts payload is ApprovalPayload | InterventionPayload {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error(`${kind} payload must be an object`);
  }
  let bytes: number;
  try {
    bytes = jsonSize(payload, { stopAfter: LIMITS.maxMessageBytes });
  } catch (err) {
    throw new Error(
      `${kind} payload is not plain JSON: ${err instanceof JsonValueError ? err.message : 'unreadable'}`,
    );
  }
  if (bytes > LIMITS.maxMessageBytes) {
    throw new Error(`${kind} payload is over ${formatBytes(LIMITS.maxMessageBytes)}, the message limit`);
  }
  const fields = payload as Record<string, unknown>;
  checkText(fields, 'stepId', LIMITS.maxStepIdLength, true);
  checkText(fields, 'by', LIMITS.maxNameLength, false);
  checkText(fields, kind === 'approval' ? 'comment' : 'reason', LIMITS.maxCommentLength, false);
  if (kind === 'intervention') {
    for (const field of ['input', 'output'] as const) {
      if (fields[field] === undefined) continue;
      const size = jsonSize(fields[field], { stopAfter: LIMITS.maxInterventionValueBytes });
      if (size > LIMITS.maxInterventionValueBytes) {
        throw new Error(
          `${field} is over ${formatBytes(LIMITS.maxInterventionValueBytes)}; store bulk data elsewhere and pass a reference`,
        );
      }
    }
  }
}

function checkText(fields: Record<string, unknown>, name: string, max: number, required: boolean): void {
  const value = fields[name];
  if (value === undefined && !required) return;
  if (typeof value !== 'string')
    throw new Error(`${name} must be a string; got ${value === null ? 'null' : typeof value}`);
  if (value.length > max) throw new Error(`${name} is ${value.length} characters; at most ${max}`);
}

function shortString(payload: unknown, name: string, max: number): string | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const value = (payload as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length <= max ? value : undefined;
}

/** A value for an error message: short strings quoted, anything else by type. */
function shown(value: unknown): string {
  if (typeof value === 'string')
    return value.length <= 40 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  return value === null ? 'null' : typeof value;
}
