import { CancellationScope, condition, sleep, workflowInfo } from '@temporalio/workflow';
import type { PipelineDefinition } from '../pipeline/definition.js';
import { RenderSizeError } from '../pipeline/errors.js';
import { jsonSize, LIMITS, formatBytes } from '../pipeline/limits.js';
import {
  NOTIFY_ACTIVITY,
  NOTIFY_RETRY,
  notifyEventOf,
  type NotificationBatch,
  type NotificationEvent,
  type NotificationPayload,
  type NotificationPending,
  type NotifyRule,
} from '../pipeline/notify.js';
import type { NotificationEventType, ProgressEvent } from '../pipeline/progress.js';
import { renderTemplates } from '../pipeline/templates.js';
import type { RunState } from './run-state.js';
import { prepareActivity, type PreparedActivity } from './step-activity.js';
import { describeFailure, errorMessage } from './step-failure.js';
import { now } from './clock.js';

/** One attempt of a notification: long enough for a slow webhook, short next to a pipeline. */
const NOTIFY_ATTEMPT_TIMEOUT_MS = 30_000;

/** Every attempt of one notification together: its retries never outlive the run's wait for it. */
const NOTIFY_TOTAL_TIMEOUT_MS = LIMITS.notifyDrainMs;

/** Events gathered for a batched rule, and the timer that delivers them. */
interface Gathering {
  events: NotificationEvent[];
  bytes: number;
  timer?: CancellationScope;
}

/** A delivery waiting for a free slot (at most `LIMITS.maxNotificationsInFlight` run at once). */
interface Delivery {
  index: number;
  rule: NotifyRule;
  payload: NotificationPayload;
  activityId: string;
}

/**
 * The run's notifications (`notify:` rules). It watches the progress events the interpreter records;
 * an event a rule is `on` starts a delivery — an activity the pipeline never waits for on its step path:
 * the built-in `stepline.notify` (webhook) or the rule's step handler. Each delivery has its own retry
 * policy; when it finally fails it records `notification_failed`, never failing the pipeline. Before
 * the run ends (or continues as new) {@link drain} delivers what is gathered and waits, bounded, for
 * what is outstanding.
 *
 * Created only for definitions with `notify` rules, so other runs record nothing new.
 */
export class Notifications {
  private readonly gathering = new Map<number, Gathering>();
  private readonly queue: Delivery[] = [];
  private readonly prepared = new Map<number, PreparedActivity>();
  private inFlight = 0;
  private started = 0;
  private capped = false;

  private constructor(
    private readonly definition: PipelineDefinition,
    private readonly rules: NotifyRule[],
    private readonly state: RunState,
    private readonly params: Record<string, unknown>,
  ) {}

  /** Watches `state` for the definition's `notify` rules; undefined (nothing watched) when it has none. */
  static watch(
    definition: PipelineDefinition,
    state: RunState,
    params: Record<string, unknown>,
  ): Notifications | undefined {
    if (!definition.notify?.length) return undefined;
    const notifications = new Notifications(definition, definition.notify, state, params);
    state.onRecord = (event) => {
      // Whatever goes wrong here is the notification's failure, never the pipeline's.
      try {
        notifications.observe(event);
      } catch (err) {
        notifications.record('notification_failed', `notification not sent: ${errorMessage(err)}`);
      }
    };
    return notifications;
  }

  /** Delivers gathered batches now and waits (at most `LIMITS.notifyDrainMs`) for every outstanding one. */
  async drain(): Promise<void> {
    for (const index of [...this.gathering.keys()]) this.flush(index);
    if (this.idle()) return;
    const done = await CancellationScope.nonCancellable(() =>
      condition(() => this.idle(), LIMITS.notifyDrainMs),
    );
    if (!done) {
      this.record(
        'notification_failed',
        `${this.inFlight + this.queue.length} notification(s) still undelivered after ${LIMITS.notifyDrainMs} ms; the pipeline ends without them`,
      );
    }
  }

  private idle(): boolean {
    return this.inFlight === 0 && this.queue.length === 0;
  }

  private observe(progressEvent: ProgressEvent): void {
    const kind = notifyEventOf(progressEvent.type);
    if (!kind) return;
    this.rules.forEach((rule, index) => {
      if (!rule.on.includes(kind)) return;
      const event = this.eventOf(progressEvent, kind, index);
      if (rule.batch) this.gather(index, rule, event);
      else this.enqueue(index, rule, event, `notify/${index}/${progressEvent.seq}`);
    });
  }

  private eventOf(
    progressEvent: ProgressEvent,
    kind: NotificationEvent['event'],
    index: number,
  ): NotificationEvent {
    const { workflowId, runId } = workflowInfo();
    const pending = progressEvent.stepId ? this.state.pending.get(progressEvent.stepId) : undefined;
    const asked: NotificationPending | undefined =
      pending && (kind === 'approval_requested' || kind === 'intervention_requested')
        ? {
            kind: pending.kind,
            allowed: [...pending.allowed],
            ...(pending.prompt !== undefined ? { prompt: pending.prompt } : {}),
            ...(pending.approvers ? { approvers: [...pending.approvers] } : {}),
            ...(pending.deadline ? { deadline: pending.deadline } : {}),
            ...(pending.error ? { error: pending.error } : {}),
          }
        : undefined;
    return {
      id: `${workflowId}/notify-${index}/${progressEvent.seq}`,
      pipelineId: workflowId,
      runId,
      name: this.definition.name,
      event: kind,
      ...(progressEvent.stepId ? { stepId: progressEvent.stepId } : {}),
      message: progressEvent.message,
      at: progressEvent.at,
      ...(asked ? { pending: asked } : {}),
      link: `#/pipelines/${encodeURIComponent(workflowId)}`,
    };
  }

  // ---- batches ---------------------------------------------------------------------------------------

  private gather(index: number, rule: NotifyRule, event: NotificationEvent): void {
    const bytes = jsonSize(event, { maxDepth: 100_000 });
    const open = this.gathering.get(index);
    if (open && open.bytes + bytes > LIMITS.maxNotifyPayloadBytes) this.flush(index);
    let gathering = this.gathering.get(index);
    if (!gathering) {
      const opened: Gathering = { events: [], bytes: 512 };
      gathering = opened;
      this.gathering.set(index, opened);
      const window = rule.batch!.window;
      // The window's timer lives outside the steps' scope: a failing pipeline does not cancel it.
      CancellationScope.nonCancellable(() => {
        opened.timer = new CancellationScope();
        return opened.timer.run(() => sleep(window));
      }).then(
        () => {
          if (this.gathering.get(index) === opened) this.flush(index);
        },
        () => undefined,
      );
    }
    gathering.events.push(event);
    gathering.bytes += bytes;
    if (gathering.events.length >= (rule.batch!.max ?? LIMITS.maxNotifyBatchSize)) this.flush(index);
  }

  private flush(index: number): void {
    const gathering = this.gathering.get(index);
    if (!gathering) return;
    this.gathering.delete(index);
    gathering.timer?.cancel();
    const first = gathering.events[0];
    if (!first) return;
    const { workflowId, runId } = workflowInfo();
    const batch: NotificationBatch = {
      id: `${first.id}+${gathering.events.length}`,
      batch: true,
      pipelineId: workflowId,
      runId,
      name: this.definition.name,
      count: gathering.events.length,
      events: gathering.events,
    };
    const seq = first.id.slice(first.id.lastIndexOf('/') + 1);
    this.enqueue(index, this.rules[index]!, batch, `notify/${index}/${seq}+batch`);
  }

  // ---- deliveries ------------------------------------------------------------------------------------

  /**
   * Queues a delivery. Its activity id (`notify/<rule>/<event seq>`) has a `/`, which no step id has: the
   * client never mistakes a pending notification for a step's activity.
   */
  private enqueue(index: number, rule: NotifyRule, payload: NotificationPayload, activityId: string): void {
    if (this.started >= LIMITS.maxNotificationsPerRun) {
      if (!this.capped) {
        this.capped = true;
        this.record(
          'notification_failed',
          `notify[${index}]: this run started ${LIMITS.maxNotificationsPerRun} notifications (the limit); later ones are dropped — batch noisy events`,
        );
      }
      return;
    }
    this.started += 1;
    this.queue.push({ index, rule, payload, activityId });
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < LIMITS.maxNotificationsInFlight && this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      this.inFlight += 1;
      void CancellationScope.nonCancellable(() => this.deliver(delivery)).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async deliver({ index, rule, payload, activityId }: Delivery): Promise<void> {
    const what = describeDelivery(index, rule, payload);
    let call: Promise<unknown>;
    try {
      call = this.call(index, rule, payload, activityId);
    } catch (err) {
      this.record('notification_failed', `${what} not sent: ${errorMessage(err)}`);
      return;
    }
    try {
      await call;
      this.record('notification_sent', `${what} sent`);
    } catch (err) {
      let reason: string;
      try {
        const error = describeFailure(err);
        reason = `${error.category}: ${error.message}`;
      } catch {
        reason = 'cancelled';
      }
      this.record('notification_failed', `${what} failed: ${reason}`);
    }
  }

  private call(
    index: number,
    rule: NotifyRule,
    payload: NotificationPayload,
    activityId: string,
  ): Promise<unknown> {
    const activity = this.activityOf(index, rule);
    const stepId = `notify[${index}]`;
    if (rule.webhook) {
      const { url, headers } = rule.webhook;
      return activity.call({ input: { url, ...(headers ? { headers } : {}), payload }, stepId }, activityId);
    }
    const input = renderStepInput(rule, this.params, payload);
    return activity.call({ input, stepId }, activityId);
  }

  private activityOf(index: number, rule: NotifyRule): PreparedActivity {
    let prepared = this.prepared.get(index);
    if (!prepared) {
      // The notification's own policy: none of the pipeline's recovery rules, defaults or classify rules.
      const { recovery: _r, defaults: _d, classify: _c, ...bare } = this.definition;
      prepared = prepareActivity(bare as PipelineDefinition, {
        activity: rule.webhook ? NOTIFY_ACTIVITY : rule.step!.activity,
        retry: { ...NOTIFY_RETRY, ...rule.retry },
        timeouts: { startToClose: NOTIFY_ATTEMPT_TIMEOUT_MS, scheduleToClose: NOTIFY_TOTAL_TIMEOUT_MS },
      });
      this.prepared.set(index, prepared);
    }
    return prepared;
  }

  /** Records a notification outcome as a progress event (never a notify event itself). */
  record(type: NotificationEventType, message: string): void {
    this.state.record(now(), { type, message });
  }
}

/** A notify step's input, rendered with `{{ event.* }}` and `{{ params.* }}` within the payload limit. */
function renderStepInput(
  rule: NotifyRule,
  params: Record<string, unknown>,
  payload: NotificationPayload,
): unknown {
  try {
    return renderTemplates(
      rule.step!.input ?? null,
      { params, steps: {}, event: payload },
      { maxBytes: LIMITS.maxNotifyPayloadBytes, what: 'notify input' },
    );
  } catch (err) {
    if (err instanceof RenderSizeError)
      throw new Error(`its input renders to over ${formatBytes(LIMITS.maxNotifyPayloadBytes)}`);
    throw err;
  }
}

/** `notify[0] (webhook) approval_requested of gate`, `notify[1] (step slack.post) batch of 3 events`: no URL. */
function describeDelivery(index: number, rule: NotifyRule, payload: NotificationPayload): string {
  const target = rule.webhook ? 'webhook' : `step ${rule.step!.activity}`;
  const what =
    'batch' in payload
      ? `batch of ${payload.count} event(s)`
      : `${payload.event}${payload.stepId ? ` of ${payload.stepId}` : ''}`;
  return `notify[${index}] (${target}) ${what}`;
}
