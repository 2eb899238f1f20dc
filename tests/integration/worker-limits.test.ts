/**
 * What a step hands back can never wedge it: huge error messages, outputs that are not JSON and
 * far-future Retry-After answers all end in a prompt, clear failure (or a bounded retry).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { defineStep, MAX_PROGRESS_MESSAGE_LENGTH } from '../../src/activities/index.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import { eventually, failureDetails, startedAttempts, testId, useTestEnv } from '../helpers/harness.js';

const FIVE_MB = 5 * 1024 * 1024;

const huge = defineStep({
  name: 'test.hugeError',
  input: z.unknown(),
  run() {
    throw new Error(`boom ${'x'.repeat(FIVE_MB)}`);
  },
});

const NOT_JSON: Record<string, () => unknown> = {
  function: () => ({ items: [1, 2, 3, () => 'no'] }),
  symbol: () => ({ tag: Symbol('t') }),
  bigint: () => ({ total: 10n }),
};

const notJson = defineStep({
  name: 'test.notJson',
  input: z.object({ kind: z.enum(['function', 'symbol', 'bigint']) }),
  run: ({ kind }) => NOT_JSON[kind]!(),
});

let releaseChatty: () => void = () => undefined;
const chattyReleased = new Promise<void>((resolve) => (releaseChatty = resolve));

/** Heartbeats 5 MB of raw details (dropped), then keeps reporting a 100,000-character message until released. */
const chatty = defineStep({
  name: 'test.chatty',
  input: z.unknown(),
  async run(_input, ctx) {
    ctx.heartbeat({ blob: 'b'.repeat(FIVE_MB) });
    const report = () => ctx.reportProgress(40, `p${'p'.repeat(100_000)}`);
    report();
    const timer = setInterval(report, 200);
    try {
      await chattyReleased;
    } finally {
      clearInterval(timer);
    }
    return { done: true };
  },
});

describe('worker limits', () => {
  const env = useTestEnv({ steps: [huge, notJson, chatty] });

  test('a step throwing a 5 MB message fails at once with the message truncated (not after its timeout)', async () => {
    const id = testId('huge-error');
    const failure = await failureDetails(
      env,
      {
        name: 'huge-error',
        steps: [
          {
            id: 'boom',
            activity: 'test.hugeError',
            input: {},
            // A lost failure would end as a startToClose timeout instead.
            timeouts: { startToClose: '2m' },
            recovery: [{ strategy: 'fail_fast' }],
          },
        ],
      },
      id,
    );
    const error = failure.progress.steps[0]!.error!;
    assert.notEqual(error.category, 'timeout');
    assert.equal(error.category, 'unknown');
    assert.ok(error.message.startsWith('boom xxx'), error.message.slice(0, 50));
    assert.ok(error.message.length <= LIMITS.maxErrorMessageLength, `${error.message.length} characters`);
    assert.deepEqual(await startedAttempts(env.client, id), [1]);
  });

  test('a step returning a function, a Symbol or a BigInt fails as validation on its first attempt, naming the path', async () => {
    const expected: Record<string, RegExp> = {
      function: /output\.items\[3\]: a function is not JSON/,
      symbol: /output\.tag: a Symbol is not JSON/,
      bigint: /output\.total: a BigInt is not JSON/,
    };
    await Promise.all(
      Object.keys(NOT_JSON).map(async (kind) => {
        const id = testId(`not-json-${kind}`);
        const failure = await failureDetails(
          env,
          { name: 'not-json', steps: [{ id: 'out', activity: 'test.notJson', input: { kind } }] },
          id,
        );
        const error = failure.progress.steps[0]!.error!;
        assert.equal(error.category, 'validation', kind);
        assert.equal(error.code, 'OUTPUT_NOT_JSON', kind);
        assert.match(error.message, /^test\.notJson returned a value that is not JSON: /, kind);
        assert.match(error.message, expected[kind]!, kind);
        assert.deepEqual(await startedAttempts(env.client, id), [1], `${kind}: not retried`);
      }),
    );
  });

  test('progress from heartbeats stays small: messages capped, oversize raw details dropped', async () => {
    const id = testId('chatty');
    await env.pipelines.start(
      { name: 'chatty', steps: [{ id: 'talk', activity: 'test.chatty', input: {} }] },
      { id },
    );
    const detail = await eventually(async () => {
      const progress = await env.pipelines.progress(id);
      return progress.steps[0]?.detail?.message ? progress.steps[0].detail : undefined;
    });
    assert.equal(detail.percent, 40);
    assert.ok(detail.message!.startsWith('ppp'));
    assert.ok(detail.message!.length <= MAX_PROGRESS_MESSAGE_LENGTH, `${detail.message!.length} characters`);
    const description = await env.client.workflow.getHandle(id).describe();
    const raw = description.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
    assert.ok(raw && raw.length < 2_000, `heartbeat details are ${raw?.length} bytes`);
    releaseChatty();
    const result = await env.pipelines.result(id);
    assert.deepEqual(result.outputs.talk, { done: true });
  });

  describe('Retry-After', () => {
    let server: Server;
    let port: number;
    let served = 0;
    before(async () => {
      server = createServer((_req, res) => {
        served += 1;
        if (served <= 2) res.writeHead(429, { 'retry-after': '9999999999' }).end('slow down');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    });
    after(() => {
      delete process.env.STEPLINE_HTTP_ALLOW;
      server.closeAllConnections();
      server.close();
    });

    test("a 429 with Retry-After 9999999999 is retried after the rule's maxInterval, not in the year 2319", async () => {
      const id = testId('retry-after');
      const result = await env.pipelines.startAndWait(
        {
          name: 'retry-after',
          steps: [
            {
              id: 'call',
              activity: 'http.request',
              input: { url: `http://127.0.0.1:${port}/limited` },
              recovery: [
                {
                  match: { category: 'rate_limit' },
                  strategy: 'retry_with_backoff',
                  retry: { maxAttempts: 5, initialInterval: '50ms', maxInterval: '200ms' },
                },
              ],
            },
          ],
        },
        { id },
      );
      assert.deepEqual((result.outputs.call as { body: unknown }).body, { ok: true });
      assert.equal(served, 3);
      assert.deepEqual(await startedAttempts(env.client, id), [3]);
    });
  });
});
