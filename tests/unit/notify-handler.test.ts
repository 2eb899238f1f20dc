/**
 * The `stepline.notify` handler on a mock activity: the URL policy applies, and what it throws or logs
 * never carries a header value, URL credentials or the URL's path (webhook URLs carry tokens there).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { withAbsoluteLinks } from '../../src/activities/builtins/notify.js';
import { failureOf, stepEnv } from './activities-harness.js';

const SECRETS = ['hdr-secret-value-123', 'url-password-456', 'path-token-789'];

let server: Server;
let port: number;
const bodies: unknown[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({
        key: req.headers['idempotency-key'],
        body: JSON.parse(Buffer.concat(chunks).toString()),
      });
      res.writeHead(req.url?.includes('fail') ? 503 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
afterEach(() => delete process.env.STEPLINE_HTTP_ALLOW);

const input = (path: string) => ({
  url: `http://hook:${SECRETS[1]}@127.0.0.1:${port}/${path}/${SECRETS[2]}`,
  headers: { 'x-api-key': SECRETS[0] },
  payload: { id: 'p-1/notify/0/3', event: 'completed' },
});

function assertNoSecret(text: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} in ${text}`);
}

test('a loopback webhook is refused without STEPLINE_HTTP_ALLOW: validation URL_DENIED, nothing sent, no secret in the failure', async () => {
  const seen = bodies.length;
  const { failure, details } = await failureOf(stepEnv().run('stepline.notify', { input: input('ok') }));
  assert.equal(details.category, 'validation');
  assert.equal(details.code, 'URL_DENIED');
  assert.equal(bodies.length, seen);
  assertNoSecret(`${failure.message} ${failure.stack} ${JSON.stringify(details)}`);
  assert.match(failure.message, new RegExp(`http://127\\.0\\.0\\.1:${port}/…`));
});

test('an allowed webhook gets the payload as JSON with the id as Idempotency-Key', async () => {
  process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
  const output = await stepEnv().run('stepline.notify', { input: input('ok') });
  assert.deepEqual(output, { status: 204 });
  assert.deepEqual(bodies.at(-1), {
    key: 'p-1/notify/0/3',
    body: { id: 'p-1/notify/0/3', event: 'completed' },
  });
});

test('a 503 fails as dependency, and neither the failure nor the logs carry a secret', async () => {
  process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
  const env = stepEnv();
  const { failure, details } = await failureOf(env.run('stepline.notify', { input: input('fail') }));
  assert.equal(details.category, 'dependency');
  assertNoSecret(`${failure.message} ${failure.stack} ${JSON.stringify(details)}`);
  assertNoSecret(JSON.stringify(env.logs.map((l) => [l.message, l.meta])));
});

test('with STEPLINE_DASHBOARD_URL the links of an event and of a batch become absolute', () => {
  const event = { id: 'e', link: '#/pipelines/p-1' };
  assert.equal(withAbsoluteLinks(event, undefined), event);
  assert.deepEqual(withAbsoluteLinks(event, 'https://stepline.example.com/'), {
    id: 'e',
    link: 'https://stepline.example.com/#/pipelines/p-1',
  });
  assert.deepEqual(withAbsoluteLinks({ id: 'b', batch: true, events: [event] }, 'https://s.example'), {
    id: 'b',
    batch: true,
    events: [{ id: 'e', link: 'https://s.example/#/pipelines/p-1' }],
  });
});
