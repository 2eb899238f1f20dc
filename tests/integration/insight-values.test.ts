/**
 * Step inputs and outputs: previews in progress (redacted, capped), whole values by the `stepValue` query,
 * the SDK, the CLI (`status --outputs`, `result --step … --input/--output`) and the dashboard API.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StepValueError } from '../../src/client.js';
import type { StepValueResponse } from '../../src/dashboard/api-types.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import { REDACTED } from '../../src/pipeline/redact.js';
import { stepValueQuery } from '../../src/workflows/messages.js';
import { cli } from '../cli/run-cli.js';
import { useDashboard } from '../helpers/browser.js';
import { testId, useTestEnv } from '../helpers/harness.js';
import { blob } from '../helpers/limits.js';

const SECRET = 'hunter2-s3cr3t';
const URL_PASSWORD = 'pa55-in-url';

/** A pipeline whose first step's input and output hold secrets; the second returns a big output. */
const definition = (name: string) => ({
  name,
  redact: ['ssn'],
  steps: [
    {
      id: 'login',
      activity: 'echo',
      input: {
        user: 'alice',
        password: SECRET,
        headers: { Authorization: `Bearer ${SECRET}`, 'X-Api-Key': SECRET },
        db: `postgres://alice:${URL_PASSWORD}@db.internal:5432/orders`,
        callback: `https://hooks.example/cb?id=7&token=${SECRET}`,
        ssn: '123-45-6789',
        rows: '{{ params.rows }}',
      },
    },
    { id: 'big', activity: 'limits.blob', input: { bytes: 20_000 } },
  ],
});

function assertNoSecrets(text: string, where: string): void {
  for (const secret of [SECRET, URL_PASSWORD, '123-45-6789'])
    assert.ok(!text.includes(secret), `${where} must not show ${secret}`);
}

describe('step inputs and outputs are visible, redacted and size-capped', () => {
  const env = useTestEnv({ steps: [blob] });
  const dashboard = useDashboard(() => env);
  const queue = () => ['--task-queue', env.taskQueue];

  test('progress shows each step’s rendered input and output redacted; a big output is marked truncated and read whole with stepValue', async () => {
    const id = testId('values');
    const result = await env.pipelines.startAndWait(definition('values'), { id, params: { rows: 3 } });
    const progress = await env.pipelines.progress(id);
    assertNoSecrets(JSON.stringify(progress), 'progress');
    assertNoSecrets(JSON.stringify(result.progress), 'the result’s progress');
    const login = progress.steps.find((s) => s.id === 'login')!;
    const expected = {
      user: 'alice',
      password: REDACTED,
      headers: { Authorization: REDACTED, 'X-Api-Key': REDACTED },
      db: `postgres://${REDACTED}@db.internal:5432/orders`,
      callback: `https://hooks.example/cb?id=7&token=${REDACTED}`,
      ssn: REDACTED,
      rows: 3,
    };
    assert.deepEqual(login.input, { value: expected }, 'the input after templates, redacted');
    assert.deepEqual(login.output, { value: expected }, 'echo returns its input');

    const big = progress.steps.find((s) => s.id === 'big')!;
    assert.deepEqual(big.input, { value: { bytes: 20_000 } });
    assert.ok(20_000 > LIMITS.maxValuePreviewBytes);
    assert.deepEqual(big.output, { truncated: { bytes: 20_002 } }, 'no value, its JSON size');

    // The query and the SDK give whole values, redacted.
    const whole = await env.pipelines.stepValue(id, 'big', 'output');
    assert.equal((whole as string).length, 20_000);
    assert.deepEqual(await env.pipelines.stepValue(id, 'login', 'input'), expected);
    assert.deepEqual(
      await env.client.workflow.getHandle(id).query(stepValueQuery, 'login', 'output'),
      expected,
    );
    // The SDK's result is the pipeline's own: outputs as the steps returned them.
    assert.equal((result.outputs.login as { password: string }).password, SECRET);

    await assert.rejects(env.pipelines.stepValue(id, 'nope', 'input'), (err: unknown) => {
      assert.ok(err instanceof StepValueError);
      assert.match(err.message, /unknown step "nope"/);
      return true;
    });
  });

  test('stepValue says why a value is missing: a step that has not run has no input or output', async () => {
    const id = testId('values-missing');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'values-missing',
          steps: [
            { id: 'boom', activity: 'fail', input: { category: 'validation', message: 'bad' } },
            { id: 'later', activity: 'echo', input: { n: 1 } },
          ],
        },
        { id },
      ),
    );
    await assert.rejects(env.pipelines.stepValue(id, 'later', 'input'), /step "later" has no input/);
    await assert.rejects(env.pipelines.stepValue(id, 'boom', 'output'), /step "boom" has no output/);
    assert.deepEqual(await env.pipelines.stepValue(id, 'boom', 'input'), {
      category: 'validation',
      message: 'bad',
    });
  });

  test('the CLI shows previews with status --outputs and whole values with result --step --input/--output, redacted', async () => {
    const id = testId('values-cli');
    await env.pipelines.startAndWait(definition('values-cli'), { id, params: { rows: 3 } });

    const status = await cli(['status', id, '--outputs', ...queue()]);
    assert.equal(status.code, 0, status.stderr);
    assertNoSecrets(status.stdout, 'status --outputs');
    assert.match(status.stdout, /^login$/m);
    assert.match(status.stdout, /^ {2}input: \{"user":"alice","password":"\[redacted\]"/m);
    assert.match(
      status.stdout,
      new RegExp(
        `^  output: \\(19\\.5 KiB, too big to show here; print it with: stepline .*result ${id} --step big --output\\)$`,
        'm',
      ),
    );

    const input = await cli(['result', id, '--step', 'login', '--input', ...queue()]);
    assert.equal(input.code, 0, input.stderr);
    assertNoSecrets(input.stdout, 'result --input');
    const value = JSON.parse(input.stdout) as Record<string, unknown>;
    assert.equal(value.password, REDACTED);
    assert.equal(value.db, `postgres://${REDACTED}@db.internal:5432/orders`);

    const output = await cli(['result', id, '--step', 'big', '--output', ...queue()]);
    assert.equal(output.code, 0, output.stderr);
    assert.equal((JSON.parse(output.stdout) as string).length, 20_000);

    const outputs = await cli(['result', id, ...queue()]);
    assert.equal(outputs.code, 0, outputs.stderr);
    assert.deepEqual(Object.keys(JSON.parse(outputs.stdout) as object), ['login', 'big']);

    const unknown = await cli(['result', id, '--step', 'nope', '--input', ...queue()]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /has no step "nope"/);
    const noStep = await cli(['result', id, '--input', ...queue()]);
    assert.equal(noStep.code, 2);
    assert.match(noStep.stderr, /--input and --output need --step/);
  });

  test('the dashboard API serves whole inputs and outputs, redacted, without a token; unknown steps are 404', async () => {
    const id = testId('values-api');
    await env.pipelines.startAndWait(definition('values-api'), { id, params: { rows: 3 } });
    const get = async (path: string) => {
      const response = await fetch(`${dashboard.url}${path}`);
      return { status: response.status, text: await response.text() };
    };
    const progress = await get(`/api/pipelines/${id}`);
    assert.equal(progress.status, 200);
    assertNoSecrets(progress.text, 'GET /api/pipelines/:id');

    const input = await get(`/api/pipelines/${id}/steps/login/input`);
    assert.equal(input.status, 200, input.text);
    assertNoSecrets(input.text, 'GET …/steps/login/input');
    const body = JSON.parse(input.text) as StepValueResponse;
    assert.equal(body.which, 'input');
    assert.equal((body.value as { password: string }).password, REDACTED);

    const output = await get(`/api/pipelines/${id}/steps/big/output`);
    assert.equal(output.status, 200);
    assert.equal(((JSON.parse(output.text) as StepValueResponse).value as string).length, 20_000);

    const unknown = await get(`/api/pipelines/${id}/steps/nope/input`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /unknown step/);
    assert.equal((await get(`/api/pipelines/${id}/steps/login/secrets`)).status, 404);
  });
});
