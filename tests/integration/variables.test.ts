/**
 * Pipeline variables (`assign` / `{{ vars.x }}`): they flow into later steps' inputs and `when`
 * conditions, show in progress, survive continue-as-new and resume, and a compensated step's assignments
 * are undone by rollback.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PipelineFailedError } from '../../src/client.js';
import { VARIABLE_EVENT_TYPES } from '../../src/pipeline/variables.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';
import { executionsOf, testSteps } from '../helpers/test-steps.js';

describe('pipeline variables on a real Temporal server', () => {
  const env = useTestEnv({ steps: testSteps });

  test('a step assigns variables from its output; later inputs and when conditions read them', async () => {
    const result = await env.pipelines.startAndWait({
      name: 'vars-flow',
      steps: [
        {
          id: 'extract',
          activity: 'echo',
          input: { count: 3, region: 'eu', empty: false },
          assign: { rows: '{{ output.count }}', region: '{{ output.region }}', any: '{{ output.empty }}' },
        },
        { id: 'load', activity: 'echo', input: { rows: '{{ vars.rows }}', to: 'db-{{ vars.region }}' } },
        { id: 'big', activity: 'echo', when: '{{ vars.rows }}', input: { ran: true } },
        { id: 'none', activity: 'echo', when: '{{ vars.any }}', input: { ran: true } },
      ],
    });
    assert.deepEqual(result.outputs.load, { rows: 3, to: 'db-eu' });
    assert.deepEqual(result.outputs.big, { ran: true });
    assert.equal(result.outputs.none, null);
    const none = result.progress.steps.find((s) => s.id === 'none')!;
    assert.equal(none.status, 'skipped');
    assert.deepEqual({ ...result.progress.vars }, { rows: 3, region: 'eu', any: false });
    const assigned = result.progress.events.filter((e) => e.type === VARIABLE_EVENT_TYPES.assigned);
    assert.deepEqual(
      assigned.map((e) => [e.stepId, e.message]),
      [['extract', 'step extract assigned rows = 3, region = "eu", any = false']],
    );
  });

  test('a pipeline without assign shows no vars in progress', async () => {
    const result = await env.pipelines.startAndWait({
      name: 'no-vars',
      steps: [{ id: 'a', activity: 'echo', input: 1 }],
    });
    assert.equal('vars' in result.progress, false);
    assert.equal((await env.pipelines.checkpoint(result.progress.pipelineId)).variables, undefined);
  });

  test("a forEach step assigns from the list of its items' outputs", async () => {
    const result = await env.pipelines.startAndWait({
      name: 'vars-foreach',
      steps: [
        {
          id: 'fan',
          activity: 'echo',
          forEach: [1, 2, 3],
          input: { n: '{{ item }}' },
          assign: { all: '{{ output }}', second: '{{ output[1].n }}' },
        },
        { id: 'after', activity: 'echo', input: '{{ vars.second }}' },
      ],
    });
    assert.deepEqual(result.progress.vars?.all, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    assert.equal(result.outputs.after, 2);
  });

  test('an approval gate assigns from its decision; a step recovered by alternative_path assigns from the alternative', async () => {
    const id = testId('vars-gate');
    await env.pipelines.start(
      {
        name: 'vars-gate',
        steps: [
          {
            id: 'fetch',
            activity: 'fail',
            input: { category: 'dependency', message: 'primary down' },
            retry: { maxAttempts: 1 },
            recovery: [{ match: { category: 'dependency' }, strategy: 'alternative_path' }],
            alternative: [{ id: 'fetch-mirror', activity: 'echo', input: { source: 'mirror' } }],
            assign: { source: '{{ output.source }}' },
          },
          {
            id: 'gate',
            type: 'approval',
            prompt: 'Use {{ vars.source }}?',
            assign: { approvedBy: '{{ output.by }}' },
          },
          {
            id: 'publish',
            activity: 'echo',
            input: { by: '{{ vars.approvedBy }}', source: '{{ vars.source }}' },
          },
        ],
      },
      { id },
    );
    const waiting = await eventually(async () => {
      const p = await env.pipelines.progress(id);
      return p.status === 'awaiting_approval' ? p : undefined;
    });
    assert.equal(waiting.pending?.prompt, 'Use mirror?');
    await env.pipelines.approve(id, 'gate', { by: 'alice' });
    const result = await env.pipelines.result(id);
    assert.deepEqual(result.outputs.publish, { by: 'alice', source: 'mirror' });
  });

  test('an assign template the output cannot satisfy fails the step as validation, naming the variable', async () => {
    await assert.rejects(
      env.pipelines.startAndWait({
        name: 'vars-missing',
        steps: [{ id: 'a', activity: 'echo', input: { n: 1 }, assign: { rows: '{{ output.count }}' } }],
      }),
      (err: unknown) =>
        err instanceof PipelineFailedError &&
        err.details?.stepId === 'a' &&
        err.details.category === 'validation' &&
        /assign rows of step "a": \{\{ output\.count \}\}: "count" not found in output/.test(
          err.details.message,
        ),
    );
  });

  test('a value over the variable size limit fails the assigning step as resource', async () => {
    await assert.rejects(
      env.pipelines.startAndWait({
        name: 'vars-too-big',
        steps: [
          { id: 'big', activity: 'echo', input: 'x'.repeat(20_000), assign: { blob: '{{ output }}' } },
          { id: 'after', activity: 'echo', input: '{{ vars.blob }}' },
        ],
      }),
      (err: unknown) =>
        err instanceof PipelineFailedError &&
        err.details?.stepId === 'big' &&
        err.details.category === 'resource' &&
        /variable blob .* over 16 KiB/.test(err.details.message),
    );
  });

  test('variables survive continue-as-new: a step after the hand-over reads what the first assigned', async () => {
    const id = testId('vars-can');
    const steps = [
      { id: 's0', activity: 'echo', input: { token: 't-0' }, assign: { token: '{{ output.token }}', n: 0 } },
      ...Array.from({ length: 30 }, (_, i) => ({ id: `s${i + 1}`, activity: 'echo', input: { i } })),
      { id: 'mid', activity: 'echo', input: { n: 15 }, assign: { n: '{{ output.n }}' } },
      ...Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, activity: 'echo', input: { i } })),
      { id: 'last', activity: 'echo', input: { token: '{{ vars.token }}', n: '{{ vars.n }}' } },
    ];
    await env.pipelines.start({ name: 'vars-can', steps }, { id, continueAsNewAfterEvents: 60 });
    const result = await env.pipelines.result(id);
    assert.ok(
      result.progress.events.some((e) => e.type === 'pipeline_continued'),
      'the run continued as new at least once',
    );
    assert.deepEqual(result.outputs.last, { token: 't-0', n: 15 });
    assert.deepEqual({ ...result.progress.vars }, { token: 't-0', n: 15 });
  });

  test('variables survive resume: the re-run step reads what a kept step assigned', async () => {
    const id = testId('vars-resume');
    const definition = {
      name: 'vars-resume',
      steps: [
        {
          id: 'a',
          activity: 'test.record',
          input: { value: 'from-a' },
          assign: { fromA: '{{ output.value }}' },
        },
        { id: 'b', activity: 'test.flaky', input: { categories: ['validation'], succeedOnRun: 2 } },
        { id: 'c', activity: 'test.record', input: { value: '{{ vars.fromA }}' } },
      ],
    };
    await assert.rejects(env.pipelines.startAndWait(definition, { id }), PipelineFailedError);
    assert.deepEqual((await env.pipelines.checkpoint(id)).variables?.vars, { fromA: 'from-a' });
    await env.pipelines.resume(id);
    const result = await env.pipelines.result(id);
    assert.equal(executionsOf(`${id}/a`).length, 1, 'a is not run again');
    assert.deepEqual((result.outputs.c as { value: unknown }).value, 'from-a');
    assert.deepEqual({ ...result.progress.vars }, { fromA: 'from-a' });
  });

  test('resume fromStep re-runs the assigning step: its new value replaces the old one', async () => {
    const id = testId('vars-resume-from');
    const definition = {
      name: 'vars-resume-from',
      steps: [
        { id: 'a', activity: 'echo', input: { v: 1 }, assign: { v: '{{ output.v }}' } },
        { id: 'b', activity: 'fail', input: { category: 'validation', message: 'no' } },
        { id: 'c', activity: 'echo', input: '{{ vars.v }}' },
      ],
    };
    await assert.rejects(env.pipelines.startAndWait(definition, { id }), PipelineFailedError);
    await env.pipelines.resume(id, { fromStep: 'a', input: { v: 2 } });
    await assert.rejects(env.pipelines.result(id), PipelineFailedError);
    const checkpoint = await env.pipelines.checkpoint(id);
    assert.deepEqual(checkpoint.variables?.vars, { v: 2 });
    assert.equal(checkpoint.variables?.assignments.length, 1, 'the old assignment of a is gone');
  });

  test("rollback undoes a compensated step's assignments; others are kept; the event log says so", async () => {
    const id = testId('vars-rollback');
    const definition = {
      name: 'vars-rollback',
      onFailure: 'rollback',
      steps: [
        { id: 'plan', activity: 'echo', input: { v: 'planned' }, assign: { state: '{{ output.v }}' } },
        {
          id: 'apply',
          activity: 'echo',
          input: { v: 'applied', lock: 'L1' },
          assign: { state: '{{ output.v }}', lock: '{{ output.lock }}' },
          compensate: {
            activity: 'test.record',
            input: { value: { state: '{{ vars.state }}', lock: '{{ vars.lock }}' } },
          },
        },
        { id: 'verify', activity: 'fail', input: { category: 'validation', message: 'verification failed' } },
      ],
    };
    await assert.rejects(
      env.pipelines.startAndWait(definition, { id }),
      (err: unknown) => err instanceof PipelineFailedError && err.details?.status === 'rolled_back',
    );
    const compensation = executionsOf(`${id}/apply`);
    assert.equal(compensation.length, 1);
    assert.deepEqual(
      (compensation[0]!.input as { value: unknown }).value,
      { state: 'applied', lock: 'L1' },
      'the compensation sees the values as the step left them',
    );
    const progress = await env.pipelines.progress(id);
    assert.equal(progress.status, 'rolled_back');
    assert.deepEqual({ ...progress.vars }, { state: 'planned' }, 'state goes back; lock is unset');
    const types = progress.events.map((e) => e.type);
    const restored = progress.events.find((e) => e.type === VARIABLE_EVENT_TYPES.restored);
    assert.equal(restored?.stepId, 'apply');
    assert.equal(restored?.message, 'rollback of apply restored state = "planned", lock unset');
    assert.ok(
      types.indexOf('compensation_succeeded') < types.indexOf(VARIABLE_EVENT_TYPES.restored),
      'restored after the compensation succeeded',
    );
  });
});
