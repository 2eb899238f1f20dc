/**
 * A notification in flight when its worker is SIGKILLed: the first POST fails (500), the worker dies
 * before the retry, and the retry runs on a new worker. The worker is a child process, so
 * STEPLINE_HTTP_ALLOW is set before it starts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { PipelineClient } from '../../src/client.js';
import type { NotificationEvent } from '../../src/pipeline/notify.js';
import { ChildWorker, killChildWorkers } from '../helpers/child-worker.js';
import { serverAddress, testId } from '../helpers/harness.js';
import { Ledger } from '../helpers/ledger.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

describe('notifications and a worker kill', () => {
  let receiver: WebhookReceiver;
  let ledger: Ledger;
  let client: Client;
  let pipelines: PipelineClient;
  let worker: ChildWorker;
  const taskQueue = `notify-kill-${randomUUID()}`;

  before(async () => {
    process.env.STEPLINE_HTTP_ALLOW = '127.0.0.1';
    receiver = await WebhookReceiver.start();
    ledger = Ledger.temp('stepline-notify-kill-');
    client = new Client({ connection: await Connection.connect({ address: serverAddress() }) });
    pipelines = new PipelineClient({ client, taskQueue });
    worker = await ChildWorker.start({ address: serverAddress(), taskQueue, ledger: ledger.file });
  });
  after(async () => {
    await killChildWorkers();
    await client?.connection.close();
    receiver?.close();
    ledger?.dispose();
    delete process.env.STEPLINE_HTTP_ALLOW;
  });

  test('a notification whose worker is killed before its retry still arrives, once per id, from the next worker', async () => {
    const id = testId('notify-kill');
    const path = `/${id}`;
    // The first POST fails; every later one succeeds.
    receiver.respond = (_post, index) =>
      receiver.to(path).indexOf(receiver.posts[index]!) === 0 ? 500 : 200;
    await pipelines.start(
      {
        name: 'notify-kill',
        steps: [
          { id: 'build', activity: 'echo' },
          { id: 'gate', type: 'approval' },
        ],
        notify: [
          {
            on: ['approval_requested', 'completed'],
            webhook: { url: receiver.url(path) },
            retry: { maxAttempts: 5, initialInterval: '3s' },
          },
        ],
      },
      { id },
    );
    const [first] = await receiver.waitFor(1, path);
    await worker.kill();
    assert.equal(
      receiver.to(path).length,
      1,
      'the retry waits for its interval: nothing more before the kill',
    );
    worker = await ChildWorker.start(worker.options);

    const [, retried] = await receiver.waitFor(2, path, 90_000);
    const asked = first!.body as NotificationEvent;
    assert.equal(asked.event, 'approval_requested');
    assert.equal((retried!.body as NotificationEvent).id, asked.id, 'the retry carries the same id');

    await pipelines.approve(id, 'gate', { by: 'alice' });
    const result = await pipelines.result(id);
    assert.equal(result.status, 'completed');

    const events = receiver.to(path).map((p) => p.body as NotificationEvent);
    const byId = new Map(events.map((e) => [e.id, e.event]));
    assert.deepEqual(
      [...byId.values()],
      ['approval_requested', 'completed'],
      'after dedupe: each event once',
    );
    assert.equal(events.filter((e) => e.event === 'completed').length, 1, 'no retry: exactly once');
    const progress = await pipelines.progress(id);
    assert.deepEqual(
      progress.events.filter((e) => e.type.startsWith('notification_')).map((e) => e.type),
      ['notification_sent', 'notification_sent'],
    );
  });
});
