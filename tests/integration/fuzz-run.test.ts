/**
 * Accepted definitions run to an end on the real server: a sample of mutated definitions (fixed seed) that
 * use only the built-in handlers echo, fail and delay, plus the limit values the validator now lets through
 * (the longest durations, int32 attempts, the deepest input, a step called __proto__). Each run must reach a
 * terminal state — completed, or failed with a reason — with at most one WorkflowTaskFailed event in its
 * history and without being terminated. Approvals and interventions are answered as they come up.
 * Everything is asserted from the history and the result, never from durations.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PipelineFailedError } from '../../src/client.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import { isTerminalStatus, type PipelineProgress } from '../../src/pipeline/progress.js';
import { paramsIssues } from '../../src/pipeline/params.js';
import { validateDefinition } from '../../src/pipeline/validate.js';
import { BUILT_IN_SEEDS, mutate, mutationArb, nest, seedDefinitions } from '../fixtures/fuzz/definitions.js';
import { historyEventTypes, testId, useTestEnv, type TestEnv } from '../helpers/harness.js';

const RUNNABLE = ['echo', 'fail', 'delay'];
const SEED = 20_261_202;
const SAMPLE_SIZE = 12;

/** Durations and budgets small enough that a sampled run ends quickly (waits are answered by the driver). */
function quick(def: PipelineDefinition): boolean {
  if (def.steps.length > 12) return false;
  let ok = true;
  const visit = (value: unknown, key: string) => {
    if (!ok) return;
    if (typeof value === 'number') {
      if (RETRY_WAITS.has(key) && value > 1_000) ok = false;
      if (DURATION_KEYS.has(key) && value > 60_000) ok = false;
      if (key === 'maxAttempts' && value > 4) ok = false;
      if (key === 'ms' && value > 300) ok = false;
      return;
    }
    if (Array.isArray(value)) {
      if (key === 'forEach' && value.length > 10) ok = false;
      value.forEach((v) => visit(v, key));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(def, '');
  // `delay` must be told a small wait, not a template or nothing (it would wait for a default).
  for (const step of def.steps) {
    if (step.type === 'approval' || step.activity !== 'delay') continue;
    const ms = (step.input as { ms?: unknown } | undefined)?.ms;
    if (typeof ms !== 'number') ok = false;
  }
  return ok;
}

/** Waits between retries: a failing step waits these several times. */
const RETRY_WAITS = new Set(['initialInterval', 'maxInterval']);

const DURATION_KEYS = new Set([
  'startToClose',
  'heartbeat',
  'scheduleToClose',
  'initialInterval',
  'maxInterval',
  'timeout',
  'after',
]);

/** The sampled definitions: accepted with only echo, fail and delay, and quick. */
function sampledDefinitions(): Array<{ name: string; definition: unknown }> {
  const seeds = seedDefinitions().filter(([, def]) => validateDefinition(def, { handlers: RUNNABLE }).ok);
  const candidates = fc.sample(
    fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 3 })),
    { seed: SEED, numRuns: 3_000 },
  );
  const picked: Array<{ name: string; definition: unknown }> = [];
  const seen = new Set<string>();
  for (const [which, mutations] of candidates) {
    const [seedName, seed] = seeds[which]!;
    const definition = mutate(seed, mutations);
    const result = validateDefinition(definition, { handlers: RUNNABLE });
    if (!result.ok || !quick(result.definition)) continue;
    // Definitions that declare required params (examples/release.yaml) are refused at start without them.
    if (paramsIssues(result.definition.params, {}).length > 0) continue;
    const key = JSON.stringify(definition);
    if (seen.has(key)) continue;
    seen.add(key);
    const what = mutations.map((m) => m.op).join('+');
    picked.push({ name: `${seedName} after ${what} #${picked.length + 1}`, definition });
    if (picked.length === SAMPLE_SIZE) break;
  }
  return picked;
}

interface Outcome {
  status: string;
  types: string[];
  progress: PipelineProgress | undefined;
  failure?: string;
  result?: unknown;
}

const workflowTaskFailures = (types: string[]) => types.filter((t) => t === 'WORKFLOW_TASK_FAILED').length;
const CLOSED = ['WORKFLOW_EXECUTION_COMPLETED', 'WORKFLOW_EXECUTION_FAILED', 'WORKFLOW_EXECUTION_CANCELED'];

/**
 * Starts a pipeline and drives it to its end: approves gates (as an allowed approver), answers
 * interventions (`skip` where allowed, else `abort`). Gives up once the history shows a second workflow-task
 * failure (a loop) or after `patience` polls; the run is then terminated only to clean up.
 */
async function drive(
  env: TestEnv,
  definition: unknown,
  params: Record<string, unknown> = {},
  patience = 300,
) {
  const id = testId('fuzz');
  await env.pipelines.start(definition, { id, params });
  const handle = env.client.workflow.getHandle(id);
  let progress: PipelineProgress | undefined;
  let answered = '';
  for (let poll = 0; poll < patience; poll++) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') break;
    const types = await historyEventTypes(env.client, id);
    if (workflowTaskFailures(types) > 1) break;
    progress = await env.pipelines.queryProgress(id).catch(() => progress);
    const pending = progress?.pending;
    if (pending && answered !== `${pending.stepId}:${pending.since}`) {
      answered = `${pending.stepId}:${pending.since}`;
      if (pending.kind === 'approval') {
        const by = pending.approvers?.[0] ?? 'anyone';
        await env.pipelines.signalApproval(id, { stepId: pending.stepId, decision: 'approve', by });
      } else {
        const action = pending.allowed.includes('skip') ? 'skip' : 'abort';
        await env.pipelines.signalIntervention(id, {
          stepId: pending.stepId,
          action: action as 'skip' | 'abort',
          by: 'fuzz',
        });
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const outcome: Outcome = { status: (await handle.describe()).status.name, types: [], progress };
  if (outcome.status === 'RUNNING') {
    outcome.types = await historyEventTypes(env.client, id);
    await handle.terminate('fuzz-run: cleaning up a run that did not end').catch(() => undefined);
    return outcome;
  }
  outcome.types = await historyEventTypes(env.client, id);
  try {
    outcome.result = await env.pipelines.result(id);
  } catch (error) {
    outcome.failure =
      error instanceof PipelineFailedError ? error.message : `not a PipelineFailedError: ${String(error)}`;
  }
  outcome.progress = await env.pipelines.queryProgress(id).catch(() => progress);
  return outcome;
}

/** What every run must show: it ended by itself, completed or failed with a reason, at most one task failure. */
function assertEnded(outcome: Outcome, name: string): void {
  const shown = `${name}: ${outcome.status}, history ${outcome.types.join(' ')}`;
  assert.equal(workflowTaskFailures(outcome.types) <= 1, true, `workflow-task failures loop: ${shown}`);
  assert.ok(!outcome.types.includes('WORKFLOW_EXECUTION_TERMINATED'), `terminated: ${shown}`);
  assert.ok(CLOSED.includes(outcome.types.at(-1) ?? ''), `did not end: ${shown}`);
  if (outcome.types.at(-1) === 'WORKFLOW_EXECUTION_FAILED') {
    assert.ok(outcome.failure && outcome.failure.length > 0, `failed without a reason: ${shown}`);
    assert.ok(!outcome.failure.startsWith('not a PipelineFailedError'), outcome.failure);
  }
  if (outcome.types.at(-1) === 'WORKFLOW_EXECUTION_COMPLETED') {
    assert.equal((outcome.result as { status?: string } | undefined)?.status, 'completed', shown);
  }
  if (outcome.progress)
    assert.ok(isTerminalStatus(outcome.progress.status), `progress says ${outcome.progress.status}`);
}

describe('accepted definitions run to an end on the server', () => {
  const env = useTestEnv();
  const sample = sampledDefinitions();

  test(`the sample has ${SAMPLE_SIZE} accepted, runnable mutated definitions`, () => {
    assert.equal(sample.length, SAMPLE_SIZE, sample.map((s) => s.name).join('\n'));
  });

  for (const [i, { name, definition }] of sample.entries()) {
    test(`sampled ${i + 1}: ${name} ends completed or failed with a reason, with at most one task failure`, async () => {
      assertEnded(await drive(env, definition, { a: 'A', go: i % 2 === 0, x: 1, version: '1' }), name);
    });
  }
});

describe('the limit values the validator accepts run on the server', () => {
  const env = useTestEnv();

  test('the longest durations (3650d) on the pipeline, a gate and an intervention wait', async () => {
    const definition = {
      name: 'longest-durations',
      timeout: '3650d',
      defaults: { retry: { maxAttempts: 1 } },
      recovery: [
        {
          match: { category: 'validation' },
          strategy: 'manual_intervention',
          timeout: '3650d',
          onTimeout: 'skip',
        },
      ],
      steps: [
        {
          id: 'gate',
          type: 'approval',
          approvers: ['ops'],
          timeout: '3650d',
          escalate: { after: '3650d', to: ['lead'] },
        },
        {
          id: 'broken',
          activity: 'fail',
          input: { category: 'validation' },
          timeouts: { startToClose: '3650d' },
        },
        { id: 'after', activity: 'echo', input: { ok: true } },
      ],
    };
    assert.ok(validateDefinition(definition).ok);
    const outcome = await drive(env, definition);
    assertEnded(outcome, 'longest durations');
    assert.equal(outcome.types.at(-1), 'WORKFLOW_EXECUTION_COMPLETED', outcome.failure);
  });

  test('maxAttempts 2,147,483,647 (int32): a step failing once then succeeding completes', async () => {
    const definition = {
      name: 'int32-attempts',
      steps: [
        {
          id: 'flaky',
          activity: 'fail',
          input: { times: 1, category: 'network', output: { ok: true } },
          retry: {
            maxAttempts: LIMITS.maxAttempts,
            initialInterval: '10ms',
            backoffCoefficient: 100,
            maxInterval: '3650d',
          },
        },
      ],
    };
    const outcome = await drive(env, definition);
    assertEnded(outcome, 'int32 attempts');
    assert.equal(outcome.types.at(-1), 'WORKFLOW_EXECUTION_COMPLETED', outcome.failure);
  });

  test('an input nested 64 levels deep goes through echo and back', async () => {
    const definition = {
      name: 'deepest-input',
      steps: [
        { id: 'deep', activity: 'echo', input: nest(LIMITS.maxNestingDepth - 1, '{{ params.x }}', 'object') },
        { id: 'after', activity: 'echo', input: { got: '{{ steps.deep.output.a.a }}' } },
      ],
    };
    assert.ok(validateDefinition(definition).ok);
    const outcome = await drive(env, definition, { x: 1 });
    assertEnded(outcome, 'deepest input');
    assert.equal(outcome.types.at(-1), 'WORKFLOW_EXECUTION_COMPLETED', outcome.failure);
  });

  // INTERPRETER (src/workflows): records keyed by step id must have no prototype. The template scope
  // (pipeline.ts templateScope / compensationScope) and run-state.ts (outputs, checkpoint steps) build
  // them with `{}`, so `steps["__proto__"] = …` sets a prototype instead of an entry and the output is lost.
  test('INTERPRETER: a step called __proto__ keeps its output, and a dependent reads it', async () => {
    const outcome = await drive(env, BUILT_IN_SEEDS['proto-ids']);
    assertEnded(outcome, 'proto ids');
    assert.equal(outcome.types.at(-1), 'WORKFLOW_EXECUTION_COMPLETED', outcome.failure);
    const outputs = (outcome.result as { outputs: Record<string, unknown> }).outputs;
    assert.ok(Object.hasOwn(outputs, '__proto__'), `outputs: ${JSON.stringify(outputs)}`);
    assert.deepEqual(outputs['__proto__'], { v: 1 });
    assert.deepEqual(outputs.constructor, { v: 1 });
  });

  // INTERPRETER (src/workflows): the render budget. Until the interpreter renders inputs with
  // `renderTemplates(…, { maxBytes: LIMITS.maxStepInputBytes })` and fails the step as `resource` on a
  // RenderSizeError, this 3 MB input reaches Temporal's 2 MB payload limit instead.
  test('INTERPRETER: a template repeating a 30 KB param 100 times fails its step (resource), not the workflow task', async () => {
    const definition = {
      name: 'render-budget',
      steps: [
        {
          id: 'big',
          activity: 'echo',
          input: { rows: Array.from({ length: 100 }, () => '{{ params.blob }}') },
        },
      ],
    };
    assert.ok(validateDefinition(definition).ok);
    const outcome = await drive(env, definition, { blob: 'b'.repeat(30 * 1024) }, 150);
    assertEnded(outcome, 'render budget');
    assert.equal(outcome.types.at(-1), 'WORKFLOW_EXECUTION_FAILED');
    assert.match(outcome.failure ?? '', /resource|1 MiB/);
  });
});
