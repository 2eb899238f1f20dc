import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parse } from 'yaml';
import { LIMITS } from '../../src/pipeline/limits.js';
import { NOTIFY_EVENTS, notifyEventOf } from '../../src/pipeline/notify.js';
import { validateDefinition } from '../../src/pipeline/validate.js';

const base = { name: 'n', steps: [{ id: 'a', activity: 'echo' }] };

function issues(notify: unknown, handlers?: string[]): Array<{ path: string; message: string }> {
  const result = validateDefinition({ ...base, notify }, handlers ? { handlers } : {});
  return result.ok ? [] : result.issues;
}

test('a webhook rule and a step rule with batch and retry are valid, durations become ms', () => {
  const result = validateDefinition({
    ...base,
    notify: [
      {
        on: ['approval_requested', 'failed'],
        webhook: { url: 'https://hooks.example/x?t=1', headers: { authorization: 'Bearer t' } },
        batch: { window: '30s', max: 5 },
        retry: { maxAttempts: 3, initialInterval: '2s' },
      },
      {
        on: ['completed'],
        step: { activity: 'echo', input: { text: '{{ event.message }} {{ params.x }}' } },
      },
    ],
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  assert.equal(result.definition.notify?.[0]?.batch?.window, 30_000);
  assert.equal(result.definition.notify?.[0]?.retry?.initialInterval, 2_000);
});

test('every problem of a notify rule is reported with its path', () => {
  const found = issues([
    { on: ['failed', 'nope'], webhook: { url: 'ftp://x' } },
    { on: [], webhook: { url: 'https://x' }, step: { activity: 'echo' } },
    { on: ['completed'] },
    { on: ['completed'], webhook: { url: 'https://x', extra: 1 }, batch: { window: '2h', max: 0 } },
    {
      on: ['completed'],
      webhook: { url: 'https://x' },
      retry: { maxAttempts: LIMITS.maxNotifyAttempts + 1 },
    },
  ]);
  const paths = found.map((i) => i.path);
  for (const path of [
    'notify[0].on[1]',
    'notify[0].webhook.url',
    'notify[1].on',
    'notify[1]',
    'notify[2]',
    'notify[3].webhook.extra',
    'notify[3].batch.window',
    'notify[3].batch.max',
    'notify[4].retry.maxAttempts',
  ])
    assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
  assert.match(
    found.find((i) => i.path === 'notify[0].on[1]')!.message,
    /expected one of approval_requested/,
  );
  assert.match(found.find((i) => i.path === 'notify[1]')!.message, /exactly one of webhook, step/);
});

test('rule count, URL length, header count, header names and values are bounded', () => {
  const rule = { on: ['completed'], webhook: { url: 'https://x' } };
  assert.match(
    issues(Array.from({ length: LIMITS.maxNotifyRules + 1 }, () => rule))[0]!.message,
    /at most 20 item/,
  );
  const long = `https://x/${'a'.repeat(LIMITS.maxNotifyUrlLength)}`;
  assert.equal(issues([{ on: ['completed'], webhook: { url: long } }])[0]?.path, 'notify[0].webhook.url');
  const many = Object.fromEntries(
    Array.from({ length: LIMITS.maxNotifyHeaders + 1 }, (_, i) => [`h${i}`, 'v']),
  );
  assert.match(
    issues([{ on: ['completed'], webhook: { url: 'https://x', headers: many } }])[0]!.message,
    /at most 20 headers/,
  );
  const bad = issues([
    {
      on: ['completed'],
      webhook: {
        url: 'https://x',
        headers: {
          'bad name': 'v',
          'x-long': 'v'.repeat(LIMITS.maxNotifyHeaderValueLength + 1),
          'x-break': 'secret-value\r\nx: y',
        },
      },
    },
  ]);
  assert.deepEqual(bad.map((i) => i.path).sort(), [
    'notify[0].webhook.headers["bad name"]',
    'notify[0].webhook.headers["x-break"]',
    'notify[0].webhook.headers["x-long"]',
  ]);
});

test('header values and URL credentials never appear in validation messages', () => {
  const found = issues([
    {
      on: ['completed'],
      webhook: {
        url: 'ftp://user:hunter2-password@x',
        headers: { authorization: 'Bearer top-secret-token\n', 'x-n': ['listed-secret'], 'x-num': 98765432 },
      },
    },
  ]);
  assert.deepEqual(
    found.map((i) => i.path),
    ['notify[0].webhook.url', 'notify[0].webhook.headers.authorization', 'notify[0].webhook.headers["x-n"]'],
  );
  const text = JSON.stringify(found);
  for (const secret of ['hunter2-password', 'top-secret-token', 'listed-secret', '98765432'])
    assert.ok(!text.includes(secret), `${secret} not in ${text}`);
});

test('a notify step reads only event and params, and its handler must be registered', () => {
  const found = issues(
    [
      {
        on: ['failed'],
        step: { activity: 'slack', input: { a: '{{ steps.a.output }}', b: '{{ event.message }}' } },
      },
    ],
    ['echo'],
  );
  assert.deepEqual(
    found.map((i) => i.path),
    ['notify[0].step.activity', 'notify[0].step.input.a'],
  );
  assert.match(found[1]!.message, /unknown name "steps"; a notify step reads params, event/);
});

test('a step input cannot read event', () => {
  const result = validateDefinition({
    name: 'n',
    steps: [{ id: 'a', activity: 'echo', input: '{{ event.id }}' }],
  });
  assert.ok(!result.ok);
  assert.equal(result.issues[0]!.path, 'steps[0].input');
  assert.match(result.issues[0]!.message, /event is only defined in the input of a notify step/);
});

test('the notify events map from the progress events that raise them', () => {
  assert.deepEqual(
    [
      'approval_requested',
      'intervention_requested',
      'pipeline_failed',
      'pipeline_completed',
      'pipeline_rolled_back',
    ].map(notifyEventOf),
    [...NOTIFY_EVENTS],
  );
  assert.equal(notifyEventOf('pipeline_cancelled'), undefined);
  assert.equal(notifyEventOf('notification_failed'), undefined);
});

test('the example in docs/notifications.md is a valid definition', async () => {
  const text = await readFile(new URL('../../docs/notifications.md', import.meta.url), 'utf8');
  const yaml = /^```yaml\n([\s\S]*?)^```$/m.exec(text)?.[1];
  assert.ok(yaml, 'a yaml block');
  const result = validateDefinition(parse(yaml), { handlers: ['http.request', 'slack.post'] });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  assert.equal(result.definition.notify?.length, 3);
});
