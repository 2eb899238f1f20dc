/**
 * Declared params (`params:`): a run whose params are missing or wrong is refused before any step runs,
 * through every door — the SDK, the CLI (exit 2), the dashboard API (400) and a raw workflow start that
 * bypasses them all (the workflow fails `InvalidDefinition`) — each naming the param's path.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { InvalidDefinitionError } from '../../src/client.js';
import { parseDefinitionText } from '../../src/pipeline/load.js';
import { cli, PROJECT_ROOT } from '../cli/run-cli.js';
import { useDashboard } from '../helpers/browser.js';
import { testId, useTestEnv } from '../helpers/harness.js';
import { ending, scheduledActivityIds, startRaw } from '../helpers/limits.js';

const TOKEN = 'test-api-token-params';
const RELEASE_PATH = path.join(PROJECT_ROOT, 'examples', 'release.yaml');
const release = () => parseDefinitionText(readFileSync(RELEASE_PATH, 'utf8'), 'yaml');

const declared = {
  name: 'declared',
  params: {
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
    target: { type: 'string', enum: ['staging', 'production'], default: 'staging' },
    batch: { type: 'integer', minimum: 1, default: 10 },
  },
  steps: [
    {
      id: 'deploy',
      activity: 'echo',
      input: { version: '{{ params.version }}', target: '{{ params.target }}', batch: '{{ params.batch }}' },
    },
  ],
};

describe('declared params on a real Temporal server', () => {
  const env = useTestEnv();
  const dashboard = useDashboard(() => env, { apiToken: TOKEN });

  const notStarted = async (id: string) =>
    assert.rejects(env.client.workflow.getHandle(id).describe(), WorkflowNotFoundError, 'no run was started');

  test('the SDK refuses release.yaml without its params before starting anything, naming each param', async () => {
    const id = testId('params-sdk');
    await assert.rejects(
      env.pipelines.start(release(), { id }),
      (err: unknown) =>
        err instanceof InvalidDefinitionError &&
        err.issues.some((i) => i.path === 'params.version' && /^required, missing/.test(i.message)) &&
        err.issues.some((i) => i.path === 'params.previousVersion' && /^required, missing/.test(i.message)),
    );
    await assert.rejects(
      env.pipelines.start(declared, { id, params: { version: 1.2, target: 'prod', batch: 0, extra: true } }),
      (err: unknown) => {
        assert.ok(err instanceof InvalidDefinitionError);
        assert.deepEqual(
          err.issues.map((i) => i.path),
          ['params.version', 'params.target', 'params.batch', 'params.extra'],
        );
        assert.match(err.issues[0]!.message, /expected a string; got 1\.2/);
        assert.match(err.issues[1]!.message, /expected one of "staging", "production"; got "prod"/);
        assert.match(err.issues[2]!.message, /expected a number >= 1; got 0/);
        assert.match(err.issues[3]!.message, /not a declared param/);
        return true;
      },
    );
    await notStarted(id);
  });

  test('defaults fill in the params a run does not give; given ones win', async () => {
    const withDefaults = await env.pipelines.startAndWait(declared, { params: { version: '1.2.3' } });
    assert.deepEqual(withDefaults.outputs.deploy, { version: '1.2.3', target: 'staging', batch: 10 });
    const given = await env.pipelines.startAndWait(declared, {
      params: { version: '2.0.0', target: 'production', batch: 5 },
    });
    assert.deepEqual(given.outputs.deploy, { version: '2.0.0', target: 'production', batch: 5 });
  });

  test('stepline run without the params exits 2 listing each missing param with its path', async () => {
    const id = testId('params-cli');
    const run = await cli(['run', RELEASE_PATH, '--id', id, '--task-queue', env.taskQueue]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /params\.version: required, missing/);
    assert.match(run.stderr, /params\.previousVersion: required, missing/);
    const wrong = await cli([
      'run',
      RELEASE_PATH,
      '--id',
      id,
      '-p',
      '{"version":"one","previousVersion":"1.2.2"}',
      '--task-queue',
      env.taskQueue,
    ]);
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /params\.version: expected text matching/);
    await notStarted(id);
  });

  test('stepline validate reports a template that reads an undeclared param, and with --params checks params (exit 2)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stepline-params-'));
    const file = path.join(dir, 'typo.yaml');
    writeFileSync(
      file,
      [
        'name: typo',
        'params: { version: { type: string } }',
        'steps:',
        "  - { id: deploy, activity: echo, input: { v: '{{ params.verison }}' } }",
      ].join('\n'),
    );
    try {
      const result = await cli(['validate', file]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr + result.stdout,
        /steps\[0\]\.input\.v: \{\{ params\.verison \}\}: param "verison" is not declared in params; did you mean "version"\?/,
      );
      const params = await cli(['validate', RELEASE_PATH, '-p', '{"version":"1.2"}']);
      assert.equal(params.code, 2, params.stderr);
      assert.match(params.stdout + params.stderr, /params\.version: expected text matching/);
      assert.match(params.stdout + params.stderr, /params\.previousVersion: required, missing/);
      const good = await cli([
        'validate',
        RELEASE_PATH,
        '-p',
        '{"version":"1.2.3","previousVersion":"1.2.2"}',
      ]);
      assert.equal(good.code, 0, good.stdout + good.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the dashboard API answers 400 with the same issues and starts nothing', async () => {
    const id = testId('params-api');
    const response = await fetch(`${dashboard.url}/api/pipelines`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id,
        definition: readFileSync(RELEASE_PATH, 'utf8'),
        params: { version: '1.2.3' },
      }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { issues: Array<{ path: string; message: string }> } };
    assert.deepEqual(body.error.issues, [
      {
        path: 'params.previousVersion',
        message: 'required, missing (string: the version a rollback deploys again)',
      },
    ]);
    await notStarted(id);
  });

  test('a raw workflow start that bypasses the client fails InvalidDefinition before any step runs', async () => {
    const id = await startRaw(
      env,
      { definition: release(), params: { previousVersion: '1.2.2' } },
      'params-raw',
    );
    const end = await ending(env, id);
    assert.equal(end.status, 'FAILED');
    assert.equal(end.failureType, 'InvalidDefinition', end.message);
    assert.match(end.message ?? '', /^params\.version: required, missing/m);
    assert.deepEqual(await scheduledActivityIds(env, id), [], 'nothing ran');
  });
});
