/**
 * Preloaded into each of the worker's V8 contexts (`bundleWorkflowCode({ preloadModules })`), so the pipeline
 * model, its zod schemas and zod itself are evaluated once per context and shared by every workflow, instead
 * of once per workflow: that is most of a pipeline's start-up CPU and of its cached memory (README
 * "Performance"). Everything here is pure and stateless, so sharing it is deterministic.
 *
 * The SDK deep-freezes preloaded modules. zod sets some module state lazily (its default locale, memoised
 * lookups), so the model is exercised here, before the freeze, with a definition that touches every kind of
 * field and with one that fails validation in many ways.
 */
import { recoveryPlan } from '../pipeline/recovery.js';
import { evaluateCondition, renderTemplates } from '../pipeline/templates.js';
import { jsonSize, LIMITS } from '../pipeline/limits.js';
import { resolveDependencies, topologicalOrder, validateDefinition } from '../pipeline/validate.js';
import { validateRequest } from '../pipeline/validate-request.js';
import { Variables } from '../pipeline/variables.js';
// Pure modules the interpreter imports that the warm-up below does not reach: imported here so that they too
// are evaluated once per context, not once per workflow (B6 measured about 10 KB per cached pipeline for them).
import '../pipeline/attempts.js';
import '../pipeline/contract.js';
import '../pipeline/errors.js';
import '../pipeline/notify.js';
import '../pipeline/params.js';
import '../pipeline/plain-objects.js';
import '../pipeline/progress.js';
import '../pipeline/redact.js';
import '../pipeline/step-values.js';
import '../pipeline/vocabulary.js';
import '../telemetry/workflow/names.js';

const everyField = {
  name: 'warm-up',
  version: '1',
  defaults: {
    timeouts: { startToClose: '5m', heartbeat: '30s', scheduleToClose: '1h' },
    retry: { maxAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maxInterval: 60_000 },
  },
  recovery: [
    {
      match: { category: ['network', 'timeout'] },
      strategy: 'retry_with_backoff',
      retry: { maxAttempts: 5 },
      then: 'manual_intervention',
    },
    { match: { severity: 'critical' }, strategy: 'manual_intervention' },
  ],
  classify: [
    {
      match: { message: 'quota', name: 'ApiError', code: 'E_QUOTA' },
      category: 'rate_limit',
      severity: 'medium',
    },
  ],
  redact: ['ssn'],
  onFailure: 'rollback',
  onCancel: 'rollback',
  steps: [
    {
      id: 'extract',
      name: 'Extract',
      activity: 'echo',
      input: { url: '{{ params.sourceUrl }}' },
      dependsOn: [],
      timeouts: { startToClose: '2m' },
      retry: { maxAttempts: 4 },
      recovery: [{ match: { category: 'validation' }, strategy: 'skip', output: [] }],
      compensate: { activity: 'echo', input: { url: '{{ steps.extract.output.location }}' } },
      alternative: [{ id: 'extract-mirror', activity: 'echo', input: { url: '{{ params.mirrorUrl }}' } }],
      weight: 2,
    },
    {
      id: 'enrich',
      activity: 'echo',
      forEach: '{{ steps.extract.output.items }}',
      maxConcurrency: 10,
      toleratedFailures: '5%',
      input: { id: '{{ item.id }}', index: '{{ index }}' },
    },
    { id: 'full-refresh', when: '{{ params.fullRefresh }}', activity: 'echo', input: { mode: 'full' } },
    {
      id: 'go-live',
      type: 'approval',
      prompt: 'Publish {{ steps.enrich.output }} rows?',
      approvers: ['data-leads'],
      escalate: { after: '4h', to: ['on-call'] },
      timeout: '24h',
      onTimeout: 'reject',
    },
  ],
  timeout: '7d',
  notify: [
    {
      on: ['approval_requested', 'failed'],
      webhook: {
        url: 'https://hooks.example/x',
        headers: { authorization: 'Bearer t', 'x-n': 1, 'x-b': true },
      },
      batch: { window: '1m', max: 10 },
      retry: { maxAttempts: 3, initialInterval: '1s' },
    },
    { on: ['completed'], step: { activity: 'echo', input: { text: '{{ event.message }}' } } },
  ],
};

/** Declared params and variables (params.ts, safe-pattern.ts, variables.ts). */
const withParamsAndVariables = {
  name: 'warm-up-vars',
  params: {
    version: { type: 'string', pattern: '^v?\\d+(\\.\\d+){2}$', minLength: 1 },
    count: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
    tags: { type: 'array', maxItems: 5, items: { type: 'string', enum: ['a', 'b'] } },
  },
  steps: [
    { id: 'a', activity: 'echo', input: '{{ params.version }}', assign: { v: '{{ output }}' } },
    { id: 'b', activity: 'echo', input: '{{ vars.v }}', when: '{{ vars.v }}' },
  ],
};

const manyProblems = {
  name: 'not a valid name!',
  unknownField: true,
  redact: ['', 5],
  defaults: { timeouts: { startToClose: 'soon' }, retry: { maxAttempts: 0 } },
  recovery: [{ match: { category: 'weather' }, strategy: 'pray' }],
  steps: [
    { id: 'a', activity: 'echo', dependsOn: ['b', 'missing'], input: '{{ steps.c.output }}' },
    { id: 'b', dependsOn: ['a'], activity: 'echo', forEach: 3, toleratedFailures: '150%' },
    { id: 'a', type: 'approval', onTimeout: 'maybe', timeout: -1, escalate: { after: 'later' } },
    { id: 'c', activity: 42 },
    'not a step',
  ],
  notify: [
    {
      on: ['never'],
      webhook: { url: 'ftp://x', headers: { 'bad name': 1, 'x-o': {}, 'x-l': 'a\n' } },
      batch: { window: 0 },
    },
    { on: [], step: { activity: '' } },
  ],
};

/**
 * Runs every part of the model a workflow uses; returns what went wrong, if anything. Never throws: an
 * exception during preloading would leave the worker unable to create workflows at all (tests/unit covers
 * that the warm-up itself succeeds).
 */
export function warmUpPipelineModel(): Error | undefined {
  try {
    const warmUp = validateRequest({
      definition: everyField,
      params: warmUpScope.params,
      maxInFlightActivities: 50,
    });
    if (!warmUp.ok) return new Error(`warm-up definition is invalid: ${JSON.stringify(warmUp.issues)}`);
    const definition = warmUp.definition;
    resolveDependencies(definition);
    topologicalOrder(definition);
    for (const step of definition.steps) if (step.type !== 'approval') recoveryPlan(definition, step);
    for (const step of definition.steps)
      jsonSize(
        renderTemplates(step.type === 'approval' ? step.prompt : step.input, warmUpScope, {
          maxBytes: LIMITS.maxStepInputBytes,
        }),
      );
    evaluateCondition('{{ params.fullRefresh }}', warmUpScope);
    const declared = validateRequest({
      definition: withParamsAndVariables,
      params: { version: '1.2.3', tags: ['a'] },
    });
    if (!declared.ok) return new Error(`warm-up params are invalid: ${JSON.stringify(declared.issues)}`);
    if (validateRequest({ definition: withParamsAndVariables, params: { version: 'x' } }).ok)
      return new Error('warm-up: invalid params passed');
    const variables = new Variables();
    const assigned = variables.evaluate('a', { v: '{{ output }}' }, { params: {}, steps: {}, output: 1 });
    if (!assigned.ok) return new Error(`warm-up: ${assigned.problem.message}`);
    variables.assign('a', assigned.values);
    variables.undo('a');
    renderTemplates(definition.notify?.[1]?.step?.input, { ...warmUpScope, event: { message: 'm' } });
    if (validateDefinition(manyProblems).ok) return new Error('warm-up: an invalid definition passed');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const warmUpScope = {
  params: { sourceUrl: 'u', fullRefresh: 'no' },
  steps: { extract: { output: { items: [{ id: 1 }], location: 'l' } }, enrich: { output: [1] } },
  item: { id: 1 },
  index: 0,
};

warmUpPipelineModel();
