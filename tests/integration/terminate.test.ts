/**
 * Runs that end outside the interpreter: terminated by an operator (plain Temporal, `stepline terminate`,
 * the dashboard) or ended by a workflow execution timeout. Every Stepline view (SDK, CLI, dashboard API,
 * SSE, listing) must agree with Temporal's execution status instead of showing "running" forever.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PipelineProgress } from '../../src/pipeline/progress.js';
import { PIPELINE_WORKFLOW_TYPE, type PipelineRequest } from '../../src/pipeline/contract.js';
import { readSse, useDashboard } from '../helpers/browser.js';
import { cli } from '../cli/run-cli.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

const TOKEN = 'terminate-test-token-77c1';
const auth = { Authorization: `Bearer ${TOKEN}` };

const gated = (name: string) => ({
  name,
  steps: [
    { id: 'prepare', activity: 'echo', input: { rows: 3 } },
    { id: 'gate', type: 'approval', prompt: 'Publish?' },
    { id: 'publish', activity: 'echo', input: { done: true } },
  ],
});

describe('progress agrees with Temporal when a run ends outside the interpreter', () => {
  const env = useTestEnv();
  const dashboard = useDashboard(() => env, { apiToken: TOKEN });
  const queue = () => ['--task-queue', env.taskQueue];

  const waitingAtGate = async (id: string) =>
    await eventually(async () => (await env.pipelines.progress(id)).pending?.stepId === 'gate', 30_000);

  const post = async (path: string, body: unknown, headers: Record<string, string> = auth) => {
    const response = await fetch(`${dashboard.url}${path}`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
    };
  };

  test('a pipeline terminated with plain Temporal reads terminated in the SDK, watch, CLI, dashboard, SSE and listing', async () => {
    const id = testId('term-plain');
    await env.pipelines.start(gated('term-plain'), { id });
    await waitingAtGate(id);
    // An SSE viewer joins while it waits, and must get the end.
    const sse = readSse(`${dashboard.url}/api/pipelines/${id}/events`, { timeoutMs: 60_000 });
    const watched = (async () => {
      const seen: PipelineProgress[] = [];
      for await (const p of env.pipelines.watch(id, { intervalMs: 100 })) seen.push(p);
      return seen;
    })();
    await env.client.workflow.getHandle(id).terminate('stuck on a dead worker');

    const progress = await env.pipelines.progress(id);
    assert.equal(progress.status, 'terminated');
    assert.ok(progress.completedAt, 'completedAt is the close time');
    assert.equal(progress.pending, undefined);
    assert.deepEqual(
      progress.steps.map((s) => [s.id, s.status]),
      [
        ['prepare', 'succeeded'],
        ['gate', 'cancelled'],
        ['publish', 'cancelled'],
      ],
    );
    const last = progress.events.at(-1);
    assert.equal(last?.type, 'pipeline_terminated');
    assert.match(last?.message ?? '', /stuck on a dead worker/);

    const seen = await watched;
    assert.equal(seen.at(-1)?.status, 'terminated', 'watch() ends on terminated');

    const events = await sse;
    assert.equal(events.at(-1)?.event, 'end');
    assert.deepEqual(JSON.parse(events.at(-1)!.data), { reason: 'terminal', status: 'terminated' });
    const lastProgress = events.filter((e) => e.event === 'progress').at(-1);
    assert.equal((JSON.parse(lastProgress!.data) as PipelineProgress).status, 'terminated');

    const got = await fetch(`${dashboard.url}/api/pipelines/${id}`);
    assert.equal(((await got.json()) as PipelineProgress).status, 'terminated');

    const json = await cli(['status', id, '--json', ...queue()]);
    assert.equal(json.code, 1, json.stderr);
    assert.equal((JSON.parse(json.stdout) as PipelineProgress).status, 'terminated');
    const table = await cli(['status', id, ...queue()]);
    assert.equal(table.code, 1, table.stderr);
    assert.match(table.stdout, /terminated/);
    assert.match(table.stdout, /pipeline terminated: stuck on a dead worker; compensations did not run/);
    const watchCli = await cli(['watch', id, ...queue()]);
    assert.equal(watchCli.code, 1, watchCli.stderr);
    assert.match(watchCli.stdout, new RegExp(`${id} terminated after`));

    const listed = await eventually(async () => {
      const all = await env.pipelines.list({ status: 'terminated', name: 'term-plain' });
      return all.find((p) => p.pipelineId === id);
    }, 30_000);
    assert.equal(listed.status, 'terminated');
    const failed = await env.pipelines.list({ status: 'failed', name: 'term-plain' });
    assert.ok(!failed.some((p) => p.pipelineId === id), 'a terminated pipeline is not listed as failed');
    const cliList = await cli([
      'list',
      '--status',
      'terminated',
      '--name',
      'term-plain',
      '--json',
      ...queue(),
    ]);
    assert.equal(cliList.code, 0, cliList.stderr);
    assert.ok((JSON.parse(cliList.stdout) as { pipelineId: string }[]).some((p) => p.pipelineId === id));
    const apiList = await fetch(`${dashboard.url}/api/pipelines?status=terminated&name=term-plain`);
    assert.equal(apiList.status, 200);
    const page = (await apiList.json()) as { pipelines: { pipelineId: string; status: string }[] };
    assert.equal(page.pipelines.find((p) => p.pipelineId === id)?.status, 'terminated');
  });

  test('a run ended by its workflow execution timeout reads timed_out everywhere', async () => {
    const id = testId('term-timeout');
    const request = { definition: gated('term-timeout'), params: {} } as unknown as PipelineRequest;
    await env.client.workflow.start(PIPELINE_WORKFLOW_TYPE, {
      taskQueue: env.taskQueue,
      workflowId: id,
      args: [request],
      workflowExecutionTimeout: '3s',
    });
    const progress = await eventually(async () => {
      const p = await env.pipelines.progress(id);
      return p.status === 'timed_out' && p;
    }, 30_000);
    assert.equal(progress.events.at(-1)?.type, 'pipeline_timed_out');
    assert.match(progress.events.at(-1)?.message ?? '', /workflow execution timeout 3s/);
    assert.ok(progress.steps.every((s) => s.status === 'succeeded' || s.status === 'cancelled'));

    const status = await cli(['status', id, '--json', ...queue()]);
    assert.equal(status.code, 1, status.stderr);
    assert.equal((JSON.parse(status.stdout) as PipelineProgress).status, 'timed_out');
    const events = await readSse(`${dashboard.url}/api/pipelines/${id}/events`);
    assert.deepEqual(JSON.parse(events.at(-1)!.data), { reason: 'terminal', status: 'timed_out' });
    const listed = await eventually(async () => {
      // Started through plain Temporal: no Stepline search attributes, so no name filter.
      const all = await env.pipelines.list({ status: 'timed_out', since: new Date(Date.now() - 3_600_000) });
      return all.find((p) => p.pipelineId === id);
    }, 30_000);
    assert.equal(listed.status, 'timed_out');
  });

  test('a closed run whose query nobody answers is rebuilt from its start event', async () => {
    const id = testId('term-noworker');
    // A task queue no worker polls: the run never makes progress, and its query cannot be answered.
    await env.pipelines.start(gated('term-noworker'), { id, taskQueue: `${env.taskQueue}-nobody` });
    await env.client.workflow.getHandle(id).terminate('no worker ever came');
    const progress = await env.pipelines.progress(id);
    assert.equal(progress.status, 'terminated');
    assert.deepEqual(
      progress.steps.map((s) => [s.id, s.status]),
      [
        ['prepare', 'cancelled'],
        ['gate', 'cancelled'],
        ['publish', 'cancelled'],
      ],
    );
    assert.match(progress.events.at(-1)?.message ?? '', /no worker ever came/);
  });

  test('stepline terminate: reason required, exit 0, unknown id exit 2, and the run reads terminated', async () => {
    const id = testId('term-cli');
    await env.pipelines.start(gated('term-cli'), { id });
    await waitingAtGate(id);
    const usage = await cli(['terminate', id, ...queue()]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--reason/);
    const blank = await cli(['terminate', id, '--reason', '   ', ...queue()]);
    assert.equal(blank.code, 2);
    assert.match(blank.stderr, /a reason is required/);
    const long = await cli(['terminate', id, '--reason', 'x'.repeat(1001), ...queue()]);
    assert.equal(long.code, 2);
    assert.ok(!long.stderr.includes('x'.repeat(50)), 'the reason is not echoed');
    const unknown = await cli(['terminate', 'no-such-pipeline-anywhere', '--reason', 'why', ...queue()]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /not found/);

    const done = await cli(['terminate', id, '--reason', 'operator: INC-42', ...queue()]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /compensations did not run/);
    const progress = await env.pipelines.progress(id);
    assert.equal(progress.status, 'terminated');
    assert.match(progress.events.at(-1)?.message ?? '', /operator: INC-42/);
    const again = await cli(['terminate', id, '--reason', 'twice', ...queue()]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /not running/);
  });

  test('POST .../terminate needs the token, a reason, a running pipeline: 202 then 409', async () => {
    const id = testId('term-api');
    await env.pipelines.start(gated('term-api'), { id });
    await waitingAtGate(id);
    assert.equal((await post(`/api/pipelines/${id}/terminate`, { reason: 'x' }, {})).status, 401);
    assert.equal(
      (await post(`/api/pipelines/${id}/terminate`, { reason: 'x' }, { Authorization: 'Bearer nope' }))
        .status,
      401,
    );
    const noReason = await post(`/api/pipelines/${id}/terminate`, { reason: '  ' });
    assert.equal(noReason.status, 400);
    const tooLong = await post(`/api/pipelines/${id}/terminate`, { reason: 'y'.repeat(1001) });
    assert.equal(tooLong.status, 400);
    assert.equal((await post('/api/pipelines/no-such-pipeline-7/terminate', { reason: 'x' })).status, 404);

    const ok = await post(`/api/pipelines/${id}/terminate`, { reason: 'from the dashboard' });
    assert.equal(ok.status, 202);
    assert.deepEqual(ok.body, { pipelineId: id, terminated: true });
    assert.equal((await env.pipelines.progress(id)).status, 'terminated');
    const again = await post(`/api/pipelines/${id}/terminate`, { reason: 'again' });
    assert.equal(again.status, 409);

    const finished = testId('term-api-done');
    await env.pipelines.startAndWait(
      { name: 'term-done', steps: [{ id: 'a', activity: 'echo' }] },
      { id: finished },
    );
    assert.equal((await post(`/api/pipelines/${finished}/terminate`, { reason: 'late' })).status, 409);
  });

  test('without an API token configured, terminate is refused with 403', async () => {
    const { startDashboard } = await import('../../src/dashboard/server.js');
    const readOnly = await startDashboard({ client: env.pipelines, port: 0 });
    try {
      const res = await fetch(`${readOnly.url}/api/pipelines/x/terminate`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ reason: 'x' }),
      });
      assert.equal(res.status, 403);
    } finally {
      await readOnly.close();
    }
  });
});
