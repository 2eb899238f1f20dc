/**
 * Messages of the CLI around closed pipelines and unreadable definitions: approving a cancelled pipeline
 * says it is cancelled (exit 2), not "not found"; a YAML syntax error is printed once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cli } from '../cli/run-cli.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

describe('stepline approve on a closed pipeline', () => {
  const env = useTestEnv();

  test('a cancelled pipeline: said so, exit 2', async () => {
    const id = testId('closed');
    await env.pipelines.start(
      {
        name: 'closed-gate',
        steps: [{ id: 'go-live', type: 'approval', prompt: 'Ship?' }],
      },
      { id },
    );
    await eventually(async () => (await env.pipelines.progress(id)).status === 'awaiting_approval');
    await env.pipelines.cancel(id);
    await eventually(async () => (await env.pipelines.progress(id)).status === 'cancelled');

    const result = await cli(['approve', id, 'go-live', '--by', 'alice', '--task-queue', env.taskQueue]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`pipeline "${id}" is cancelled \\(closed\\): it takes no decisions`),
    );
    assert.doesNotMatch(result.stderr, /not found/);

    const unknown = await cli(['approve', testId('nowhere'), 'go-live', '--task-queue', env.taskQueue]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /not found/);
  });

  test('validate prints a YAML syntax error once', async () => {
    const broken = await cli(['validate', '-'], { input: 'name: x\nsteps:\n  - id: a\n   activity: echo\n' });
    assert.equal(broken.code, 2);
    const lines = broken.stdout.split('\n').filter((line) => line.includes('invalid YAML'));
    assert.ok(lines.length >= 1, broken.stdout);
    for (const line of lines) {
      assert.equal(line.split('invalid YAML').length, 2, line);
      assert.equal(line.split('(definition)').length - 1, 1, line);
    }
    assert.doesNotMatch(broken.stdout, /not a readable pipeline definition/);
  });
});
