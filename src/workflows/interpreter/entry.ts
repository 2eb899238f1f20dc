import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  TemporalFailure,
  WorkflowError,
  workflowInfo,
} from '@temporalio/workflow';
import type { PipelineRequest, PipelineResult } from '../../pipeline/contract.js';
import { PIPELINE_FAILURE_TYPES } from '../../pipeline/contract.js';
import type { PipelineDefinition } from '../../pipeline/definition.js';
import type { PipelineProgress } from '../../pipeline/progress.js';
import { validateRequest } from '../../pipeline/validate-request.js';
import { LIMITS } from '../../pipeline/limits.js';
import { validateDefinitionCached } from '../compiled-definitions.js';
import { fitProgress } from '../result-size.js';
import { internalError } from '../step-failure.js';
import { PipelineRun } from './run.js';
import { execute } from './scheduler.js';

/**
 * The Stepline interpreter: runs a pipeline definition as one durable workflow. Steps start as soon as
 * everything they depend on has succeeded or been skipped; a step whose strategies give up fails the
 * pipeline (running steps are cancelled, then `onFailure` applies).
 */
export function pipeline(request: PipelineRequest): Promise<PipelineResult> {
  const engine = typeof request === 'object' && request !== null ? request.engine : undefined;
  return typeof engine === 'number' && engine >= 2 ? pipelineLean(request) : pipelineOriginal(request);
}

async function pipelineOriginal(request: PipelineRequest): Promise<PipelineResult> {
  let run: PipelineRun | undefined;
  try {
    const definition = parseOrFail(request);
    run = new PipelineRun(definition, request);
    const outcome = await execute(run);
    if (outcome !== 'continue-as-new') return outcome;
    await condition(allHandlersFinished);
    return await continueAsNew<typeof pipeline>(run.continuation());
  } catch (err) {
    throw lastLineOfDefence(err, run);
  }
}

/**
 * Engine 2's {@link pipelineOriginal}: one pending `.then` for the whole run where the async function held
 * two (each keeps a captured stack while a pipeline waits: B6).
 */
function pipelineLean(request: PipelineRequest): Promise<PipelineResult> {
  let run: PipelineRun;
  try {
    run = new PipelineRun(parseOrFail(request), request);
  } catch (err) {
    return Promise.reject(lastLineOfDefence(err, undefined));
  }
  const defend = (err: unknown): never => {
    throw lastLineOfDefence(err, run);
  };
  return execute(run).then(
    (outcome) =>
      outcome !== 'continue-as-new'
        ? outcome
        : condition(allHandlersFinished)
            .then(() => continueAsNew<typeof pipeline>(run.continuation()))
            .then(undefined, defend),
    defend,
  );
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
  const result = validateRequest(request, { definitionValidator: validateDefinitionCached });
  if (result.ok) return result.definition;
  const lines = result.issues.map((issue) => `${issue.path || '(request)'}: ${issue.message}`);
  throw ApplicationFailure.create({
    type: PIPELINE_FAILURE_TYPES.invalidDefinition,
    message: `invalid pipeline definition:\n${lines.join('\n')}`,
    details: [result.issues],
    nonRetryable: true,
  });
}
