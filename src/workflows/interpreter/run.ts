import { patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Checkpoint, EngineVersion, PipelineRequest } from '../../pipeline/contract.js';
import type { PipelineDefinition, StepDefinition } from '../../pipeline/definition.js';
import type { StepErrorInfo } from '../../pipeline/progress.js';
import { renderTemplates, type TemplateScope } from '../../pipeline/templates.js';
import { RenderSizeError } from '../../pipeline/errors.js';
import { withParamDefaults } from '../../pipeline/params.js';
import { jsonSize, JsonValueError, LIMITS } from '../../pipeline/limits.js';
import { assignVariables } from '../assign.js';
import { now } from '../clock.js';
import { compiledDefinition } from '../compiled-definitions.js';
import { HumanInbox } from '../human-inbox.js';
import {
  approveUpdate,
  checkpointQuery,
  interveneUpdate,
  outputQuery,
  interventionSignal,
  approvalSignal,
  progressQuery,
  stepValueQuery,
} from '../messages.js';
import { RunState } from '../run-state.js';
import { prepareActivity, type PreparedActivity } from '../step-activity.js';
import { InFlightLimiter } from '../in-flight.js';
import { Notifications } from '../notifications.js';
import type { StepFailed } from '../step-failure.js';

/**
 * Marks runs that enforce the run-time limits (in-flight bound, input/output budgets, forEach width,
 * history length, message caps). Asked only when a limit would change what the run does, so a run that
 * never reaches one records no marker, and histories recorded before the limits replay unchanged.
 */
export const LIMITS_PATCH = 'stepline-run-limits-1';

export { now };

/**
 * One run of a pipeline: its definition, its state and the run-wide bookkeeping the interpreter's
 * modules share (scheduler.ts, task-step.ts, strategies.ts, approval.ts, lifecycle.ts, finish.ts).
 */
export class PipelineRun {
  readonly state: RunState;
  readonly dependencies: Record<string, string[]>;
  /** Step ids, dependencies first. */
  readonly order: readonly string[];
  /** Each step's dependents, in `order`. */
  readonly dependents: Readonly<Record<string, readonly string[]>>;
  readonly stepsById = new Map<string, StepDefinition>();
  /** Shared by every run of this definition in the context (compiled-definitions.ts). */
  private readonly activities: Map<string, PreparedActivity>;
  readonly inbox: HumanInbox;
  private readonly runCount = new Map<string, number>();
  firstFailure?: StepFailed;
  timedOut = false;
  readonly rerunInput?: Record<string, unknown>;
  /** Steps not started because the run is handing over to a new one (continue-as-new). */
  readonly deferred = new Set<string>();
  draining = false;
  /** The checkpoint is too large to carry to a new run: this run keeps going (up to `LIMITS.maxHistoryEvents`). */
  cannotHandOver = false;
  /** A step started (or was skipped) in this run: a hand-over before any would continue as new forever. */
  progressedHere = false;
  readonly params: Record<string, unknown>;
  /** The interpreter path this run takes (contract.ts `ENGINE_VERSIONS`): the request's, 1 when absent. */
  readonly engine: EngineVersion;
  readonly continueAsNewAfterEvents?: number;
  readonly inFlight: InFlightLimiter;
  readonly maxInFlight: number;
  private limitsPatched?: boolean;
  /** JSON size of each kept step output, for the run's output budget and the result's size. */
  readonly outputBytes = new Map<string, number>();
  keptOutputBytes = 0;
  /** The `notify` rules at work; undefined for definitions without them. */
  readonly notifications?: Notifications;

  constructor(
    readonly definition: PipelineDefinition,
    private readonly request: PipelineRequest,
  ) {
    const checkpoint = request.resumeFrom;
    this.engine = request.engine ?? 1;
    this.params = withParamDefaults(definition.params, request.params ?? {});
    this.continueAsNewAfterEvents = request.continueAsNewAfterEvents;
    this.maxInFlight = inFlightCount(request.maxInFlightActivities, definition);
    this.inFlight = new InFlightLimiter(this.maxInFlight, LIMITS.maxInFlightInputBytes, () =>
      this.limitsApply(),
    );
    const info = workflowInfo();
    this.state = new RunState(info.workflowId, definition, now(), resumable(checkpoint));
    const compiled = compiledDefinition(definition);
    this.dependencies = compiled.dependencies;
    this.order = compiled.order;
    this.dependents = compiled.dependents;
    this.activities = compiled.activities;
    for (const step of definition.steps) this.stepsById.set(step.id, step);
    this.rerunInput = checkpoint?.rerun?.input;
    for (const [id, state] of this.state.steps) {
      if (state.output === undefined || (state.status !== 'succeeded' && state.status !== 'skipped'))
        continue;
      const bytes = measureOutput(state.output);
      this.outputBytes.set(id, bytes);
      this.keptOutputBytes += bytes;
    }
    this.inbox = new HumanInbox(
      this.state,
      (id) => this.stepsById.get(id),
      () => this.limitsApply(),
    );
    this.installHandlers();
    this.notifications = Notifications.watch(definition, this.state, this.params);
    const continued = checkpoint?.reason === 'continue-as-new';
    this.state.record(now(), {
      type: continued ? 'pipeline_continued' : checkpoint ? 'pipeline_resumed' : 'pipeline_started',
      message: continued
        ? `pipeline ${definition.name} continued as new run ${workflowInfo().runId}`
        : `pipeline ${definition.name} ${checkpoint ? 'resumed' : 'started'}`,
    });
  }

  private installHandlers(): void {
    setHandler(progressQuery, () => this.state.progress(workflowInfo().runId, Date.now()));
    setHandler(checkpointQuery, () => this.state.checkpoint());
    setHandler(outputQuery, (stepId) => {
      if (typeof stepId !== 'string' || !this.stepsById.has(stepId)) throw new Error('unknown step');
      return this.state.step(stepId).output ?? null;
    });
    setHandler(stepValueQuery, (stepId, kind) =>
      this.state.insight.value(
        stepId,
        kind,
        this.stepsById.has(stepId) ? this.state.step(stepId) : undefined,
      ),
    );
    setHandler(approvalSignal, (payload) => this.inbox.acceptSignal('approval', payload));
    setHandler(interventionSignal, (payload) => this.inbox.acceptSignal('intervention', payload));
    setHandler(approveUpdate, (payload) => this.inbox.applyUpdate('approval', payload), {
      validator: (payload) => this.inbox.validate('approval', payload),
    });
    setHandler(interveneUpdate, (payload) => this.inbox.applyUpdate('intervention', payload), {
      validator: (payload) => this.inbox.validate('intervention', payload),
    });
  }

  /**
   * Whether the run-time limits apply: true for every new run; false when replaying a history recorded
   * before they existed, which must take the path it took then. Asked only where a limit binds.
   */
  limitsApply(): boolean {
    this.limitsPatched ??= patched(LIMITS_PATCH);
    return this.limitsPatched;
  }

  /** The next run's request: the same definition and settings, carrying on from this run's checkpoint. */
  continuation(): PipelineRequest {
    const { definition, params, continueAsNewAfterEvents, maxInFlightActivities, engine } = this.request;
    return {
      definition,
      ...(params ? { params } : {}),
      resumeFrom: this.state.checkpoint({ reason: 'continue-as-new' }),
      ...(continueAsNewAfterEvents ? { continueAsNewAfterEvents } : {}),
      ...(maxInFlightActivities ? { maxInFlightActivities } : {}),
      ...(engine !== undefined ? { engine } : {}),
    };
  }

  /**
   * The activity of a step (`key` its id), an alternative (`<step>/<alternative>`) or a compensation
   * (`<step>:compensate`; ids cannot hold `/` or `:`), prepared once per definition.
   */
  prepared(key: string, spec: Parameters<typeof prepareActivity>[1]): PreparedActivity {
    let prepared = this.activities.get(key);
    if (!prepared) {
      prepared = prepareActivity(this.definition, spec);
      this.activities.set(key, prepared);
    }
    return prepared;
  }

  nextRunNumber(key: string): number {
    const n = (this.runCount.get(key) ?? 0) + 1;
    this.runCount.set(key, n);
    return n;
  }

  /** Applies a succeeding step's `assign` (variables.ts); the error to fail it with, if any. */
  assign(step: StepDefinition, output: unknown): StepErrorInfo | undefined {
    return step.assign ? assignVariables(this.state, step, output, this.templateScope(), now()) : undefined;
  }

  templateScope(item?: { item: unknown; index: number }): TemplateScope {
    const steps = Object.create(null) as TemplateScope['steps'];
    for (const [id, state] of this.state.steps) {
      if (state.status === 'succeeded' || state.status === 'skipped')
        steps[id] = { output: state.output ?? null };
    }
    return {
      params: this.params,
      steps,
      ...(item ? { item: item.item, index: item.index } : {}),
      ...(this.state.variables.isEmpty ? {} : { vars: this.state.variables.current() }),
    };
  }

  /**
   * Renders templates within the step input budget, so no template can build an oversized value (or a
   * huge string in the workflow's memory). Runs recorded before the limits render without a budget.
   */
  render(raw: unknown, scope: TemplateScope, what: string): unknown {
    try {
      return renderTemplates(raw, scope, { maxBytes: LIMITS.maxStepInputBytes, what });
    } catch (err) {
      if (err instanceof RenderSizeError && !this.limitsApply()) return renderTemplates(raw, scope);
      throw err;
    }
  }
}

/** A checkpoint from `resume`: failed/cancelled steps run again; kept ones are succeeded or skipped. */
function resumable(checkpoint: Checkpoint | undefined): Checkpoint | undefined {
  if (!checkpoint) return undefined;
  const steps = Object.create(null) as Checkpoint['steps'];
  for (const [id, saved] of Object.entries(checkpoint.steps)) {
    steps[id] =
      saved.status === 'succeeded' || saved.status === 'skipped' ? saved : { status: 'pending', attempt: 0 };
  }
  return { ...checkpoint, steps };
}

/**
 * The run's in-flight bound: the request's `maxInFlightActivities`; else the widest `maxConcurrency` a
 * step of the definition asks for, at least `LIMITS.defaultMaxInFlightActivities`; never over
 * `LIMITS.maxInFlightActivities`.
 */
function inFlightCount(requested: unknown, definition: PipelineDefinition): number {
  if (typeof requested === 'number' && Number.isInteger(requested) && requested >= 1)
    return Math.min(requested, LIMITS.maxInFlightActivities);
  let widest: number = LIMITS.defaultMaxInFlightActivities;
  for (const step of definition.steps) {
    if (step.type !== 'approval' && step.maxConcurrency !== undefined)
      widest = Math.max(widest, step.maxConcurrency);
  }
  return Math.min(widest, LIMITS.maxInFlightActivities);
}

/**
 * JSON size of a value made of JSON (outputs that came back from Temporal, rendered inputs): no cycles,
 * any depth. Something that is not JSON counts as too large.
 */
export function measureOutput(value: unknown, stopAfter?: number): number {
  try {
    return jsonSize(value, { maxDepth: 100_000, ...(stopAfter === undefined ? {} : { stopAfter }) });
  } catch (err) {
    if (err instanceof JsonValueError) return Number.POSITIVE_INFINITY;
    throw err;
  }
}
