/**
 * `http.request`'s URL policy through a real worker: loopback listeners the policy must keep pipelines
 * away from, unless STEPLINE_HTTP_ALLOW says otherwise. The worker reads the setting at each call, so the
 * tests set it in this process.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import type { PipelineDefinitionInput } from '../../src/pipeline/definition.js';
import { failureDetails, startedAttempts, testId, useTestEnv } from '../helpers/harness.js';

interface Listener {
  server: Server;
  port: number;
  requests: Array<{ url: string; headers: IncomingMessage['headers'] }>;
}

async function listen(
  host: string,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Listener> {
  const requests: Listener['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

function close(listener: Listener | undefined): void {
  listener?.server.closeAllConnections();
  listener?.server.close();
}

function oneRequest(url: string, extra: Record<string, unknown> = {}): PipelineDefinitionInput {
  return {
    name: 'ssrf',
    steps: [{ id: 'call', activity: 'http.request', input: { url }, ...extra }],
  };
}

describe('http.request URL policy (SSRF)', () => {
  const env = useTestEnv();
  let admin: Listener;
  let redirector: Listener;

  before(async () => {
    delete process.env.STEPLINE_HTTP_ALLOW;
    // Stands for the dev server's HTTP API, the worker's /metrics: what a pipeline must not reach.
    admin = await listen('127.0.0.1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"admin":true}');
    });
    redirector = await listen('127.0.0.2', (req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/';
      res.writeHead(302, { location: to }).end();
    });
  });
  after(() => {
    close(admin);
    close(redirector);
    delete process.env.STEPLINE_HTTP_ALLOW;
  });
  afterEach(() => delete process.env.STEPLINE_HTTP_ALLOW);

  test('every form of a loopback address is refused by default: the listener sees nothing, one attempt, validation URL_DENIED', async () => {
    const hosts = [
      '127.0.0.1',
      'localhost',
      '0.0.0.0',
      '2130706433',
      '0177.0.0.1',
      '0x7f.1',
      '127.1',
      '[::1]',
      '[::ffff:127.0.0.1]',
    ];
    const seen = admin.requests.length;
    await Promise.all(
      hosts.map(async (host) => {
        const id = testId('ssrf-form');
        const failure = await failureDetails(env, oneRequest(`http://${host}:${admin.port}/admin`), id);
        const step = failure.progress.steps[0]!;
        assert.equal(failure.category, 'validation', host);
        assert.equal(step.status, 'failed', host);
        assert.equal(step.error?.code, 'URL_DENIED', host);
        assert.match(
          step.error?.message ?? '',
          /^http\.request refused http:\/\/\S+\/admin: .*(loopback|unspecified) address.*; allow it with STEPLINE_HTTP_ALLOW \(hosts, IPs, CIDRs\)$/,
          host,
        );
        assert.deepEqual(await startedAttempts(env.client, id), [1], `${host}: fail fast, one attempt`);
      }),
    );
    assert.equal(admin.requests.length, seen, 'no request reached the listener');
  });

  test('a redirect from an allowed host to a denied one is refused before the denied host sees anything', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.2';
    const seen = admin.requests.length;
    const to = `http://127.0.0.1:${admin.port}/admin`;
    const id = testId('ssrf-redirect');
    const failure = await failureDetails(
      env,
      oneRequest(`http://127.0.0.2:${redirector.port}/go?to=${encodeURIComponent(to)}`),
      id,
    );
    const error = failure.progress.steps[0]!.error!;
    assert.equal(error.category, 'validation');
    assert.equal(error.code, 'URL_DENIED');
    assert.match(
      error.message,
      /refused http:\/\/127\.0\.0\.1:\d+\/admin \(redirected from http:\/\/127\.0\.0\.2:\d+\/go\)/,
    );
    assert.equal(redirector.requests.length > 0, true, 'the allowed host was asked');
    assert.equal(admin.requests.length, seen, 'the denied host saw nothing');
    assert.deepEqual(await startedAttempts(env.client, id), [1]);
  });

  test('STEPLINE_HTTP_ALLOW lets the pipeline through, redirects included', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.0/8';
    const to = `http://127.0.0.1:${admin.port}/admin`;
    const result = await env.pipelines.startAndWait(
      {
        name: 'ssrf-allowed',
        steps: [
          { id: 'direct', activity: 'http.request', input: { url: `http://2130706433:${admin.port}/admin` } },
          {
            id: 'redirected',
            activity: 'http.request',
            input: { url: `http://127.0.0.2:${redirector.port}/go?to=${encodeURIComponent(to)}` },
          },
        ],
      },
      { id: testId('ssrf-allowed') },
    );
    assert.deepEqual((result.outputs.direct as { body: unknown }).body, { admin: true });
    assert.deepEqual((result.outputs.redirected as { body: unknown }).body, { admin: true });
  });

  test('credentials and the query string of a failed request appear nowhere: not in the error, the progress or its events', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    const closed = await listen('127.0.0.1', () => undefined);
    close(closed);
    await new Promise((resolve) => closed.server.once('close', resolve));
    const id = `ssrf-secret-${Date.now()}`;
    const failure = await failureDetails(
      env,
      oneRequest(`http://user:secret@127.0.0.1:${closed.port}/data?token=abc`, {
        recovery: [
          {
            match: { category: 'network' },
            strategy: 'retry',
            retry: { maxAttempts: 2, initialInterval: '50ms' },
          },
        ],
      }),
      id,
    );
    const error = failure.progress.steps[0]!.error!;
    assert.equal(error.category, 'network');
    assert.equal(error.code, 'ECONNREFUSED');
    assert.match(error.message, new RegExp(`^GET http://127\\.0\\.0\\.1:${closed.port}/data failed: `));
    assert.deepEqual(await startedAttempts(env.client, id), [2]);
    const progress = await env.pipelines.progress(id);
    // Ids are random hex: leave them out of what is searched for "abc".
    const { runId } = failure.progress;
    for (const text of [failure.message, JSON.stringify(failure), JSON.stringify(progress)]) {
      const searched = text.split(runId).join('').split(id).join('');
      assert.ok(!searched.includes('secret'), searched);
      assert.ok(!searched.includes('abc'), searched);
    }
    assert.ok(
      progress.events.some((event) => event.stepId === 'call'),
      'the step has events',
    );
  });
});
