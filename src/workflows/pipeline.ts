import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  TemporalFailure,
  WorkflowError,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  Checkpoint,
  PipelineFailureDetails,
  PipelineRequest,
  PipelineResult,
} from '../pipeline/contract.js';
import { PIPELINE_FAILURE_TYPES } from '../pipeline/contract.js';
import type { ApprovalStep, PipelineDefinition, StepDefinition, TaskStep } from '../pipeline/definition.js';
import {
  INTERVENTION_ACTIONS,
  PIPELINE_END_EVENTS,
  type PipelineProgress,
  type PipelineStatus,
  type ProgressEventType,
  type StepErrorInfo,
  type StepStatus,
  type TerminalPipelineStatus,
} from '../pipeline/progress.js';
import { matchRule, strategyAfterRetries, type PlannedRule } from '../pipeline/recovery.js';
import { evaluateCondition, renderTemplates, type TemplateScope } from '../pipeline/templates.js';
import { RenderSizeError } from '../pipeline/errors.js';
import { resolveDependencies, topologicalOrder } from '../pipeline/validate.js';
import { validateRequest } from '../pipeline/validate-request.js';
import { withParamDefaults } from '../pipeline/params.js';
import { assignVariables, restoreVariables } from './assign.js';
import { HumanInbox } from './human-inbox.js';
import {
  approveUpdate,
  checkpointQuery,
  interveneUpdate,
  outputQuery,
  interventionSignal,
  approvalSignal,
  progressQuery,
  stepValueQuery,
} from './messages.js';
import { RESULT_FORMAT_ENVELOPE, unwrapStepResult } from '../pipeline/attempts.js';
import { failedRunTrail, recordRun, succeededRunTrail } from './step-insight.js';
import { RunState } from './run-state.js';
import { SteplineStatus } from './search-attributes.js';
import { prepareActivity, type PreparedActivity } from './step-activity.js';
import { formatBytes, jsonSize, JsonValueError, LIMITS, truncateText } from '../pipeline/limits.js';
import { InFlightLimiter } from './in-flight.js';
import { Notifications } from './notifications.js';
import { fitProgress, fitResult } from './result-size.js';
import {
  describeFailure,
  errorMessage,
  internalError,
  resourceError,
  StepFailed,
  validationError,
} from './step-failure.js';

/**
 * Marks runs that enforce the run-time limits (in-flight bound, input/output budgets, forEach width,
 * history length, message caps). Asked only when a limit would change what the run does, so a run that
 * never reaches one records no marker, and histories recorded before the limits replay unchanged.
 */
export const LIMITS_PATCH = 'stepline-run-limits-1';

/**
 * The Stepline interpreter: runs a pipeline definition as one durable workflow. Steps start as soon as
 * everything they depend on has succeeded or been skipped; a step whose strategies give up fails the
 * pipeline (running steps are cancelled, then `onFailure` applies).
 */
export async function pipeline(request: PipelineRequest): Promise<PipelineResult> {
  let run: PipelineRun | undefined;
  try {
    const definition = parseOrFail(request);
    run = new PipelineRun(definition, request);
    const outcome = await run.execute();
    if (outcome !== 'continue-as-new') return outcome;
    await condition(allHandlersFinished);
    return await continueAsNew<typeof pipeline>(run.continuation());
  } catch (err) {
    throw lastLineOfDefence(err, run);
  }
}

/**
 * What the workflow ends with when something unexpected escaped the interpreter (its own evaluation
 * code, not a step): a failed pipeline, category `internal`, instead of a workflow-task retry loop.
 * Temporal's own outcomes pass through: failures, cancellation, continue-as-new, and workflow errors
 * such as non-determinism, which must stay task failures until a deploy fixes them.
 */
function lastLineOfDefence(err: unknown, run: PipelineRun | undefined): unknown {
  if (
    err instanceof TemporalFailure ||
    err instanceof ContinueAsNew ||
    err instanceof WorkflowError ||
    isCancellation(err)
  ) {
    return err;
  }
  const error = internalError(err, 'Stepline failed to run the pipeline');
  const message = `pipeline failed (internal, high): ${error.message}; compensation ran: no`;
  let progress: PipelineProgress | undefined;
  try {
    progress = run
      ? fitProgress(run.state.progress(workflowInfo().runId, Date.now()), LIMITS.maxResultBytes)
      : undefined;
  } catch {
    progress = undefined;
  }
  return ApplicationFailure.create({
    type: PIPELINE_FAILURE_TYPES.failed,
    message,
    details: [
      {
        category: error.category,
        severity: error.severity,
        message,
        compensated: false,
        status: 'failed',
        ...(progress ? { progress } : {}),
      },
    ],
    nonRetryable: true,
  });
}

/** The workflow validates its whole argument again: whatever reached it bypassing Stepline's client. */
function parseOrFail(request: unknown): PipelineDefinition {
  const result = validateRequest(request);
  if (result.ok) return result.definition;
  const lines = result.issues.map((issue) => `${issue.path || '(request)'}: ${issue.message}`);
  throw ApplicationFailure.create({
    type: PIPELINE_FAILURE_TYPES.invalidDefinition,
    message: `invalid pipeline definition:\n${lines.join('\n')}`,
    details: [result.issues],
    nonRetryable: true,
  });
}

const now = () => new Date().toISOString();

class PipelineRun {
  readonly state: RunState;
  private readonly dependencies: Record<string, string[]>;
  private readonly stepsById = new Map<string, StepDefinition>();
  private readonly activities = new Map<string, PreparedActivity>();
  private readonly inbox: HumanInbox;
  private readonly runCount = new Map<string, number>();
  private firstFailure?: StepFailed;
  private timedOut = false;
  private readonly rerunInput?: Record<string, unknown>;
  /** Steps not started because the run is handing over to a new one (continue-as-new). */
  private readonly deferred = new Set<string>();
  private draining = false;
  /** The checkpoint is too large to carry to a new run: this run keeps going (up to `LIMITS.maxHistoryEvents`). */
  private cannotHandOver = false;
  /** A step started (or was skipped) in this run: a hand-over before any would continue as new forever. */
  private progressedHere = false;
  private readonly params: Record<string, unknown>;
  private readonly continueAsNewAfterEvents?: number;
  private readonly inFlight: InFlightLimiter;
  private readonly maxInFlight: number;
  private limitsPatched?: boolean;
  /** JSON size of each kept step output, for the run's output budget and the result's size. */
  private readonly outputBytes = new Map<string, number>();
  private keptOutputBytes = 0;
  /** The `notify` rules at work; undefined for definitions without them. */
  private readonly notifications?: Notifications;

  constructor(
    private readonly definition: PipelineDefinition,
    private readonly request: PipelineRequest,
  ) {
    const checkpoint = request.resumeFrom;
    this.params = withParamDefaults(definition.params, request.params ?? {});
    this.continueAsNewAfterEvents = request.continueAsNewAfterEvents;
    this.maxInFlight = inFlightCount(request.maxInFlightActivities, definition);
    this.inFlight = new InFlightLimiter(this.maxInFlight, LIMITS.maxInFlightInputBytes, () =>
      this.limitsApply(),
    );
    const info = workflowInfo();
    this.state = new RunState(info.workflowId, definition, now(), resumable(checkpoint));
    this.dependencies = resolveDependencies(definition);
    for (const step of definition.steps) this.stepsById.set(step.id, step);
    if (!this.state.deadline && definition.timeout !== undefined) {
      this.state.deadline = new Date(Date.parse(this.state.startedAt) + definition.timeout).toISOString();
    }
    this.rerunInput = checkpoint?.rerun?.input;
    for (const id of checkpoint?.rerun?.stepIds ?? []) {
      if (!this.stepsById.has(id)) continue;
      this.state.steps.set(id, { status: 'pending', attempt: 0 });
      this.state.variables.undo(id);
    }
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

  async execute(): Promise<PipelineResult | 'continue-as-new'> {
    const steps = new CancellationScope();
    const stopTimer = this.startPipelineTimer(steps);
    try {
      await steps.run(() => this.runAllSteps(steps));
    } catch (err) {
      stopTimer();
      return await this.finishUnsuccessfully(err);
    }
    stopTimer();
    if (this.deferred.size > 0) {
      this.state.record(now(), {
        type: 'continue_as_new',
        message: `history at ${workflowInfo().historyLength} events: continuing as a new run with ${this.deferred.size} step(s) to go`,
      });
      if (this.notifications) await this.notifications.drain();
      return 'continue-as-new';
    }
    this.setStatus('completed');
    this.state.completedAt = now();
    this.state.record(now(), {
      type: 'pipeline_completed',
      message: `pipeline ${this.definition.name} completed`,
    });
    if (this.notifications) await this.notifications.drain();
    return fitResult(
      {
        status: 'completed',
        outputs: this.state.outputs(),
        progress: this.state.progress(workflowInfo().runId, Date.now()),
      },
      this.outputBytes,
    );
  }

  /**
   * Whether the run-time limits apply: true for every new run; false when replaying a history recorded
   * before they existed, which must take the path it took then. Asked only where a limit binds.
   */
  private limitsApply(): boolean {
    this.limitsPatched ??= patched(LIMITS_PATCH);
    return this.limitsPatched;
  }

  /** The next run's request: the same definition and settings, carrying on from this run's checkpoint. */
  continuation(): PipelineRequest {
    const { definition, params, continueAsNewAfterEvents, maxInFlightActivities } = this.request;
    return {
      definition,
      ...(params ? { params } : {}),
      resumeFrom: this.state.checkpoint({ reason: 'continue-as-new' }),
      ...(continueAsNewAfterEvents ? { continueAsNewAfterEvents } : {}),
      ...(maxInFlightActivities ? { maxInFlightActivities } : {}),
    };
  }

  /** Starts every step once its dependencies are done; the first failure cancels the rest. */
  private async runAllSteps(scope: CancellationScope): Promise<void> {
    const done = new Map<string, Promise<void>>();
    for (const id of topologicalOrder(this.definition)) {
      const deps = (this.dependencies[id] ?? []).map((dep) => done.get(dep)!);
      done.set(
        id,
        Promise.all(deps).then(() => this.runStep(this.stepsById.get(id)!)),
      );
    }
    const all = [...done.values()];
    try {
      await Promise.all(all);
    } catch (err) {
      if (err instanceof StepFailed) this.firstFailure ??= err;
      scope.cancel();
      await Promise.allSettled(all);
      throw err;
    }
  }

  private startPipelineTimer(steps: CancellationScope): () => void {
    if (!this.state.deadline) return () => undefined;
    const timer = new CancellationScope();
    const remaining = Math.max(0, Date.parse(this.state.deadline) - Date.now());
    timer
      .run(() => sleep(remaining))
      .then(() => {
        this.timedOut = true;
        this.state.record(now(), {
          type: 'pipeline_timeout',
          message: `pipeline timeout of ${this.definition.timeout} ms reached; cancelling running steps`,
        });
        steps.cancel();
      })
      .catch(() => undefined);
    return () => timer.cancel();
  }

  /**
   * Runs one step. Anything unexpected thrown by Stepline's own code on the way (not a step failure,
   * not a cancellation) fails the step as `internal`, so the pipeline ends cleanly per `onFailure`.
   */
  private async runStep(step: StepDefinition): Promise<void> {
    try {
      const state = this.state.step(step.id);
      if (state.status === 'succeeded' || state.status === 'skipped') return; // kept from a checkpoint
      if (this.shouldHandOver() || (this.dependencies[step.id] ?? []).some((dep) => this.deferred.has(dep))) {
        this.deferred.add(step.id);
        return;
      }
      this.progressedHere = true;
      const history = this.historyProblem();
      if (history) throw this.failStep(step, history);
      let run: boolean;
      try {
        run = evaluateCondition(step.when, this.templateScope());
      } catch (err) {
        throw this.failStep(step, validationError(errorMessage(err)));
      }
      if (!run) return this.skipStep(step.id, null, 'condition false');
      if (step.type === 'approval') return await this.runApproval(step);
      return await this.runTask(step);
    } catch (err) {
      if (err instanceof StepFailed || isCancellation(err)) throw err;
      const path = `steps[${this.definition.steps.indexOf(step)}]`;
      throw this.failStep(step, internalError(err, `Stepline could not run step "${step.id}" (${path})`));
    }
  }

  /**
   * Once history is long, start nothing new: in-flight steps finish, then the run continues as new —
   * unless the checkpoint is too large to carry over, in which case this run keeps going.
   */
  private shouldHandOver(): boolean {
    if (!this.draining && !this.cannotHandOver) {
      const info = workflowInfo();
      const wanted =
        info.continueAsNewSuggested ||
        (this.continueAsNewAfterEvents !== undefined && info.historyLength >= this.continueAsNewAfterEvents);
      if (wanted && this.progressedHere) {
        const bytes = measureOutput(this.continuation(), LIMITS.maxCheckpointBytes);
        if (bytes <= LIMITS.maxCheckpointBytes) this.draining = true;
        else {
          this.cannotHandOver = true;
          this.state.record(now(), {
            type: 'continue_as_new_skipped',
            message: `history at ${info.historyLength} events, but the checkpoint is over ${formatBytes(LIMITS.maxCheckpointBytes)}: continuing in this run`,
          });
        }
      }
    }
    return this.draining;
  }

  /**
   * Past `LIMITS.maxHistoryEvents` events or `LIMITS.maxHistoryBytes` of history (a run that could not
   * continue as new, a very wide fan-out), nothing new is scheduled: the step fails as `resource` well
   * before Temporal's own limits (51,200 events, 50 MB) would terminate the run.
   */
  private historyProblem(): StepErrorInfo | undefined {
    const { historyLength, historySize } = workflowInfo();
    if (historyLength < LIMITS.maxHistoryEvents && historySize < LIMITS.maxHistoryBytes) return undefined;
    if (!this.limitsApply()) return undefined;
    return resourceError(
      `the run's history has ${historyLength} events, ${formatBytes(historySize)} (limits ${LIMITS.maxHistoryEvents} events, ${formatBytes(LIMITS.maxHistoryBytes)}): nothing more is scheduled in this run; split wide fan-outs across steps or runs and keep outputs small`,
      'HISTORY_TOO_LONG',
    );
  }

  // ---- task steps ------------------------------------------------------------------------------------

  private async runTask(step: TaskStep): Promise<void> {
    const prepared = this.prepared(step.id, step);
    const edited =
      this.rerunInput && Object.hasOwn(this.rerunInput, step.id) ? this.rerunInput[step.id] : undefined;
    let inputOverride: { value: unknown } | undefined = edited !== undefined ? { value: edited } : undefined;
    for (;;) {
      try {
        const output =
          step.forEach !== undefined
            ? await this.runForEach(step, prepared, inputOverride)
            : await this.callOnce(step.id, prepared, inputOverride ? inputOverride.value : step.input);
        this.keepOutput(step.id, output);
        const assignError = this.assign(step, output);
        if (assignError) throw new StepFailed(step.id, assignError);
        this.succeedStep(step, output);
        return;
      } catch (err) {
        if (isCancellation(err)) throw this.cancelStep(step.id, err);
        const error = err instanceof StepFailed ? err.error : describeFailure(err);
        const outcome = await this.recover(step, prepared, error);
        if (outcome.kind === 'done') return;
        inputOverride = 'input' in outcome ? { value: outcome.input } : inputOverride;
      }
    }
  }

  /** Calls the step's activity once (Temporal retries it server-side per its recovery rules). */
  private async callOnce(
    stepId: string,
    prepared: PreparedActivity,
    rawInput: unknown,
    item?: { item: unknown; index: number },
  ): Promise<unknown> {
    const { input, bytes } = this.renderInput(stepId, rawInput, this.templateScope(item));
    const state = this.state.step(stepId);
    if (!item) {
      this.markRunning(stepId);
      this.state.insight.keepInput(stepId, input, bytes);
    }
    const attempt = this.nextRunNumber(item ? `${stepId}[${item.index}]` : stepId);
    const activityId = `${stepId}${item ? `[${item.index}]` : ''}${attempt > 1 ? `#${attempt}` : ''}`;
    const slot = this.inFlight.acquire(bytes);
    if (slot) await slot;
    let result: unknown;
    const startedAt = now();
    try {
      // Checked once the slot is ours: an item may have waited while the history grew.
      const history = this.historyProblem();
      if (history) throw new StepFailed(stepId, history);
      result = await prepared.call(
        { input, stepId, ...(item ? { index: item.index } : { resultFormat: RESULT_FORMAT_ENVELOPE }) },
        activityId,
      );
    } catch (err) {
      const trail = item ? undefined : failedRunTrail(err, startedAt, now());
      if (trail) recordRun(this.state, stepId, trail, now());
      throw err;
    } finally {
      this.inFlight.release(bytes);
    }
    if (item) return result; // items are called without `resultFormat`: never an envelope
    const { output, trail } = unwrapStepResult(result);
    state.attempt = Math.max(state.attempt, 1);
    recordRun(this.state, stepId, succeededRunTrail(trail, startedAt, now()), now());
    return output;
  }

  /**
   * Renders templates within the step input budget, so no template can build an oversized value (or a
   * huge string in the workflow's memory). Runs recorded before the limits render without a budget.
   */
  private render(raw: unknown, scope: TemplateScope, what: string): unknown {
    try {
      return renderTemplates(raw, scope, { maxBytes: LIMITS.maxStepInputBytes, what });
    } catch (err) {
      if (err instanceof RenderSizeError && !this.limitsApply()) return renderTemplates(raw, scope);
      throw err;
    }
  }

  /** Renders an activity's input and measures it against `LIMITS.maxStepInputBytes` before anything is scheduled. */
  private renderInput(stepId: string, raw: unknown, scope: TemplateScope): { input: unknown; bytes: number } {
    let input: unknown;
    try {
      input = this.render(raw, scope, 'input');
    } catch (err) {
      if (err instanceof RenderSizeError)
        throw new StepFailed(stepId, resourceError(err.message, 'INPUT_TOO_LARGE'));
      throw new StepFailed(stepId, validationError(errorMessage(err)));
    }
    const bytes = measureOutput(input, LIMITS.maxStepInputBytes);
    if (bytes > LIMITS.maxStepInputBytes && this.limitsApply()) {
      throw new StepFailed(
        stepId,
        resourceError(
          `input of step "${stepId}" renders to over ${formatBytes(LIMITS.maxStepInputBytes)} (the step input limit): pass references to bulk data instead of the data`,
          'INPUT_TOO_LARGE',
        ),
      );
    }
    return { input, bytes };
  }

  /**
   * Measures a step's output against the step output limit and the run's output budget (what templates,
   * the result and the checkpoint carry); over either, the step fails as `resource`.
   */
  private keepOutput(stepId: string, output: unknown): void {
    const bytes = measureOutput(output, LIMITS.maxStepOutputBytes);
    if (bytes > LIMITS.maxStepOutputBytes && this.limitsApply()) {
      throw new StepFailed(
        stepId,
        resourceError(
          `output of step "${stepId}" is over ${formatBytes(LIMITS.maxStepOutputBytes)} (the step output limit): have the step store bulk data and return a reference`,
          'OUTPUT_TOO_LARGE',
        ),
      );
    }
    const kept = this.keptOutputBytes - (this.outputBytes.get(stepId) ?? 0) + bytes;
    if (kept > LIMITS.maxPipelineOutputBytes && this.limitsApply()) {
      throw new StepFailed(
        stepId,
        resourceError(
          `output of step "${stepId}" (${formatBytes(bytes)}) would bring the pipeline's kept outputs to ${formatBytes(kept)}, over the ${formatBytes(LIMITS.maxPipelineOutputBytes)} limit: return references to bulk data`,
          'PIPELINE_OUTPUTS_TOO_LARGE',
        ),
      );
    }
    this.keptOutputBytes = kept;
    this.outputBytes.set(stepId, bytes);
  }

  private async runForEach(
    step: TaskStep,
    prepared: PreparedActivity,
    inputOverride?: { value: unknown },
  ): Promise<unknown[]> {
    let items: unknown;
    try {
      items =
        typeof step.forEach === 'string' ? renderTemplates(step.forEach, this.templateScope()) : step.forEach;
    } catch (err) {
      throw new StepFailed(step.id, validationError(errorMessage(err)));
    }
    if (!Array.isArray(items)) {
      throw new StepFailed(
        step.id,
        validationError(`forEach must resolve to a list; got ${items === null ? 'null' : typeof items}`),
      );
    }
    if (items.length > LIMITS.maxForEachItems && this.limitsApply()) {
      throw new StepFailed(
        step.id,
        resourceError(
          `forEach resolved to ${items.length} items; at most ${LIMITS.maxForEachItems} per step (split the list across steps)`,
          'TOO_MANY_ITEMS',
        ),
      );
    }
    this.markRunning(step.id);
    this.state.insight.keepInput(step.id, items, measureOutput(items));
    const state = this.state.step(step.id);
    const counters = { total: items.length, succeeded: 0, failed: 0, running: 0 };
    state.detail = { ...state.detail, items: counters };
    const tolerated = toleratedCount(step, items.length);
    const outputs: unknown[] = new Array(items.length).fill(null);
    const failures: StepErrorInfo[] = [];
    let limit = step.maxConcurrency ?? items.length;
    // Wider than the run's in-flight bound: fewer workers, so items render only when a slot is near.
    if (limit > this.maxInFlight && items.length > this.maxInFlight && this.limitsApply())
      limit = this.maxInFlight;
    let outputBytes = 2;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const index = next++;
        counters.running += 1;
        this.state.touch(now());
        try {
          outputs[index] = await this.callOnce(
            step.id,
            prepared,
            inputOverride ? inputOverride.value : step.input,
            {
              item: (items as unknown[])[index],
              index,
            },
          );
          counters.succeeded += 1;
          outputBytes += measureOutput(outputs[index]) + 1;
          if (outputBytes > LIMITS.maxStepOutputBytes && this.limitsApply()) throw new ItemsOverBudget();
        } catch (err) {
          if (isCancellation(err)) throw err;
          if (err instanceof ItemsOverBudget) {
            throw new StepFailed(
              step.id,
              resourceError(
                `the outputs of forEach step "${step.id}" total over ${formatBytes(LIMITS.maxStepOutputBytes)} (the step output limit) after ${counters.succeeded} of ${items.length} items: return references to bulk data`,
                'OUTPUT_TOO_LARGE',
              ),
            );
          }
          const error = err instanceof StepFailed ? err.error : describeFailure(err);
          counters.failed += 1;
          failures.push(error);
          this.state.record(now(), {
            type: 'item_failed',
            stepId: step.id,
            message: `item ${index} failed (${error.category}): ${error.message}`,
          });
          if (failures.length > tolerated) {
            throw new StepFailed(step.id, {
              ...error,
              message: `${failures.length} of ${items.length} items failed (tolerated: ${tolerated}); last: ${error.message}`,
            });
          }
        } finally {
          counters.running -= 1;
          this.state.touch(now());
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, Math.max(items.length, 1)) }, worker));
    return outputs;
  }

  /** Applies the first matching rule's strategy once Temporal's retries for the failure are spent. */
  private async recover(
    step: TaskStep,
    prepared: PreparedActivity,
    error: StepErrorInfo,
  ): Promise<{ kind: 'done' } | { kind: 'retry'; input?: unknown }> {
    const rule = matchRule(prepared.plan, error);
    const state = this.state.step(step.id);
    state.error = error;
    this.state.record(now(), {
      type: 'step_error',
      stepId: step.id,
      message: `${error.category} (${error.severity}): ${error.message}`,
    });
    return await this.applyStrategy(step, strategyAfterRetries(rule), rule, error);
  }

  private async applyStrategy(
    step: TaskStep,
    strategy: string,
    rule: PlannedRule,
    error: StepErrorInfo,
  ): Promise<{ kind: 'done' } | { kind: 'retry'; input?: unknown }> {
    switch (strategy) {
      case 'skip':
        this.skipStep(step.id, rule.output ?? null, `recovery: skip after ${error.category} error`);
        return { kind: 'done' };
      case 'rollback':
        throw this.failStep(step, error, true);
      case 'manual_intervention':
        return await this.awaitIntervention(step, rule, error);
      case 'alternative_path':
        return await this.runAlternatives(step, rule, error);
      default:
        throw this.failStep(step, error);
    }
  }

  private async awaitIntervention(
    step: TaskStep,
    rule: PlannedRule,
    error: StepErrorInfo,
  ): Promise<{ kind: 'done' } | { kind: 'retry'; input?: unknown }> {
    this.setStepStatus(step.id, 'awaiting_intervention');
    const decision = await this.inbox.waitForIntervention(step.id, error, rule.timeout);
    if (!decision) {
      const onTimeout = rule.onTimeout ?? 'abort';
      this.state.decide(now(), { stepId: step.id, kind: 'timeout', action: onTimeout });
      this.state.record(now(), {
        type: 'intervention_timeout',
        stepId: step.id,
        message: `no intervention within ${rule.timeout} ms; ${onTimeout}`,
      });
      if (onTimeout === 'skip') {
        this.skipStep(step.id, null, 'intervention timed out');
        return { kind: 'done' };
      }
      throw this.failStep(step, error, onTimeout === 'rollback');
    }
    switch (decision.action) {
      case 'retry':
        this.setStepStatus(step.id, 'running');
        return 'input' in decision && decision.input !== undefined
          ? { kind: 'retry', input: decision.input }
          : { kind: 'retry' };
      case 'skip':
        this.skipStep(
          step.id,
          decision.output ?? null,
          `skipped by intervention${decision.by ? ` of ${decision.by}` : ''}`,
        );
        return { kind: 'done' };
      case 'rollback':
        throw this.failStep(step, error, true);
      default:
        throw this.failStep(step, {
          ...error,
          message: `aborted${decision.by ? ` by ${decision.by}` : ''}: ${error.message}`,
        });
    }
  }

  private async runAlternatives(
    step: TaskStep,
    rule: PlannedRule,
    error: StepErrorInfo,
  ): Promise<{ kind: 'done' } | { kind: 'retry'; input?: unknown }> {
    const alternatives = step.alternative ?? [];
    this.state.record(now(), {
      type: 'alternative_path',
      stepId: step.id,
      message: `running ${alternatives.length} alternative step(s) after ${error.category} error`,
    });
    let output: unknown = null;
    try {
      for (const alternative of alternatives) {
        const prepared = this.prepared(`${step.id}/${alternative.id}`, alternative);
        output = await this.callOnce(step.id, prepared, alternative.input);
        this.keepOutput(step.id, output);
        this.state.record(now(), {
          type: 'alternative_succeeded',
          stepId: step.id,
          message: `alternative ${alternative.id} succeeded`,
        });
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      const altError = err instanceof StepFailed ? err.error : describeFailure(err);
      const then = rule.then && rule.then !== 'alternative_path' ? rule.then : 'fail_fast';
      this.state.step(step.id).error = altError;
      return await this.applyStrategy(step, then, rule, altError);
    }
    const assignError = this.assign(step, output);
    if (assignError) throw this.failStep(step, assignError);
    this.succeedStep(step, output);
    return { kind: 'done' };
  }

  // ---- approval gates --------------------------------------------------------------------------------

  private async runApproval(step: ApprovalStep): Promise<void> {
    let prompt: string | undefined;
    try {
      prompt =
        step.prompt === undefined
          ? undefined
          : truncateText(
              String(this.render(step.prompt, this.templateScope(), 'prompt')),
              LIMITS.maxTextLength,
            );
    } catch (err) {
      if (err instanceof RenderSizeError)
        throw this.failStep(step, resourceError(err.message, 'PROMPT_TOO_LARGE'));
      throw this.failStep(step, validationError(errorMessage(err)));
    }
    this.markRunning(step.id);
    this.setStepStatus(step.id, 'awaiting_approval');
    const state = this.state.step(step.id);
    if (prompt !== undefined) state.detail = { ...state.detail, prompt };
    const outcome = await this.inbox.waitForApproval(step, prompt);
    if (outcome.decision === 'approve') {
      const output = { approved: true, by: outcome.by ?? null, comment: outcome.comment ?? null, at: now() };
      const assignError = this.assign(step, output);
      if (assignError) throw this.failStep(step, assignError);
      this.succeedStep(step, output);
    } else if (outcome.decision === 'skip') {
      this.skipStep(step.id, null, 'approval timed out (onTimeout: skip)');
    } else {
      throw this.failStep(step, {
        category: 'validation',
        severity: 'high',
        message: outcome.timedOut
          ? 'approval timed out (onTimeout: reject)'
          : `rejected${outcome.by ? ` by ${outcome.by}` : ''}${outcome.comment ? `: ${outcome.comment}` : ''}`,
      });
    }
  }

  // ---- step bookkeeping ------------------------------------------------------------------------------

  private prepared(key: string, spec: Parameters<typeof prepareActivity>[1]): PreparedActivity {
    let prepared = this.activities.get(key);
    if (!prepared) {
      prepared = prepareActivity(this.definition, spec);
      this.activities.set(key, prepared);
    }
    return prepared;
  }

  private nextRunNumber(key: string): number {
    const n = (this.runCount.get(key) ?? 0) + 1;
    this.runCount.set(key, n);
    return n;
  }

  private markRunning(stepId: string): void {
    const state = this.state.step(stepId);
    state.startedAt ??= now();
    state.attempt += 1;
    this.setStepStatus(stepId, 'running', 'step_started', `step ${stepId} started`);
  }

  private setStepStatus(
    stepId: string,
    status: StepStatus,
    type?: ProgressEventType,
    message?: string,
  ): void {
    const state = this.state.step(stepId);
    state.status = status;
    if (type) this.state.record(now(), { type, stepId, message: message ?? `${stepId} ${status}` });
    else this.state.touch(now());
    this.refreshPipelineStatus();
  }

  private succeedStep(step: StepDefinition, output: unknown): void {
    const state = this.state.step(step.id);
    state.output = output;
    state.endedAt = now();
    delete state.error;
    if (step.type !== 'approval' && step.compensate) this.state.compensations.push(step.id);
    this.setStepStatus(step.id, 'succeeded', 'step_succeeded', `step ${step.id} succeeded`);
  }

  private skipStep(stepId: string, output: unknown, reason: string): void {
    if (output !== null && output !== undefined) {
      try {
        this.keepOutput(stepId, output);
      } catch (err) {
        const step = this.stepsById.get(stepId);
        if (err instanceof StepFailed && step) throw this.failStep(step, err.error);
        throw err;
      }
    }
    const state = this.state.step(stepId);
    state.output = output;
    state.reason = reason;
    state.endedAt = now();
    this.setStepStatus(stepId, 'skipped', 'step_skipped', `step ${stepId} skipped: ${reason}`);
  }

  private failStep(step: StepDefinition, error: StepErrorInfo, forceRollback = false): StepFailed {
    const state = this.state.step(step.id);
    state.error = error;
    state.endedAt = now();
    this.setStepStatus(
      step.id,
      'failed',
      'step_failed',
      `step ${step.id} failed (${error.category}): ${error.message}`,
    );
    const failure = new StepFailed(step.id, error, forceRollback);
    this.firstFailure ??= failure;
    return failure;
  }

  private cancelStep(stepId: string, err: unknown): unknown {
    const state = this.state.step(stepId);
    if (!['succeeded', 'skipped', 'failed'].includes(state.status)) {
      state.endedAt = now();
      this.setStepStatus(stepId, 'cancelled', 'step_cancelled', `step ${stepId} cancelled`);
    }
    return err;
  }

  /** Applies a succeeding step's `assign` (variables.ts); the error to fail it with, if any. */
  private assign(step: StepDefinition, output: unknown): StepErrorInfo | undefined {
    return step.assign ? assignVariables(this.state, step, output, this.templateScope(), now()) : undefined;
  }

  private templateScope(item?: { item: unknown; index: number }): TemplateScope {
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

  /** The pipeline's status follows its steps while it runs; search attributes change only with it. */
  private refreshPipelineStatus(): void {
    if (['completed', 'failed', 'rolled_back', 'cancelled', 'compensating'].includes(this.state.status))
      return;
    const statuses = [...this.state.steps.values()].map((s) => s.status);
    const status: PipelineStatus = statuses.includes('awaiting_intervention')
      ? 'awaiting_intervention'
      : statuses.includes('awaiting_approval')
        ? 'awaiting_approval'
        : 'running';
    this.setStatus(status);
  }

  private setStatus(status: PipelineStatus): void {
    if (this.state.status === status) return;
    this.state.status = status;
    this.state.touch(now());
    // Completed/failed/cancelled are in the execution status already: no extra history event for them.
    if (status === 'completed' || status === 'failed' || status === 'cancelled') return;
    if (workflowInfo().typedSearchAttributes.get(SteplineStatus) !== undefined) {
      upsertSearchAttributes([{ key: SteplineStatus, value: status }]);
    }
  }

  // ---- the end: failure, rollback, cancellation --------------------------------------------------------

  private async finishUnsuccessfully(err: unknown): Promise<never> {
    const cancelledByClient = isCancellation(err) && !this.timedOut && !this.firstFailure;
    for (const [id, state] of this.state.steps) {
      if (state.status === 'pending' || state.status === 'running' || state.status.startsWith('awaiting')) {
        state.status = 'cancelled';
        state.endedAt ??= now();
        this.inbox.clear(id);
      }
    }
    const failure =
      this.firstFailure ??
      (this.timedOut
        ? new StepFailed('', {
            category: 'timeout',
            severity: 'high',
            message: `pipeline timeout of ${this.definition.timeout} ms exceeded`,
          })
        : undefined);
    const rollback = cancelledByClient
      ? this.definition.onCancel !== 'stop'
      : (failure?.forceRollback ?? false) || this.definition.onFailure === 'rollback';
    const compensated = rollback ? await this.compensate() : false;
    const status: TerminalPipelineStatus = cancelledByClient
      ? 'cancelled'
      : rollback
        ? 'rolled_back'
        : 'failed';
    this.setStatus(status);
    this.state.completedAt = now();
    const message = cancelledByClient
      ? `pipeline ${this.definition.name} cancelled; compensation ran: ${compensated ? 'yes' : 'no'}`
      : failure
        ? `${failure.stepId ? `step "${failure.stepId}" failed` : 'pipeline failed'} (${failure.error.category}, ${failure.error.severity}): ${failure.error.message}; compensation ran: ${compensated ? 'yes' : 'no'}`
        : `pipeline failed: ${errorMessage(err)}`;
    this.state.record(now(), { type: PIPELINE_END_EVENTS[status], message });
    if (this.notifications) await this.notifications.drain();
    if (cancelledByClient) throw err instanceof CancelledFailure ? err : new CancelledFailure(message);
    const details: PipelineFailureDetails = {
      ...(failure?.stepId ? { stepId: failure.stepId } : {}),
      ...(failure ? { category: failure.error.category, severity: failure.error.severity } : {}),
      message,
      compensated,
      status: status as PipelineFailureDetails['status'],
      progress: fitProgress(this.state.progress(workflowInfo().runId, Date.now()), LIMITS.maxResultBytes),
    };
    throw ApplicationFailure.create({
      type: status === 'rolled_back' ? PIPELINE_FAILURE_TYPES.rolledBack : PIPELINE_FAILURE_TYPES.failed,
      message,
      details: [details],
      nonRetryable: true,
    });
  }

  /** Saga rollback: every completed step's compensation, newest first; a failing one is reported, the rest run. */
  private async compensate(): Promise<boolean> {
    const pending = [...this.state.compensations].reverse();
    if (pending.length === 0) return false;
    this.setStatus('compensating');
    this.state.record(now(), {
      type: 'compensation_started',
      message: `compensating ${pending.length} step(s)`,
    });
    await CancellationScope.nonCancellable(async () => {
      for (const id of pending) {
        const step = this.stepsById.get(id) as TaskStep | undefined;
        if (!step?.compensate) continue;
        const state = this.state.step(id);
        state.compensation = { status: 'compensating', startedAt: now() };
        this.setStepStatus(id, 'compensating', 'compensation_started', `compensating ${id}`);
        try {
          const prepared = this.prepared(`${id}/compensate`, step.compensate);
          const { input } = this.renderInput(id, step.compensate.input ?? null, this.compensationScope());
          const n = this.nextRunNumber(`${id}/compensate`);
          await prepared.call({ input, stepId: id }, `${id}:compensate${n > 1 ? `#${n}` : ''}`);
          state.compensation = { ...state.compensation, status: 'compensated', endedAt: now() };
          this.setStepStatus(id, 'compensated', 'compensation_succeeded', `${id} compensated`);
          restoreVariables(this.state, id, now());
        } catch (err) {
          const error = err instanceof StepFailed ? err.error : describeFailure(err);
          state.compensation = {
            ...state.compensation,
            status: 'compensation_failed',
            error,
            endedAt: now(),
          };
          this.setStepStatus(
            id,
            'compensation_failed',
            'compensation_failed',
            `compensation of ${id} failed (${error.category}): ${error.message}`,
          );
        }
      }
    });
    this.state.compensations = [];
    return true;
  }

  private compensationScope(): TemplateScope {
    const steps = Object.create(null) as TemplateScope['steps'];
    for (const [id, state] of this.state.steps) steps[id] = { output: state.output ?? null };
    return {
      params: this.params,
      steps,
      ...(this.state.variables.isEmpty ? {} : { vars: this.state.variables.current() }),
    };
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

function toleratedCount(step: TaskStep, total: number): number {
  const tolerated = step.toleratedFailures;
  if (!tolerated) return 0;
  if ('count' in tolerated) return tolerated.count;
  return Math.floor((tolerated.percent / 100) * total);
}

/** Thrown inside a forEach worker when the items' outputs pass the step output limit. */
class ItemsOverBudget extends Error {}

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
function measureOutput(value: unknown, stopAfter?: number): number {
  try {
    return jsonSize(value, { maxDepth: 100_000, ...(stopAfter === undefined ? {} : { stopAfter }) });
  } catch (err) {
    if (err instanceof JsonValueError) return Number.POSITIVE_INFINITY;
    throw err;
  }
}

export const ALLOWED_INTERVENTIONS = INTERVENTION_ACTIONS;
