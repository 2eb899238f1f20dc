import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelledFailure } from '@temporalio/common';
import { failureOf, stepEnv } from './activities-harness.js';

// --- echo, delay, fail -------------------------------------------------------------------------------

test('echo returns its input unchanged', async () => {
  const { run } = stepEnv();
  for (const input of [{ a: [1, { b: null }] }, [1, 2], 'text', 0, null, true]) {
    assert.deepEqual(await run('echo', { input }), input);
  }
});

test('delay waits ms, reports progress `ticks` times evenly, and returns { sleptMs }', async () => {
  const { run, heartbeats } = stepEnv();
  const started = performance.now();
  assert.deepEqual(await run('delay', { input: { ms: 80, ticks: 4 } }), { sleptMs: 80 });
  assert.ok(performance.now() - started >= 75);
  assert.deepEqual(heartbeats, [
    { percent: 25, message: 'slept 20 of 80 ms' },
    { percent: 50, message: 'slept 40 of 80 ms' },
    { percent: 75, message: 'slept 60 of 80 ms' },
    { percent: 100, message: 'slept 80 of 80 ms' },
  ]);
});

test('delay without ticks reports about once per second, at least once', async () => {
  const short = stepEnv();
  await short.run('delay', { input: { ms: 10 } });
  assert.deepEqual(short.heartbeats, [{ percent: 100, message: 'slept 10 of 10 ms' }]);
  const zero = stepEnv();
  assert.deepEqual(await zero.run('delay', { input: { ms: 0 } }), { sleptMs: 0 });
  assert.equal(zero.heartbeats.length, 1);
});

test('a cancelled delay stops at once with the CancelledFailure', async () => {
  const { run, env, heartbeats } = stepEnv();
  env.once('heartbeat', () => env.cancel());
  const started = performance.now();
  await assert.rejects(run('delay', { input: { ms: 60_000, ticks: 600 } }), CancelledFailure);
  assert.ok(performance.now() - started < 5_000);
  assert.equal(heartbeats.length, 1);
});

test('delay rejects unknown fields and negative durations as validation', async () => {
  const { run } = stepEnv();
  const { details } = await failureOf(run('delay', { input: { ms: -1, tick: 2 } }));
  assert.equal(details.category, 'validation');
  assert.match(details.message, /^delay input invalid: ms: .*; Unrecognized key: "tick"$/);
});

/** Failure details without the attempt history a retried attempt's failure carries (attempt-trail.ts). */
function withoutAttempts(details: object): object {
  const { attempts: _attempts, attemptsOmitted: _omitted, ...rest } = details as Record<string, unknown>;
  return rest;
}

test('fail throws its category and severity on the first `times` attempts, then returns output', async () => {
  const input = {
    times: 2,
    category: 'rate_limit',
    severity: 'low',
    message: 'slow down',
    output: { ok: 1 },
  };
  for (const attempt of [1, 2]) {
    const { failure, details } = await failureOf(stepEnv({ attempt }).run('fail', { input }));
    assert.equal(failure.type, 'rate_limit');
    assert.deepEqual(withoutAttempts(details), {
      category: 'rate_limit',
      severity: 'low',
      message: 'slow down',
      name: 'StepError',
    });
  }
  assert.deepEqual(await stepEnv({ attempt: 3 }).run('fail', { input }), { ok: 1 });
});

test('fail without times fails on every attempt, as internal with its default severity', async () => {
  const { details } = await failureOf(stepEnv({ attempt: 9 }).run('fail', { input: {} }));
  assert.deepEqual(withoutAttempts(details), {
    category: 'internal',
    severity: 'high',
    message: 'deliberate failure on attempt 9',
    name: 'StepError',
  });
});

test('fail with times 0 succeeds at once with null when no output is given', async () => {
  assert.equal(await stepEnv().run('fail', { input: { times: 0 } }), null);
});

test('fail rejects a category that does not exist', async () => {
  const { details } = await failureOf(stepEnv().run('fail', { input: { category: 'cosmic_rays' } }));
  assert.equal(details.category, 'validation');
  assert.match(details.message, /^fail input invalid: category: /);
});

// --- http.request --------------------------------------------------------------------------------------

let server: Server;
let base: string;
const received: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> =
  [];

before(async () => {
  // The listener is on loopback, which the URL policy refuses unless allowed.
  process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/json') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-trace': 'abc' });
        res.end(JSON.stringify({ items: [1, 2], ok: true }));
      } else if (path === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
      } else if (path === '/echo') {
        res.writeHead(201, { 'content-type': 'application/json' }).end(body);
      } else if (path === '/empty') {
        res.writeHead(204).end();
      } else if (path === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such order"}');
      } else if (path === '/limited') {
        res.writeHead(429, { 'retry-after': '7' }).end('quota exceeded');
      } else if (path === '/broken') {
        res.writeHead(500).end('kaput');
      } else if (path === '/forbidden') {
        res.writeHead(403).end();
      } else if (path === '/reflect') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ saw: req.headers }));
      } else if (path === '/slow') {
        setTimeout(() => res.writeHead(200).end('late'), 3_000).unref();
      } else {
        res.writeHead(418).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  delete process.env.STEPLINE_HTTP_ALLOW;
  server.closeAllConnections();
  server.close();
});

test('http.request returns status, lower-cased headers and a JSON body parsed', async () => {
  const output = (await stepEnv().run('http.request', { input: { url: `${base}/json` } })) as {
    status: number;
    headers: Record<string, string>;
    body: unknown;
  };
  assert.equal(output.status, 200);
  assert.equal(output.headers['x-trace'], 'abc');
  assert.equal(output.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(output.body, { items: [1, 2], ok: true });
});

test('http.request returns a non-JSON body as text and a bodiless answer as null', async () => {
  const text = (await stepEnv().run('http.request', { input: { url: `${base}/text` } })) as { body: unknown };
  assert.equal(text.body, 'plain words');
  const empty = (await stepEnv().run('http.request', { input: { url: `${base}/empty` } })) as {
    status: number;
    body: unknown;
  };
  assert.deepEqual([empty.status, empty.body], [204, null]);
});

test('http.request sends an object body as JSON with the method and headers given', async () => {
  const output = (await stepEnv().run('http.request', {
    input: { url: `${base}/echo`, method: 'post', headers: { 'x-count': 3 }, body: { rows: [1] } },
  })) as { status: number; body: unknown };
  assert.deepEqual([output.status, output.body], [201, { rows: [1] }]);
  const request = received.at(-1);
  assert.equal(request?.method, 'POST');
  assert.equal(request?.headers['content-type'], 'application/json');
  assert.equal(request?.headers['x-count'], '3');
});

test('http.request: 404 fails as not_found with code HTTP_404 and the response body in the message', async () => {
  const { failure, details } = await failureOf(
    stepEnv().run('http.request', { input: { url: `${base}/missing?id=1` } }),
  );
  assert.equal(failure.type, 'not_found');
  assert.equal(details.code, 'HTTP_404');
  assert.equal(details.message, `GET ${base}/missing answered 404 Not Found: {"error":"no such order"}`);
});

test('http.request: 429 fails as rate_limit and the next attempt waits for Retry-After', async () => {
  const { failure, details } = await failureOf(
    stepEnv().run('http.request', { input: { url: `${base}/limited` } }),
  );
  assert.equal(failure.type, 'rate_limit');
  assert.equal(failure.nextRetryDelay, 7_000);
  assert.match(details.message, /answered 429 Too Many Requests: quota exceeded$/);
});

test('http.request: 5xx fails as dependency, 403 as auth', async () => {
  const broken = await failureOf(stepEnv().run('http.request', { input: { url: `${base}/broken` } }));
  assert.equal(broken.failure.type, 'dependency');
  assert.equal(broken.details.code, 'HTTP_500');
  const forbidden = await failureOf(stepEnv().run('http.request', { input: { url: `${base}/forbidden` } }));
  assert.equal(forbidden.failure.type, 'auth');
});

test('http.request: a refused connection fails as network with code ECONNREFUSED', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const { failure, details } = await failureOf(
    stepEnv().run('http.request', { input: { url: `http://127.0.0.1:${port}/x` } }),
  );
  assert.equal(failure.type, 'network');
  assert.equal(details.code, 'ECONNREFUSED');
  assert.match(details.message, new RegExp(`^GET http://127.0.0.1:${port}/x failed: connect ECONNREFUSED`));
});

test('http.request: timeoutMs elapsing fails as timeout', async () => {
  const started = performance.now();
  const { failure, details } = await failureOf(
    stepEnv().run('http.request', { input: { url: `${base}/slow`, timeoutMs: 100 } }),
  );
  assert.ok(performance.now() - started < 2_000);
  assert.equal(failure.type, 'timeout');
  assert.equal(details.message, `GET ${base}/slow timed out after 100 ms`);
});

test('http.request is cancelled with the activity', async () => {
  const { run, env } = stepEnv();
  const running = run('http.request', { input: { url: `${base}/slow` } });
  setTimeout(() => env.cancel(), 50);
  await assert.rejects(running, CancelledFailure);
});

test('http.request never puts header values or the query string into error messages', async () => {
  const secret = 'Bearer sk-live-0123456789abcdef';
  const { failure, details } = await failureOf(
    stepEnv().run('http.request', {
      input: {
        url: `${base}/reflect?token=hunter2hunter2`,
        headers: { Authorization: secret, 'x-api-key': 'k3y-v4lue' },
      },
    }),
  );
  assert.equal(failure.type, 'validation');
  for (const text of [details.message, failure.message, JSON.stringify(failure.details)]) {
    assert.ok(!text.includes('sk-live-0123456789abcdef'), text);
    assert.ok(!text.includes('k3y-v4lue'), text);
    assert.ok(!text.includes('hunter2'), text);
  }
  assert.match(details.message, /\[redacted\]/);
});

test('http.request rejects a bad URL, a body on GET and header values with line breaks, naming the paths', async () => {
  const { details } = await failureOf(
    stepEnv().run('http.request', {
      input: { url: 'ftp://example.com/x', body: { a: 1 }, headers: { 'x-evil': 'a\r\nb' } },
    }),
  );
  assert.equal(details.category, 'validation');
  assert.match(details.message, /^http\.request input invalid: /);
  assert.match(details.message, /url: expected an absolute http or https URL/);
  assert.match(details.message, /headers\["x-evil"\]: header value contains a line break or NUL/);
  assert.ok(!details.message.includes('a\r\nb'));
});
