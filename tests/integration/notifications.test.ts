/**
 * `notify:` rules through a real worker and a loopback webhook receiver (STEPLINE_HTTP_ALLOW lets the
 * worker reach it; the worker reads the setting at each call).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { z } from 'zod';
import { defineStep } from '../../src/activities/define-step.js';
import { PipelineFailedError } from '../../src/client.js';
import type { PipelineDefinitionInput } from '../../src/pipeline/definition.js';
import type { NotificationBatch, NotificationEvent } from '../../src/pipeline/notify.js';
import type { ProgressEvent } from '../../src/pipeline/progress.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import { eventually, historyEventTypes, startedAttempts, testId, useTestEnv } from '../helpers/harness.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'Bearer s3cret-notify-token-0123456789';
const URL_PASSWORD = 'url-pa55word-secret';

/** What the `notify.recorder` test step was called with. */
const recorded: unknown[] = [];
const recorder = defineStep({
  name: 'notify.recorder',
  input: z.unknown(),
  run(input) {
    recorded.push(input);
    return { ok: true };
  },
});

const notificationEvents = (events: ProgressEvent[]) =>
  events.filter((e) => e.type === 'notification_sent' || e.type === 'notification_failed');

describe('notifications', () => {
  const env = useTestEnv({ steps: [recorder] });
  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await WebhookReceiver.start();
  });
  after(() => {
    receiver.close();
    delete process.env.STEPLINE_HTTP_ALLOW;
  });
  afterEach(() => {
    receiver.respond = () => 200;
    delete process.env.STEPLINE_HTTP_ALLOW;
  });

  test('each rule gets each of its events exactly once, with the pending approval, and secrets stay out of progress', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    const id = testId('notify-once');
    const definition: PipelineDefinitionInput = {
      name: 'notify-once',
      steps: [
        { id: 'build', activity: 'echo', input: { v: 1 } },
        { id: 'gate', type: 'approval', prompt: 'Ship {{ steps.build.output.v }}?' },
        { id: 'ship', activity: 'echo' },
      ],
      notify: [
        {
          on: ['approval_requested', 'completed'],
          webhook: { url: receiver.url(`/${id}/a`), headers: { authorization: SECRET } },
        },
        { on: ['completed', 'failed'], webhook: { url: receiver.url(`/${id}/b`) } },
      ],
    };
    await env.pipelines.start(definition, { id });
    const [asked] = await receiver.waitFor(1, `/${id}/a`);
    const event = asked!.body as NotificationEvent;
    assert.equal(event.event, 'approval_requested');
    assert.equal(event.pipelineId, id);
    assert.equal(event.stepId, 'gate');
    assert.equal(event.name, 'notify-once');
    assert.deepEqual(event.pending?.allowed, ['approve', 'reject']);
    assert.equal(event.pending?.prompt, 'Ship 1?');
    assert.equal(event.link, `#/pipelines/${id}`);
    assert.equal(asked!.headers.authorization, SECRET);
    assert.equal(asked!.headers['idempotency-key'], event.id);

    await env.pipelines.approve(id, 'gate', { by: 'alice' });
    const result = await env.pipelines.result(id);
    assert.equal(result.status, 'completed');

    // The run waited for its notifications before completing: all are in by now.
    const a = receiver.to(`/${id}/a`).map((p) => p.body as NotificationEvent);
    const b = receiver.to(`/${id}/b`).map((p) => p.body as NotificationEvent);
    assert.deepEqual(
      a.map((e) => e.event),
      ['approval_requested', 'completed'],
    );
    assert.deepEqual(
      b.map((e) => e.event),
      ['completed'],
    );
    const ids = [...a, ...b].map((e) => e.id);
    assert.equal(new Set(ids).size, 3, 'every delivery has its own id');

    const progress = await env.pipelines.progress(id);
    const sent = notificationEvents(progress.events);
    assert.deepEqual(
      sent.map((e) => e.type),
      ['notification_sent', 'notification_sent', 'notification_sent'],
    );
    assert.ok(!JSON.stringify(progress).includes('s3cret-notify-token'), 'header value not in progress');
    assert.ok(!JSON.stringify(result).includes('s3cret-notify-token'), 'header value not in the result');
  });

  test('a webhook answering 500 every time does not fail the pipeline: notification_failed, retried with the same id, no secrets', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    receiver.respond = () => 500;
    const id = testId('notify-500');
    const url = `http://hook:${URL_PASSWORD}@127.0.0.1:${receiver.port}/${id}/secret-path-token`;
    const result = await env.pipelines.startAndWait(
      {
        name: 'notify-500',
        steps: [{ id: 'only', activity: 'echo' }],
        notify: [
          {
            on: ['completed'],
            webhook: { url, headers: { 'x-api-key': SECRET, 'x-budget': 2, 'x-test': true } },
            retry: { maxAttempts: 2, initialInterval: '100ms' },
          },
        ],
      },
      { id },
    );
    assert.equal(result.status, 'completed');
    const posts = receiver.to(`/${id}/secret-path-token`);
    assert.equal(posts.length, 2, 'both attempts reached the receiver');
    assert.equal(
      new Set(posts.map((p) => (p.body as NotificationEvent).id)).size,
      1,
      'a retry carries the same id',
    );
    assert.equal(
      posts[0]!.headers.authorization?.startsWith('Basic '),
      true,
      'URL credentials sent as Basic auth',
    );
    assert.equal(posts[0]!.headers['x-budget'], '2', 'a number header value is sent as text');

    const failed = notificationEvents(result.progress.events);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.type, 'notification_failed');
    assert.match(failed[0]!.message, /notify\[0\] \(webhook\) completed failed: dependency: .*answered 500/);
    const text = JSON.stringify(await env.pipelines.progress(id));
    for (const secret of [URL_PASSWORD, 'secret-path-token', 's3cret-notify-token'])
      assert.ok(!text.includes(secret), `${secret} not in progress`);
  });

  test('a private address is refused without STEPLINE_HTTP_ALLOW: recorded as notification_failed, the pipeline still completes', async () => {
    const id = testId('notify-denied');
    const result = await env.pipelines.startAndWait(
      {
        name: 'notify-denied',
        steps: [{ id: 'only', activity: 'echo' }],
        notify: [{ on: ['completed'], webhook: { url: receiver.url(`/${id}`) } }],
      },
      { id },
    );
    assert.equal(result.status, 'completed');
    assert.equal(receiver.to(`/${id}`).length, 0, 'the receiver saw nothing');
    assert.deepEqual(
      await startedAttempts(env.client, id),
      [1, 1],
      'the step, then one notify attempt: not retried',
    );
    const [failed] = notificationEvents(result.progress.events);
    assert.equal(failed?.type, 'notification_failed');
    assert.match(failed!.message, /validation: .*refused .*127\.0\.0\.1 is .*STEPLINE_HTTP_ALLOW/);
  });

  test('a redirect to an address the allow list does not cover is refused: notification_failed, the target sees nothing', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    const id = testId('notify-redirect');
    const hidden = await WebhookReceiver.start('127.0.0.2');
    try {
      receiver.respond = (post) =>
        post.path === `/${id}` ? { status: 307, headers: { location: hidden.url(`/${id}`) } } : 200;
      const result = await env.pipelines.startAndWait(
        {
          name: 'notify-redirect',
          steps: [{ id: 'only', activity: 'echo' }],
          notify: [{ on: ['completed'], webhook: { url: receiver.url(`/${id}`) } }],
        },
        { id },
      );
      assert.equal(result.status, 'completed');
      assert.equal(receiver.to(`/${id}`).length, 1);
      assert.equal(hidden.posts.length, 0, 'the redirect target saw nothing');
      const [failed] = notificationEvents(result.progress.events);
      assert.equal(failed?.type, 'notification_failed');
      assert.match(failed!.message, /validation: .*refused http:\/\/127\.0\.0\.2:\d+\/….*redirected from/);
    } finally {
      hidden.close();
    }
  });

  test('a batched rule delivers a full batch at once and the rest when the pipeline ends', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    const id = testId('notify-batch');
    const failing = (n: number) => ({
      id: `f${n}`,
      activity: 'fail',
      input: { category: 'validation' },
      dependsOn: [],
      recovery: [{ strategy: 'manual_intervention' as const }],
    });
    await env.pipelines.start(
      {
        name: 'notify-batch',
        steps: [failing(1), failing(2), failing(3), failing(4)],
        notify: [
          {
            on: ['intervention_requested', 'completed'],
            webhook: { url: receiver.url(`/${id}`) },
            batch: { window: '1h', max: 4 },
          },
        ],
      },
      { id },
    );
    const [first] = await receiver.waitFor(1, `/${id}`);
    const batch = first!.body as NotificationBatch;
    assert.equal(batch.batch, true);
    assert.equal(batch.count, 4);
    assert.deepEqual(batch.events.map((e) => e.stepId).sort(), ['f1', 'f2', 'f3', 'f4']);
    assert.ok(batch.events.every((e) => e.event === 'intervention_requested'));
    assert.deepEqual(batch.events[0]!.pending?.allowed, ['retry', 'skip', 'rollback', 'abort']);
    for (const step of ['f1', 'f2', 'f3', 'f4'])
      await env.pipelines.intervene(id, { stepId: step, action: 'skip', by: 'bob' });
    const result = await env.pipelines.result(id);
    assert.equal(result.status, 'completed');
    const posts = receiver.to(`/${id}`).map((p) => p.body as NotificationBatch);
    assert.equal(posts.length, 2, 'one full batch, then the one left when the pipeline ended');
    assert.deepEqual(
      posts[1]!.events.map((e) => e.event),
      ['completed'],
    );
  });

  test('a batch window closing delivers what it gathered while the pipeline still waits', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    const id = testId('notify-window');
    const failing = (n: number) => ({
      id: `w${n}`,
      activity: 'fail',
      input: { category: 'validation' },
      dependsOn: [],
      recovery: [{ strategy: 'manual_intervention' as const }],
    });
    await env.pipelines.start(
      {
        name: 'notify-window',
        steps: [failing(1), failing(2), failing(3)],
        notify: [
          {
            on: ['intervention_requested'],
            webhook: { url: receiver.url(`/${id}`) },
            batch: { window: '300ms' },
          },
        ],
      },
      { id },
    );
    // Nobody intervenes yet: only the window's timer can have sent these.
    await eventually(
      () =>
        Promise.resolve(
          receiver.to(`/${id}`).reduce((n, p) => n + (p.body as NotificationBatch).count, 0) >= 3,
        ),
      30_000,
    );
    const batches = receiver.to(`/${id}`).map((p) => p.body as NotificationBatch);
    assert.ok(batches.every((b) => b.batch && b.count === b.events.length));
    const events = batches.flatMap((b) => b.events);
    assert.deepEqual(events.map((e) => e.stepId).sort(), ['w1', 'w2', 'w3']);
    assert.equal(new Set(events.map((e) => e.id)).size, 3);
    assert.equal((await env.pipelines.progress(id)).status, 'awaiting_intervention');
    for (const step of ['w1', 'w2', 'w3'])
      await env.pipelines.intervene(id, { stepId: step, action: 'skip' });
    assert.equal((await env.pipelines.result(id)).status, 'completed');
    assert.equal(
      receiver.to(`/${id}`).reduce((n, p) => n + (p.body as NotificationBatch).count, 0),
      3,
      'nothing more',
    );
  });

  test('at most 10 deliveries run at once per pipeline; the rest wait their turn and all arrive', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    const id = testId('notify-inflight');
    const ids = Array.from({ length: 12 }, (_, n) => `p${n}`);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    receiver.respond = async () => {
      await released;
      return 200;
    };
    await env.pipelines.start(
      {
        name: 'notify-inflight',
        steps: ids.map((stepId) => ({
          id: stepId,
          activity: 'fail',
          input: { category: 'validation' },
          dependsOn: [],
          recovery: [{ strategy: 'manual_intervention' as const }],
        })),
        notify: [{ on: ['intervention_requested'], webhook: { url: receiver.url(`/${id}`) } }],
      },
      { id },
    );
    await eventually(async () => {
      const progress = await env.pipelines.progress(id);
      return progress.steps.every((s) => s.status === 'awaiting_intervention');
    }, 30_000);
    await receiver.waitFor(LIMITS.maxNotificationsInFlight, `/${id}`);
    const scheduled = async () =>
      (await env.client.workflow.getHandle(id).fetchHistory()).events!.filter((e) =>
        e.activityTaskScheduledEventAttributes?.activityId?.startsWith('notify/'),
      ).length;
    assert.equal(await scheduled(), LIMITS.maxNotificationsInFlight, 'all 12 events raised, 10 delivering');
    release();
    await receiver.waitFor(ids.length, `/${id}`);
    for (const stepId of ids) await env.pipelines.intervene(id, { stepId, action: 'skip' });
    assert.equal((await env.pipelines.result(id)).status, 'completed');
    const events = receiver.to(`/${id}`).map((p) => p.body as NotificationEvent);
    assert.deepEqual(events.map((e) => e.stepId).sort(), [...ids].sort());
    assert.equal(await scheduled(), ids.length);
  });

  test('a rolled-back pipeline notifies rolled_back (not failed), after its compensations', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    const id = testId('notify-rollback');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'notify-rollback',
          onFailure: 'rollback',
          steps: [
            { id: 'made', activity: 'echo', compensate: { activity: 'echo' } },
            { id: 'boom', activity: 'fail', input: { category: 'validation' } },
          ],
          notify: [{ on: ['failed', 'rolled_back'], webhook: { url: receiver.url(`/${id}`) } }],
        },
        { id },
      ),
      PipelineFailedError,
    );
    const events = receiver.to(`/${id}`).map((p) => p.body as NotificationEvent);
    assert.deepEqual(
      events.map((e) => e.event),
      ['rolled_back'],
    );
    assert.match(events[0]!.message, /compensation ran: yes/);
  });

  test('a pipeline that continues as new notifies each event once, across its runs', async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    const id = testId('notify-can');
    const steps = Array.from({ length: 12 }, (_, i) => ({ id: `s${i}`, activity: 'echo' }));
    const result = await env.pipelines.startAndWait(
      {
        name: 'notify-can',
        steps: [
          ...steps.slice(0, 6),
          { id: 'gate', type: 'approval', timeout: '200ms', onTimeout: 'approve' },
          ...steps.slice(6),
        ],
        notify: [{ on: ['approval_requested', 'completed'], webhook: { url: receiver.url(`/${id}`) } }],
      },
      { id, continueAsNewAfterEvents: 20 },
    );
    assert.equal(result.status, 'completed');
    const runs = new Set<string>();
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.add(run.runId);
    assert.ok(runs.size > 1, `continued as new (${runs.size} runs)`);
    const events = receiver.to(`/${id}`).map((p) => p.body as NotificationEvent);
    assert.deepEqual(
      events.map((e) => e.event),
      ['approval_requested', 'completed'],
    );
    assert.equal(new Set(events.map((e) => e.id)).size, 2);
  });

  test('a step target runs the handler with the event as template context', async () => {
    const id = testId('notify-step');
    await assert.rejects(
      env.pipelines.startAndWait(
        {
          name: 'notify-step',
          steps: [{ id: 'boom', activity: 'fail', input: { category: 'validation', message: 'bad row' } }],
          notify: [
            {
              on: ['failed'],
              step: {
                activity: 'notify.recorder',
                input: {
                  text: '{{ event.message }}',
                  who: '{{ event.pipelineId }}',
                  tag: '{{ params.tag }}',
                },
              },
            },
          ],
        },
        { id, params: { tag: 'nightly' } },
      ),
      PipelineFailedError,
    );
    const mine = recorded.filter((r) => (r as { who?: string }).who === id) as Array<Record<string, string>>;
    assert.equal(mine.length, 1);
    assert.match(mine[0]!.text!, /step "boom" failed \(validation/);
    assert.equal(mine[0]!.tag, 'nightly');
    const progress = await env.pipelines.progress(id);
    assert.deepEqual(
      notificationEvents(progress.events).map((e) => e.type),
      ['notification_sent'],
    );
  });

  test('a pipeline without notify rules schedules no notification activity and records no notification event', async () => {
    const id = testId('notify-none');
    const result = await env.pipelines.startAndWait(
      { name: 'notify-none', steps: [{ id: 'only', activity: 'echo' }] },
      { id },
    );
    assert.equal(notificationEvents(result.progress.events).length, 0);
    const types = await historyEventTypes(env.client, id);
    assert.equal(types.filter((t) => t.includes('ACTIVITY_TASK_SCHEDULED')).length, 1);
  });
});
