import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type {
  PipelineGraph,
  PipelinePage,
  SessionInfo,
  StepResponse,
  WaitingPage,
} from '../../src/dashboard/api-types.js';
import { dashboardSettingsFromEnv } from '../../src/dashboard/main.js';
import { parseUserTokens } from '../../src/dashboard/users.js';
import { useDashboard } from '../helpers/browser.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

const SHARED = 'shared-token-7c1e44';
const ALICE = 'alice-token-0b9d21';
const BOB = 'bob-token-e5a630';
const UI = 'http://127.0.0.1:8233';

const gate = (name: string, approvers: string[]) => ({
  name,
  steps: [{ id: 'go', type: 'approval', prompt: 'Ship?', approvers }],
});

const failing = (name: string) => ({
  name,
  steps: [{ id: 'load', activity: 'fail', input: { category: 'validation', message: 'bad row 7' } }],
});

describe('dashboard triage API: list columns, waiting for you, per-user tokens, graph', () => {
  const env = useTestEnv();
  const dashboard = useDashboard(() => env, {
    apiToken: SHARED,
    apiTokens: parseUserTokens(`alice:${ALICE},bob:${BOB}`),
    temporalUiUrl: UI,
  });
  const readOnly = useDashboard(() => env);

  const api = async <T>(method: string, path: string, token?: string, body?: unknown, base?: string) => {
    const response = await fetch(`${base ?? dashboard.url}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  test('GET /api/session names the per-user token owner and links the Temporal Web UI', async () => {
    const alice = await api<SessionInfo>('GET', '/api/session', ALICE);
    assert.deepEqual(alice.body, {
      readOnly: false,
      perUserTokens: true,
      user: 'alice',
      mayMutate: true,
      temporalUi: { url: UI, namespace: env.namespace },
    });
    const shared = await api<SessionInfo>('GET', '/api/session', SHARED);
    assert.equal(shared.body.user, undefined);
    assert.equal(shared.body.mayMutate, true);
    const anonymous = await api<SessionInfo>('GET', '/api/session');
    assert.equal(anonymous.body.mayMutate, false);
    const ro = await api<SessionInfo>('GET', '/api/session', undefined, undefined, readOnly.url);
    assert.equal(ro.body.readOnly, true);
    assert.match(ro.body.readOnlyReason ?? '', /read-only: set STEPLINE_API_TOKEN/);
    assert.equal(ro.body.temporalUi, undefined);
  });

  test('a per-user token signs decisions with its name (not the typed one); approvers are checked against it', async () => {
    const name = `triage-gate-${testId('n').slice(2)}`;
    const forAlice = testId('gate-alice');
    const forCarol = testId('gate-carol');
    await env.pipelines.start(gate(name, ['alice']), { id: forAlice });
    await env.pipelines.start(gate(name, ['carol']), { id: forCarol });
    await eventually(async () => {
      for (const id of [forAlice, forCarol])
        assert.equal((await env.pipelines.progress(id)).status, 'awaiting_approval');
      return true;
    });

    // Waiting for you: alice sees only the gate she may decide; the shared token and anonymous readers see both.
    const mine = await api<WaitingPage>('GET', '/api/pipelines?waiting=1', ALICE);
    const mineIds = mine.body.pipelines.map((p) => p.pipelineId);
    assert.ok(mineIds.includes(forAlice));
    assert.ok(!mineIds.includes(forCarol));
    assert.equal(mine.body.count, mine.body.pipelines.length);
    assert.equal(mine.body.user, 'alice');
    const all = await api<WaitingPage>('GET', '/api/pipelines?waiting=1', SHARED);
    const allIds = all.body.pipelines.map((p) => p.pipelineId);
    assert.ok(allIds.includes(forAlice) && allIds.includes(forCarol));
    const item = all.body.pipelines.find((p) => p.pipelineId === forCarol);
    assert.deepEqual(item?.pending, { kind: 'approval', stepId: 'go', approvers: ['carol'] });

    // Bob's token cannot pass as alice by typing her name.
    const posing = await api<{ error: { code: string } }>(
      'POST',
      `/api/pipelines/${forAlice}/approval`,
      BOB,
      {
        stepId: 'go',
        decision: 'approve',
        by: 'alice',
      },
    );
    assert.equal(posing.status, 409);
    const approved = await api<StepResponse>('POST', `/api/pipelines/${forAlice}/approval`, ALICE, {
      stepId: 'go',
      decision: 'approve',
      by: 'mallory',
      comment: 'fine',
    });
    assert.equal(approved.status, 200);
    const result = await env.pipelines.result(forAlice);
    const decision = result.progress.decisions.find((d) => d.kind === 'approval');
    assert.equal(decision?.by, 'alice');

    // The shared token keeps working, with the typed name.
    const carol = await api<StepResponse>('POST', `/api/pipelines/${forCarol}/approval`, SHARED, {
      stepId: 'go',
      decision: 'reject',
      by: 'carol',
    });
    assert.equal(carol.status, 200);
    await assert.rejects(env.pipelines.result(forCarol));
    const rejected = await env.pipelines.progress(forCarol);
    assert.equal(rejected.decisions.find((d) => d.kind === 'approval')?.by, 'carol');
  });

  test('a read-only dashboard refuses decisions with 403 and says why', async () => {
    const id = testId('ro-gate');
    await env.pipelines.start(gate('triage-ro', []), { id });
    await eventually(async () => (await env.pipelines.progress(id)).status === 'awaiting_approval');
    const refused = await api<{ error: { message: string } }>(
      'POST',
      `/api/pipelines/${id}/approval`,
      SHARED,
      { stepId: 'go', decision: 'approve' },
      readOnly.url,
    );
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /read-only/);
    await env.pipelines.cancel(id);
  });

  test('the list shows one row per pipeline id (its latest run) with failure reason and duration', async () => {
    const name = `triage-list-${testId('n').slice(2)}`;
    const id = testId('triage-failed');
    await env.pipelines.start(failing(name), { id });
    await assert.rejects(env.pipelines.result(id));

    const failed = await api<PipelinePage>('GET', `/api/pipelines?name=${name}`);
    assert.equal(failed.body.pipelines.length, 1);
    const row = failed.body.pipelines[0]!;
    assert.equal(row.status, 'failed');
    assert.match(row.reason ?? '', /bad row 7/);
    assert.equal(typeof row.durationMs, 'number');

    const resumed = await env.pipelines.resume(id, {
      fromStep: 'load',
      input: { category: 'validation', times: 0 },
    });
    await env.pipelines.result(id);
    await eventually(async () => {
      const after = await api<PipelinePage>('GET', `/api/pipelines?name=${name}`);
      assert.deepEqual(
        after.body.pipelines.map((p) => [p.pipelineId, p.runId, p.status]),
        [[id, resumed.runId, 'completed']],
      );
      assert.equal(after.body.pipelines[0]?.reason, undefined);
      return true;
    });
    // The earlier, failed run matches a status filter, but it is not the pipeline's latest run any more.
    const filtered = await api<PipelinePage>('GET', `/api/pipelines?name=${name}&status=failed`);
    assert.deepEqual(filtered.body.pipelines, []);
  });

  test('GET /api/pipelines/:id/graph: nodes and edges of the definition (deps, forEach, compensate, alternatives)', async () => {
    const id = testId('triage-graph');
    const definition = {
      name: 'triage-graph',
      steps: [
        {
          id: 'fetch',
          activity: 'echo',
          input: { items: [1, 2] },
          alternative: [
            { id: 'fetch-mirror', activity: 'echo' },
            { id: 'fetch-cache', activity: 'echo' },
          ],
        },
        { id: 'each', activity: 'echo', forEach: '{{ steps.fetch.output.items }}', input: '{{ item }}' },
        { id: 'side', activity: 'echo', dependsOn: ['fetch'] },
        {
          id: 'store',
          activity: 'echo',
          dependsOn: ['each', 'side'],
          compensate: { activity: 'echo', input: {} },
        },
        { id: 'ok', type: 'approval', when: '{{ steps.store.output }}' },
      ],
    };
    await env.pipelines.start(definition, { id });
    const graph = await api<PipelineGraph>('GET', `/api/pipelines/${id}/graph`);
    assert.equal(graph.status, 200);
    assert.deepEqual(
      graph.body.nodes.map((n) => [n.id, n.kind]),
      [
        ['fetch', 'task'],
        ['fetch-mirror', 'alternative'],
        ['fetch-cache', 'alternative'],
        ['each', 'task'],
        ['side', 'task'],
        ['store', 'task'],
        ['ok', 'approval'],
      ],
    );
    assert.equal(graph.body.nodes.find((n) => n.id === 'each')?.forEach, true);
    assert.equal(graph.body.nodes.find((n) => n.id === 'store')?.compensate, 'echo');
    assert.equal(graph.body.nodes.find((n) => n.id === 'ok')?.conditional, true);
    assert.deepEqual(graph.body.edges.map((e) => `${e.from}>${e.to}:${e.kind}`).sort(), [
      'each>store:dependency',
      'fetch-mirror>fetch-cache:alternative',
      'fetch>each:dependency',
      'fetch>fetch-mirror:alternative',
      'fetch>side:dependency',
      'side>store:dependency',
      'store>ok:dependency',
    ]);
    const missing = await api<{ error: { code: string } }>('GET', '/api/pipelines/no-such-pipeline-x/graph');
    assert.equal(missing.status, 404);
    await env.pipelines.result(id).catch(() => undefined);
  });
});

describe('dashboard settings: per-user tokens and the Temporal Web UI URL', () => {
  test('STEPLINE_API_TOKENS is name:token pairs; a bad entry is named by position, never by its token', () => {
    assert.deepEqual(parseUserTokens('alice:t-1, bob:t-2'), [
      { name: 'alice', token: 't-1' },
      { name: 'bob', token: 't-2' },
    ]);
    assert.deepEqual(parseUserTokens(''), []);
    assert.throws(
      () => parseUserTokens('alice:sekret-1,bob'),
      (err: Error) => {
        assert.match(err.message, /entry 2: expected name:token/);
        assert.doesNotMatch(err.message, /sekret/);
        return true;
      },
    );
    assert.throws(
      () => parseUserTokens('alice:sekret-1,bob:sekret-1'),
      (err: Error) => {
        assert.match(err.message, /entry 2 \(bob\): the same token/);
        assert.doesNotMatch(err.message, /sekret/);
        return true;
      },
    );
    assert.throws(() => parseUserTokens('alice:a,alice:b'), /the name alice is listed twice/);
    const settings = dashboardSettingsFromEnv({
      STEPLINE_API_TOKENS: 'alice:t-1',
      STEPLINE_TEMPORAL_UI_URL: 'http://ui.example:8233/',
    });
    assert.deepEqual(settings.apiTokens, [{ name: 'alice', token: 't-1' }]);
    assert.equal(settings.temporalUiUrl, 'http://ui.example:8233');
    assert.throws(
      () => dashboardSettingsFromEnv({ STEPLINE_TEMPORAL_UI_URL: 'javascript:alert(1)' }),
      /STEPLINE_TEMPORAL_UI_URL: expected an http or https URL/,
    );
  });
});
