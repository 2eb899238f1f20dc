/**
 * Listing on the cluster's SQL visibility store (PostgreSQL), with Stepline's search attributes
 * registered by the cluster: `stepline list` and PipelineClient.list filter by name and status.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { PipelineSummary } from '../../src/client.js';
import { cli } from '../cli/run-cli.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

describe('listing pipelines on the cluster’s SQL visibility', () => {
  const env = useTestEnv();

  test('stepline list and PipelineClient.list find pipelines by name and status (completed, failed, awaiting approval)', async () => {
    const info = await env.client.workflowService.getClusterInfo({});
    assert.match(info.visibilityStore ?? '', /postgres/, 'the run’s server keeps visibility in PostgreSQL');

    const name = testId('listed');
    const definition = (steps: unknown[]) => ({ name, steps });
    const done = testId('list-done');
    const failed = testId('list-failed');
    const waiting = testId('list-waiting');
    await env.pipelines.startAndWait(definition([{ id: 'a', activity: 'echo', input: { x: 1 } }]), {
      id: done,
    });
    await env.pipelines
      .startAndWait(
        definition([{ id: 'a', activity: 'fail', input: { category: 'validation', message: 'no' } }]),
        { id: failed },
      )
      .catch(() => undefined);
    await env.pipelines.start(definition([{ id: 'gate', type: 'approval' }]), { id: waiting });

    // Visibility is written after the fact: wait until all three are listed with their final statuses.
    const expected = { [done]: 'completed', [failed]: 'failed', [waiting]: 'awaiting_approval' };
    const listed = await eventually(async () => {
      const all = await env.pipelines.list({ name });
      const statuses = Object.fromEntries(all.map((p) => [p.pipelineId, p.status]));
      return isDeepStrictEqual(statuses, expected) ? all : undefined;
    }, 30_000);
    assert.deepEqual(new Set(listed.map((p) => p.name)), new Set([name]));

    const byStatus = await env.pipelines.list({ name, status: 'awaiting_approval' });
    assert.deepEqual(
      byStatus.map((p) => p.pipelineId),
      [waiting],
    );
    const failures = await env.pipelines.list({ name, status: 'failed' });
    assert.deepEqual(
      failures.map((p) => p.pipelineId),
      [failed],
    );

    const queue = ['--task-queue', env.taskQueue];
    const all = await cli(['list', '--name', name, '--json', ...queue]);
    assert.equal(all.code, 0, all.stderr);
    const fromCli = JSON.parse(all.stdout) as PipelineSummary[];
    assert.deepEqual(Object.fromEntries(fromCli.map((p) => [p.pipelineId, p.status])), expected);
    const completed = await cli(['list', '--name', name, '--status', 'completed', '--json', ...queue]);
    assert.equal(completed.code, 0, completed.stderr);
    assert.deepEqual(
      (JSON.parse(completed.stdout) as PipelineSummary[]).map((p) => p.pipelineId),
      [done],
    );

    await env.pipelines.approve(waiting, 'gate', { by: 'ops' });
    await env.pipelines.result(waiting);
  });
});
