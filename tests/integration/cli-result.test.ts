/** `stepline result`: a completed pipeline's outputs, one step's (also one the result left out), exit codes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PipelineFailedError } from '../../src/client.js';
import { cli } from '../cli/run-cli.js';
import { testId, useTestEnv } from '../helpers/harness.js';
import { blob } from '../helpers/limits.js';

describe('stepline result', () => {
  const env = useTestEnv({ steps: [blob] });
  const queue = () => ['--task-queue', env.taskQueue];

  test('prints the outputs; --step prints one, reading an output the result left out with the output query', async () => {
    const id = testId('result-big');
    await env.pipelines.startAndWait(
      {
        name: 'result-big',
        steps: [
          { id: 'a', activity: 'echo', input: { n: 1 } },
          { id: 'b', activity: 'limits.blob', input: { bytes: 1_200_000 } },
          { id: 'c', activity: 'limits.blob', input: { bytes: 1_200_000 } },
        ],
      },
      { id },
    );
    const all = await cli(['result', id, ...queue()]);
    assert.equal(all.code, 0, all.stderr);
    const outputs = JSON.parse(all.stdout) as Record<string, unknown>;
    assert.deepEqual(outputs.a, { n: 1 });
    const omitted = Object.entries(outputs).filter(
      ([, v]) => (v as { $stepline?: string } | null)?.$stepline === 'omitted_output',
    );
    assert.equal(omitted.length, 1);
    const [stepId] = omitted[0]!;
    assert.match(all.stderr, new RegExp(`stepline result ${id} --step ${stepId}`));

    const one = await cli(['result', id, '--step', stepId, ...queue()]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal((JSON.parse(one.stdout) as string).length, 1_200_000);

    const small = await cli(['result', id, '--step', 'a', ...queue()]);
    assert.equal(small.code, 0, small.stderr);
    assert.deepEqual(JSON.parse(small.stdout), { n: 1 });

    const unknownStep = await cli(['result', id, '--step', 'nope', ...queue()]);
    assert.equal(unknownStep.code, 2);
    assert.match(unknownStep.stderr, /has no step "nope"/);
  });

  test('a failed pipeline exits 1 with the reason; an unknown one exits 2; a running one exits 1', async () => {
    const failed = testId('result-failed');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'result-failed',
          steps: [{ id: 'x', activity: 'fail', input: { category: 'validation', message: 'no customer' } }],
        },
        { id: failed },
      ),
      PipelineFailedError,
    );
    const result = await cli(['result', failed, ...queue()]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /no customer/);

    const unknown = await cli(['result', testId('result-none'), ...queue()]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /not found/);

    const waiting = testId('result-waiting');
    await env.pipelines.start(
      { name: 'result-waiting', steps: [{ id: 'gate', type: 'approval' }] },
      { id: waiting },
    );
    const running = await cli(['result', waiting, ...queue()]);
    assert.equal(running.code, 1);
    assert.match(running.stderr, /has not ended/);
    await env.pipelines.cancel(waiting);
  });

  test('--wait waits for a running pipeline and prints its outputs', async () => {
    const id = testId('result-wait');
    await env.pipelines.start(
      {
        name: 'result-wait',
        steps: [
          { id: 'pause', activity: 'delay', input: { ms: 1500 } },
          { id: 'done', activity: 'echo', input: { ok: true } },
        ],
      },
      { id },
    );
    const result = await cli(['result', id, '--wait', '--step', 'done', ...queue()]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { ok: true });
  });
});
