/**
 * Graceful shutdown of the real worker entry on SIGTERM: polling stops at once, a step in flight gets
 * `STEPLINE_SHUTDOWN_GRACE_TIME` to finish; one that needs longer is cancelled at the deadline and
 * Temporal retries it on another worker. Either way the pipeline completes and no step is lost.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { PipelineClient } from '../../src/client.js';
import type { PipelineDefinitionInput } from '../../src/pipeline/definition.js';
import { serverAddress } from '../helpers/harness.js';
import { Ledger } from '../helpers/ledger.js';
import { killWorkerProcesses, LEDGER_STEPS_MODULE, WorkerProcess } from '../helpers/worker-process.js';

function twoSteps(firstMs: number): PipelineDefinitionInput {
  return {
    name: 'graceful-shutdown',
    defaults: {
      timeouts: { startToClose: '1m', heartbeat: '2s' },
      retry: { maxAttempts: 5, initialInterval: '100ms', maxInterval: '500ms' },
    },
    steps: [
      { id: 'long', activity: 'ledger.step', input: { ms: firstMs } },
      { id: 'after', activity: 'ledger.step', input: { ms: 10 } },
    ],
  };
}

describe('SIGTERM: graceful worker shutdown', { timeout: 170_000 }, () => {
  const ledger = Ledger.temp('stepline-shutdown-');
  let client: Client;

  const workerEnv = (taskQueue: string, graceTime: string) => ({
    STEPLINE_TASK_QUEUE: taskQueue,
    STEPLINE_STEPS: LEDGER_STEPS_MODULE,
    STEPLINE_LEDGER: ledger.file,
    STEPLINE_SHUTDOWN_GRACE_TIME: graceTime,
  });

  before(async () => {
    const connection = await Connection.connect({ address: serverAddress() });
    client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  });

  after(async () => {
    await killWorkerProcesses();
    await client?.connection.close();
    ledger.dispose();
  });

  test('a step in flight finishes within the grace time, then the worker exits 0; nothing runs twice', async () => {
    const taskQueue = `shutdown-finish-${randomUUID()}`;
    const pipelines = new PipelineClient({ client, taskQueue });
    const first = await WorkerProcess.start({ name: 'first', env: workerEnv(taskQueue, '20s') });
    const { pipelineId } = await pipelines.start(twoSteps(3000));
    const key = `${pipelineId}/long`;
    await ledger.waitFor({ key, event: 'start', pid: first.pid });

    const signalledAt = Date.now();
    const exit = first.terminate();
    // A replacement starts while the first drains: it must not get the step in flight.
    const second = await WorkerProcess.start({ name: 'second', env: workerEnv(taskQueue, '20s') });
    assert.deepEqual(await exit, { code: 0, signal: null });

    const result = await pipelines.result(pipelineId);
    assert.equal(result.status, 'completed');
    const [long] = ledger.tally({ key });
    assert.deepEqual(
      { starts: long?.starts, finishes: long?.finishes, cancels: long?.cancels, pids: long?.pids },
      { starts: 1, finishes: 1, cancels: 0, pids: [first.pid] },
      'the step in flight finished on the draining worker, once',
    );
    const finish = ledger.read({ key, event: 'finish' })[0]!;
    assert.ok(finish.at >= signalledAt, 'it finished after the SIGTERM');
    assert.ok(first.exitedAt! >= finish.at, 'the worker exited only after the step finished');
    assert.equal(ledger.read({ key: `${pipelineId}/after`, event: 'finish' })[0]?.pid, second.pid);
    const messages = first.records().map((r) => r.msg);
    assert.ok(messages.includes('shutdown requested: polling stops, steps in flight get the grace time'));
    assert.ok(messages.includes('stepline worker stopped'));
    await second.terminate();
  });

  test('a step longer than the grace time is cancelled at the deadline and retried on another worker', async () => {
    const taskQueue = `shutdown-retry-${randomUUID()}`;
    const pipelines = new PipelineClient({ client, taskQueue });
    const first = await WorkerProcess.start({ name: 'short-grace', env: workerEnv(taskQueue, '500ms') });
    const { pipelineId } = await pipelines.start(twoSteps(8000));
    const key = `${pipelineId}/long`;
    await ledger.waitFor({ key, event: 'start', pid: first.pid });

    const exit = first.terminate();
    const second = await WorkerProcess.start({ name: 'takes-over', env: workerEnv(taskQueue, '20s') });
    assert.deepEqual(await exit, { code: 0, signal: null });

    const result = await pipelines.result(pipelineId);
    assert.equal(result.status, 'completed');
    const [long] = ledger.tally({ key });
    assert.equal(long?.cancels, 1, 'the first attempt saw its cancellation at the grace deadline');
    assert.deepEqual(long?.pids, [first.pid, second.pid]);
    assert.equal(long?.finishes, 1, 'the retry on the other worker finished it, once');
    assert.ok(
      first.exitedAt! < ledger.read({ key, event: 'finish' })[0]!.at,
      'the first worker did not wait 8 s',
    );
    assert.equal(ledger.tally({ key: `${pipelineId}/after` })[0]?.starts, 1);
    await second.terminate();
  });
});
