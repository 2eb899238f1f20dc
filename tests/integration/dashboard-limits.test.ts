/**
 * The dashboard under hostile use: live streams capped per client and in total (503 + Retry-After, a
 * closed stream frees its slot), a Host-header check against DNS rebinding, and definition text built to
 * exhaust a parser (alias bombs, dangling aliases, oversize, absurd nesting) answered with 400.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { LIMITS } from '../../src/pipeline/limits.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.js';
import { useDashboard } from '../helpers/browser.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';
import { ALIAS_BOMB, deepDefinitionJson, deepJsonList } from '../helpers/hostile-definitions.js';

const TOKEN = 'limits-test-token-3b9e';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body read so far (all of it for a plain answer). */
  body: () => string;
  /** Closes the connection (ends a stream). */
  close: () => void;
}

/**
 * A GET through node:http, so the Host header and the source address can be chosen. Resolves once the
 * status line and headers are in: for an SSE stream the connection stays open until `close()`.
 */
function get(
  port: number,
  path: string,
  options: { host?: string; localAddress?: string; connectTo?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let body = '';
    const request = http.get(
      {
        host: options.connectTo ?? '127.0.0.1',
        port,
        path,
        agent: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        headers: { ...(options.host ? { Host: options.host } : {}), Accept: 'text/event-stream' },
      },
      (response) => {
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('error', () => undefined);
        const answer: Answer = {
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: () => body,
          close: () => request.destroy(),
        };
        if (response.headers['content-type']?.startsWith('text/event-stream')) resolve(answer);
        else response.on('end', () => resolve(answer));
      },
    );
    request.on('error', reject);
  });
}

describe('dashboard limits on a real Temporal server', () => {
  const env = useTestEnv();
  const dashboard = useDashboard(() => env, { apiToken: TOKEN });

  /** A pipeline that waits at an approval gate (so its streams stay open), for the whole suite. */
  const waiting = async () => {
    const id = testId('limits-gate');
    await env.pipelines.start({ name: 'limits-gate', steps: [{ id: 'gate', type: 'approval' }] }, { id });
    await eventually(async () => (await env.pipelines.progress(id)).pending?.stepId === 'gate', 30_000);
    return id;
  };

  test('one client gets at most maxStreamsPerClient streams, all clients maxStreams; closing one frees its slot', async () => {
    const id = await waiting();
    const capped: RunningDashboard = await startDashboard({
      client: env.pipelines,
      port: 0,
      apiToken: TOKEN,
      maxStreams: 3,
      maxStreamsPerClient: 2,
      pollIntervalMs: 200,
    });
    const open: Answer[] = [];
    try {
      const path = `/api/pipelines/${id}/events`;
      open.push(await get(capped.port, path), await get(capped.port, path));
      assert.deepEqual(
        open.map((a) => a.status),
        [200, 200],
      );
      const third = await get(capped.port, path);
      assert.equal(third.status, 503);
      assert.equal(third.headers['retry-after'], '5');
      const error = JSON.parse(third.body()) as { error: { code: string; message: string } };
      assert.equal(error.error.code, 'too_many_streams');
      assert.match(error.error.message, /from this client \(at most 2\)/);

      // Another client (another loopback source address) still gets one: the total is 3.
      open.push(await get(capped.port, path, { localAddress: '127.0.0.2' }));
      assert.equal(open[2]!.status, 200);
      const overTotal = await get(capped.port, path, { localAddress: '127.0.0.3' });
      assert.equal(overTotal.status, 503);
      assert.ok(overTotal.headers['retry-after']);
      assert.match(overTotal.body(), /too many live streams on this dashboard \(at most 3\)/);

      // Closing a stream frees its slot: the first client may open one again.
      open.shift()!.close();
      const again = await eventually(async () => {
        const answer = await get(capped.port, path);
        if (answer.status !== 200) return false;
        return answer;
      });
      open.push(again);
      assert.equal(again.status, 200);
    } finally {
      for (const answer of open) answer.close();
      await capped.close();
    }
  });

  test('bound beyond loopback, only allowed hosts (and loopback names) are served; others get 421', async () => {
    const wide = await startDashboard({
      client: env.pipelines,
      port: 0,
      host: '0.0.0.0',
      allowedHosts: ['dash.example', '*.corp.example'],
    });
    try {
      const path = '/api/pipelines?limit=1';
      const evil = await get(wide.port, path, { host: 'evil.example' });
      assert.equal(evil.status, 421);
      const body = JSON.parse(evil.body()) as { error: { code: string } };
      assert.equal(body.error.code, 'misdirected_request');
      assert.equal(evil.headers['x-frame-options'], 'DENY', 'refusals carry the security headers');
      assert.equal((await get(wide.port, '/', { host: `evil.example:${wide.port}` })).status, 421);
      assert.equal((await get(wide.port, path, { host: 'dash.example.evil.example' })).status, 421);
      assert.equal((await get(wide.port, path, { host: `dash.example:${wide.port}` })).status, 200);
      assert.equal((await get(wide.port, path, { host: 'ops.corp.example' })).status, 200);
      assert.equal((await get(wide.port, path, { host: `localhost:${wide.port}` })).status, 200);
      assert.equal((await get(wide.port, path, { host: `127.0.0.1:${wide.port}` })).status, 200);
    } finally {
      await wide.close();
    }
  });

  test('bound on loopback, localhost, 127.0.0.1 and [::1] on any port are served; a rebinding name is not', async () => {
    const port = dashboard.running.port;
    const path = '/api/pipelines?limit=1';
    for (const host of ['localhost', `localhost:${port}`, '127.0.0.1:1', `[::1]:${port}`, 'LOCALHOST.']) {
      assert.equal((await get(port, path, { host })).status, 200, host);
    }
    for (const host of ['evil.example', `attacker.example:${port}`, '127.0.0.1.evil.example', '[::2]']) {
      assert.equal((await get(port, path, { host })).status, 421, host);
    }
  });

  test('hostile definition text is a 400 with the problem, never a 500', async () => {
    const post = async (definition: unknown, bodyText?: string) => {
      const response = await fetch(`${dashboard.url}/api/pipelines`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: bodyText ?? JSON.stringify({ definition }),
      });
      return {
        status: response.status,
        body: (await response.json()) as {
          error: { code: string; issues?: { path: string; message: string }[] };
        },
      };
    };
    const bomb = await post(ALIAS_BOMB);
    assert.equal(bomb.status, 400);
    assert.equal(bomb.body.error.code, 'invalid_definition');
    assert.match(
      bomb.body.error.issues?.[0]?.message ?? '',
      /^invalid YAML: line \d+, column \d+: alias \*\w expands too much/,
    );

    const dangling = await post('name: p\nsteps: *nowhere\n');
    assert.equal(dangling.status, 400);
    assert.match(
      dangling.body.error.issues?.[0]?.message ?? '',
      /line 2, column 8: alias \*nowhere has no anchor/,
    );

    const oversize = await post(`name: big\n# ${'x'.repeat(LIMITS.maxDefinitionBytes)}\nsteps: []\n`);
    assert.equal(oversize.status, 400);
    assert.match(oversize.body.error.issues?.[0]?.message ?? '', /the limit is 256 KiB/);

    const deepText = await post(deepDefinitionJson(100_000));
    assert.equal(deepText.status, 400);
    assert.match(deepText.body.error.issues?.[0]?.path ?? '', /^steps\[0\]\.input/);

    // The same nesting as a JSON object in the request body (not text).
    const deepObject = await post(
      undefined,
      `{"definition":{"name":"deep","steps":[{"id":"a","activity":"echo","input":${deepJsonList(100_000)}}]}}`,
    );
    assert.equal(deepObject.status, 400);
    assert.match(deepObject.body.error.issues?.[0]?.message ?? '', /nested deeper than/);
  });
});
