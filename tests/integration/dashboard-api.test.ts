import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PipelineClient } from '../../src/client.js';
import type {
  PipelinePage,
  PipelineProgress,
  StartedResponse,
  StepResponse,
} from '../../src/dashboard/api-types.js';
import { ProgressHub } from '../../src/dashboard/progress-hub.js';
import { startDashboard } from '../../src/dashboard/server.js';
import { readSse, useDashboard } from '../helpers/browser.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

const TOKEN = 'test-api-token-5f2c';
const READ_TOKEN = 'test-read-token-91ab';
const auth = { Authorization: `Bearer ${TOKEN}` };

const gated = (name: string) => ({
  name,
  steps: [
    { id: 'prepare', activity: 'echo', input: { rows: 3 } },
    { id: 'gate', type: 'approval', prompt: 'Publish {{ steps.prepare.output.rows }} rows?' },
    { id: 'publish', activity: 'echo', input: { done: true } },
  ],
});

const repairable = (name: string) => ({
  name,
  steps: [
    {
      id: 'load',
      activity: 'fail',
      input: { category: 'validation', message: 'bad row 7' },
      recovery: [{ strategy: 'manual_intervention' }],
    },
    { id: 'after', activity: 'echo', input: { loaded: '{{ steps.load.output }}' } },
  ],
});

describe('dashboard API on a real Temporal server', () => {
  const env = useTestEnv();
  const dashboard = useDashboard(() => env, { apiToken: TOKEN });

  const api = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = auth,
  ) => {
    const response = await fetch(`${dashboard.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  };
  type ErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

  test('POST /api/pipelines starts a YAML definition with params and id; GET returns its progress', async () => {
    const id = testId('dash-start');
    const yaml =
      'name: dash-yaml\nsteps:\n  - id: hello\n    activity: echo\n    input: { who: "{{ params.who }}" }\n';
    const started = await api<StartedResponse>('POST', '/api/pipelines', {
      definition: yaml,
      params: { who: 'ada' },
      id,
    });
    assert.equal(started.status, 201);
    assert.equal(started.body.pipelineId, id);
    const result = await env.pipelines.result(id);
    assert.deepEqual(result.outputs.hello, { who: 'ada' });
    const progress = await api<PipelineProgress>('GET', `/api/pipelines/${id}`);
    assert.equal(progress.status, 200);
    assert.equal(progress.body.status, 'completed');
    assert.equal(progress.body.percent, 100);
    assert.deepEqual(
      progress.body.steps.map((s) => [s.id, s.status]),
      [['hello', 'succeeded']],
    );
  });

  test('an invalid definition is refused with 400 and every issue with its path', async () => {
    const definition = {
      name: 'bad name!',
      steps: [{ id: 'a' }, { id: 'b', activity: 'echo', recovery: [{ strategy: 'pray' }] }],
    };
    const res = await api<ErrorBody>('POST', '/api/pipelines', { definition });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_definition');
    const paths = res.body.error.issues?.map((i) => i.path) ?? [];
    for (const path of ['name', 'steps[0].activity', 'steps[1].recovery[0].strategy']) {
      assert.ok(paths.includes(path), `expected an issue at ${path}; got ${paths.join(', ')}`);
    }
    const yaml = await api<ErrorBody>('POST', '/api/pipelines', { definition: 'name: x\nsteps: [\n' });
    assert.equal(yaml.status, 400);
    assert.match(yaml.body.error.issues?.[0]?.message ?? '', /invalid YAML: line \d+/);
    const body = await api<ErrorBody>('POST', '/api/pipelines', { definiton: {}, params: [] });
    assert.equal(body.status, 400);
    assert.deepEqual(body.body.error.issues?.map((i) => i.path).sort(), ['', 'definition', 'params']);
  });

  test('malformed, mistyped and oversized bodies get 400, 415 and 413', async () => {
    assert.equal((await api<ErrorBody>('POST', '/api/pipelines', '{not json')).status, 400);
    const text = await fetch(`${dashboard.url}/api/pipelines`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body: '{}',
    });
    assert.equal(text.status, 415);
    const huge = await api<ErrorBody>('POST', '/api/pipelines', { definition: 'x'.repeat(1_100_000) });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'payload_too_large');
  });

  test('mutations are refused without a token (401), with a wrong one (401), and when no token is configured (403)', async () => {
    const body = { definition: gated('dash-auth') };
    const none = await api<ErrorBody>('POST', '/api/pipelines', body, {});
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'unauthorized');
    const wrong = await api<ErrorBody>('POST', '/api/pipelines', body, { Authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    assert.ok(!JSON.stringify(wrong.body).includes(TOKEN));
    for (const path of ['approval', 'intervention', 'cancel', 'resume']) {
      assert.equal((await api('POST', `/api/pipelines/x/${path}`, {}, {})).status, 401, path);
    }
    const readOnly = await startDashboard({ client: env.pipelines, port: 0 });
    try {
      const res = await fetch(`${readOnly.url}/api/pipelines`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 403);
      assert.match(((await res.json()) as ErrorBody).error.message, /STEPLINE_API_TOKEN/);
    } finally {
      await readOnly.close();
    }
  });

  test('with a read token, reads need it (or the API token)', async () => {
    const guarded = await startDashboard({
      client: env.pipelines,
      port: 0,
      apiToken: TOKEN,
      readToken: READ_TOKEN,
    });
    try {
      assert.equal((await fetch(`${guarded.url}/api/pipelines`)).status, 401);
      assert.equal(
        (await fetch(`${guarded.url}/api/pipelines`, { headers: { Authorization: 'Bearer wrong' } })).status,
        401,
      );
      assert.equal(
        (
          await fetch(`${guarded.url}/api/pipelines?limit=1`, {
            headers: { Authorization: `Bearer ${READ_TOKEN}` },
          })
        ).status,
        200,
      );
      assert.equal((await fetch(`${guarded.url}/api/pipelines?limit=1`, { headers: auth })).status, 200);
      // The read token does not allow mutations.
      const start = await fetch(`${guarded.url}/api/pipelines`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${READ_TOKEN}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      assert.equal(start.status, 401);
    } finally {
      await guarded.close();
    }
  });

  test('unknown pipelines and endpoints are 404 with a JSON error; answers carry the security headers', async () => {
    const missing = await api<ErrorBody>('GET', '/api/pipelines/no-such-pipeline-42');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    assert.match(missing.body.error.message, /no-such-pipeline-42/);
    assert.equal((await api('GET', '/api/pipelines/no-such-pipeline-42/events')).status, 404);
    assert.equal((await api('POST', '/api/pipelines/no-such-pipeline-42/cancel', {})).status, 404);
    assert.equal(
      (await api('POST', '/api/pipelines/no-such-pipeline-42/approval', { stepId: 'x', decision: 'approve' }))
        .status,
      404,
    );
    assert.equal((await api('GET', '/api/nothing-here')).status, 404);
    for (const res of [missing, await api('GET', '/api/pipelines?limit=1')]) {
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'; script-src 'self'/);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
    }
    const page = await fetch(`${dashboard.url}/`);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
  });

  test('GET /api/pipelines filters by name and status and pages with a cursor', async () => {
    const name = `dash-list-${testId('n').slice(2)}`;
    const ids = [testId('dash-list-a'), testId('dash-list-b'), testId('dash-list-c')];
    for (const id of ids) {
      assert.equal(
        (
          await api('POST', '/api/pipelines', {
            definition: { name, steps: [{ id: 's', activity: 'echo' }] },
            id,
          })
        ).status,
        201,
      );
    }
    await Promise.all(ids.map((id) => env.pipelines.result(id)));
    const all = await eventually(async () => {
      const res = await api<PipelinePage>('GET', `/api/pipelines?name=${name}&status=completed`);
      return res.body.pipelines.length === 3 && res.body;
    });
    assert.deepEqual(new Set(all.pipelines.map((p) => p.pipelineId)), new Set(ids));
    assert.ok(all.pipelines.every((p) => p.name === name && p.status === 'completed' && p.percent === 100));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await api<PipelinePage>(
        'GET',
        `/api/pipelines?name=${name}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(res.status, 200);
      assert.ok(res.body.pipelines.length <= 2);
      seen.push(...res.body.pipelines.map((p) => p.pipelineId));
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen.sort(), [...ids].sort());
    const none = await api<PipelinePage>('GET', `/api/pipelines?name=${name}&status=failed`);
    assert.deepEqual(none.body.pipelines, []);
    const bad = await api<ErrorBody>('GET', '/api/pipelines?status=sleeping&limit=0');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.issues?.map((i) => i.path).sort(), ['limit', 'status']);
  });

  test('POST .../approval decides a gate: a wrong step is 409, approve completes it and is audited', async () => {
    const id = testId('dash-gate');
    await api('POST', '/api/pipelines', { definition: gated('dash-gate'), id });
    await eventually(async () => (await env.pipelines.progress(id)).pending?.stepId === 'gate');
    const wrong = await api<ErrorBody>('POST', `/api/pipelines/${id}/approval`, {
      stepId: 'publish',
      decision: 'approve',
    });
    assert.equal(wrong.status, 409);
    assert.equal(wrong.body.error.code, 'conflict');
    const invalid = await api<ErrorBody>('POST', `/api/pipelines/${id}/approval`, {
      stepId: 'gate',
      decision: 'maybe',
    });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error.issues?.[0]?.path, 'decision');
    const ok = await api<StepResponse>('POST', `/api/pipelines/${id}/approval`, {
      stepId: 'gate',
      decision: 'approve',
      by: 'ada',
      comment: 'ship it',
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.step.id, 'gate');
    const result = await env.pipelines.result(id);
    assert.equal(result.status, 'completed');
    assert.ok(
      result.progress.decisions.some((d) => d.stepId === 'gate' && d.by === 'ada' && d.comment === 'ship it'),
    );
  });

  test('POST .../intervention retries a failed step with edited input and the pipeline completes', async () => {
    const id = testId('dash-repair');
    await api('POST', '/api/pipelines', { definition: repairable('dash-repair'), id });
    const waiting = await eventually(async () => {
      const p = await env.pipelines.progress(id);
      return p.pending?.kind === 'intervention' && p;
    });
    assert.equal(waiting.pending?.error?.message, 'bad row 7');
    const res = await api<StepResponse>('POST', `/api/pipelines/${id}/intervention`, {
      stepId: 'load',
      action: 'retry',
      input: { times: 0, output: { rows: 7 } },
      by: 'ada',
      reason: 'fixed the row',
    });
    assert.equal(res.status, 200);
    const result = await env.pipelines.result(id);
    assert.deepEqual(result.outputs.load, { rows: 7 });
    assert.deepEqual(result.outputs.after, { loaded: { rows: 7 } });
  });

  test('POST .../cancel cancels a running pipeline (202), then 409; POST .../resume redrives it', async () => {
    const id = testId('dash-cancel');
    const definition = {
      name: 'dash-cancel',
      onCancel: 'stop',
      steps: [
        { id: 'first', activity: 'echo', input: { n: 1 } },
        { id: 'slow', activity: 'delay', input: { ms: 60_000, ticks: 60 } },
      ],
    };
    await api('POST', '/api/pipelines', { definition, id });
    await eventually(async () => (await env.pipelines.progress(id)).steps[1]?.status === 'running');
    const busy = await api<ErrorBody>('POST', `/api/pipelines/${id}/resume`, {});
    assert.equal(busy.status, 409);
    const cancelled = await api('POST', `/api/pipelines/${id}/cancel`);
    assert.equal(cancelled.status, 202);
    await eventually(
      async () => (await api<PipelineProgress>('GET', `/api/pipelines/${id}`)).body.status === 'cancelled',
    );
    assert.equal((await api('POST', `/api/pipelines/${id}/cancel`)).status, 409);
    const resumed = await api<StartedResponse>('POST', `/api/pipelines/${id}/resume`, {
      fromStep: 'slow',
      input: { ms: 10 },
    });
    assert.equal(resumed.status, 201);
    assert.equal(resumed.body.pipelineId, id);
    const result = await env.pipelines.result(id);
    assert.deepEqual(result.outputs.slow, { sleptMs: 10 });
    assert.deepEqual(result.outputs.first, { n: 1 });
  });

  test('GET .../events streams each new version and ends at the terminal status; Last-Event-ID resumes', async () => {
    const id = testId('dash-sse');
    const definition = {
      name: 'dash-sse',
      steps: [
        { id: 'a', activity: 'delay', input: { ms: 600, ticks: 3 } },
        { id: 'b', activity: 'delay', input: { ms: 600, ticks: 3 } },
      ],
    };
    await api('POST', '/api/pipelines', { definition, id });
    const events = await readSse(`${dashboard.url}/api/pipelines/${id}/events`);
    const progress = events
      .filter((e) => e.event === 'progress')
      .map((e) => JSON.parse(e.data) as PipelineProgress);
    assert.ok(progress.length >= 3, `expected several progress events; got ${progress.length}`);
    const versions = progress.map((p) => p.version);
    assert.deepEqual(
      versions,
      [...versions].sort((x, y) => x - y),
      'versions never go back',
    );
    assert.deepEqual(
      events.filter((e) => e.event === 'progress').map((e) => Number(e.id)),
      versions,
      'event id = version',
    );
    assert.equal(progress.at(-1)?.status, 'completed');
    assert.deepEqual(JSON.parse(events.at(-1)?.data ?? '{}'), { reason: 'terminal', status: 'completed' });
    const final = progress.at(-1)!.version;
    const upToDate = await readSse(`${dashboard.url}/api/pipelines/${id}/events`, {
      headers: { 'Last-Event-ID': String(final) },
    });
    assert.deepEqual(
      upToDate.map((e) => e.event),
      ['end'],
    );
    const behind = await readSse(`${dashboard.url}/api/pipelines/${id}/events`, {
      headers: { 'Last-Event-ID': String(final - 1) },
    });
    assert.deepEqual(
      behind.map((e) => [e.event, e.id]),
      [
        ['progress', String(final)],
        ['end', undefined],
      ],
    );
  });

  test('one shared poller per pipeline, however many viewers', async () => {
    const counting = new PipelineClient({ client: env.client, taskQueue: env.taskQueue });
    const calls = new Map<string, number>();
    const progress = counting.progress.bind(counting);
    counting.progress = async (id: string) => {
      calls.set(id, (calls.get(id) ?? 0) + 1);
      return await progress(id);
    };
    const hub = new ProgressHub(counting, { intervalMs: 100 });
    const shared = await startDashboard({ client: counting, port: 0, apiToken: TOKEN, hub });
    try {
      const id = testId('dash-shared');
      await counting.start(
        { name: 'dash-shared', steps: [{ id: 'wait', activity: 'delay', input: { ms: 1500, ticks: 5 } }] },
        { id },
      );
      const started = Date.now();
      let maxPollers = 0;
      const viewers = [0, 1, 2].map(() =>
        readSse(`${shared.url}/api/pipelines/${id}/events`, {
          onEvent: () => (maxPollers = Math.max(maxPollers, hub.pollerCount)),
        }),
      );
      const streams = await Promise.all(viewers);
      const elapsed = Date.now() - started;
      for (const events of streams) assert.equal(events.at(-1)?.event, 'end');
      assert.equal(maxPollers, 1);
      assert.equal(hub.pollerCount, 0, 'the poller stops at the terminal status');
      const polls = calls.get(id) ?? 0;
      // One poller: about one read per interval. Three pollers would make three times as many.
      assert.ok(polls <= elapsed / 100 + 3, `${polls} progress reads in ${elapsed} ms for 3 viewers`);
    } finally {
      await shared.close();
    }
  });
});
