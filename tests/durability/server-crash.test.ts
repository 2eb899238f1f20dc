/**
 * Server crash: a dev server of its own, persisting to a SQLite file, is killed with SIGKILL while
 * pipelines run on a worker child process, then started again on the same file and port. Every pipeline
 * that was running must complete with the outputs of an uninterrupted run, and no step that had
 * completed before the crash may run again (the ledger, outside both processes, counts executions).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { PipelineClient } from '../../src/client.js';
import { freePort, startDevServer, type DevServer } from '../../src/dev/dev-server.js';
import { ChildWorker, CRASH_DEFAULTS, killChildWorkers, ledgerChain } from '../helpers/child-worker.js';
import { eventually, testId } from '../helpers/harness.js';
import { Ledger } from '../helpers/ledger.js';

const STEPS = 6;
/** Long enough that the crash lands inside a step, and the step outlives the server's downtime. */
const STEP_MS = 1500;
const PIPELINES = 4;
/** How long the server stays dead before it is started again. */
const DOWNTIME_MS = 2000;

const sequential = ledgerChain('server-crash', STEPS, STEP_MS);

const gated = {
  name: 'server-crash-gated',
  defaults: CRASH_DEFAULTS,
  steps: [
    { id: 'before', activity: 'ledger.step', input: { ms: 100, value: '{{ params.seed }}' } },
    { id: 'gate', type: 'approval' },
    { id: 'after', activity: 'ledger.step', input: { ms: 100, by: '{{ steps.gate.output.by }}' } },
  ],
};

const PARAMS = { seed: 'server-crash' };

describe('a dev server killed with SIGKILL mid-pipeline', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepline-server-crash-'));
  const ledger = new Ledger(path.join(dir, 'ledger.jsonl'));
  let server: DevServer | undefined;
  let pipelines: PipelineClient | undefined;

  // Interrupted (Ctrl-C, the runner's SIGTERM): no `exit` event would come, so kill the server here.
  const interrupted = () => {
    if (server?.pid) process.kill(server.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);

  after(async () => {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await killChildWorkers();
    await pipelines?.close().catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('restarted on the same SQLite file, it loses no pipeline: all complete with the same outputs and completed steps do not run again', async (t) => {
    const dbFile = path.join(dir, 'temporal.db');
    const port = await freePort();
    const quiet = () => undefined;
    server = await startDevServer({ dbFile, port, ui: false, preciseTimers: true, log: quiet });
    const taskQueue = `server-crash-${randomUUID()}`;
    let worker = await ChildWorker.start({ address: server.address, taskQueue, ledger: ledger.file });
    pipelines = await PipelineClient.connect({ address: server.address, taskQueue });

    const referenceId = testId('ref-server-crash');
    await pipelines.start(sequential, { id: referenceId, params: PARAMS });
    const reference = await pipelines.result(referenceId);

    const ids = Array.from({ length: PIPELINES }, () => testId('server-crash'));
    for (const id of ids) await pipelines.start(sequential, { id, params: PARAMS });
    const gateId = testId('server-crash-gated');
    await pipelines.start(gated, { id: gateId, params: PARAMS });
    // Mid-pipeline: s1 and s2 done everywhere, s3 (or a later step) running; the gated pipeline waiting.
    await Promise.all(ids.map((id) => ledger.waitFor({ event: 'start', key: `${id}/s3` })));
    await eventually(async () => (await pipelines!.queryProgress(gateId)).status === 'awaiting_approval');

    const killedAt = Date.now();
    process.kill(server.pid!, 'SIGKILL');
    await server.stop();
    const atKill = ledger.read();
    await pipelines.close().catch(() => undefined);
    pipelines = undefined;
    await new Promise((resolve) => setTimeout(resolve, DOWNTIME_MS));

    const restartedAt = Date.now();
    server = await startDevServer({ dbFile, port, ui: false, preciseTimers: true, log: quiet });
    const serverBackMs = Date.now() - restartedAt;
    const workerDied = worker.exited;
    if (workerDied) worker = await ChildWorker.start(worker.options);
    pipelines = await PipelineClient.connect({ address: server.address, taskQueue });

    await pipelines.approve(gateId, 'gate', { by: 'ops' });
    const results = await Promise.all([...ids, gateId].map((id) => pipelines!.result(id)));
    const doneMs = Date.now() - killedAt;

    for (const [i, id] of ids.entries()) {
      assert.equal(results[i]!.status, 'completed', id);
      assert.deepEqual(results[i]!.outputs, reference.outputs, `${id}: the outputs of an uninterrupted run`);
    }
    assert.equal(results[PIPELINES]!.status, 'completed');
    assert.equal((results[PIPELINES]!.outputs.after as { value: unknown }).value, null);

    // A step whose successor had started before the crash had completed for good: it must not run again.
    const startedBefore = new Set(atKill.filter((r) => r.event === 'start').map((r) => r.key));
    const finishedBefore = new Set(atKill.filter((r) => r.event === 'finish').map((r) => r.key));
    const inFlight = [...startedBefore]
      .filter((key) => !finishedBefore.has(key))
      .map((key) => key.split('/')[1]);
    const lines: string[] = [];
    for (const id of [...ids, gateId]) {
      const tallies = ledger.tally({ prefix: `${id}/` });
      assert.equal(tallies.length, id === gateId ? 2 : STEPS, `${id}: every step ran`);
      for (const [n, tally] of tallies.entries()) {
        const next = tallies[n + 1];
        // (The gated pipeline's first step had completed: the gate was waiting.)
        const completedBefore =
          (next !== undefined && startedBefore.has(next.key)) || tally.key === `${gateId}/before`;
        const name = tally.key.slice(id.length + 1);
        assert.equal(tally.finishes >= 1, true, `${id} ${name} finished`);
        if (completedBefore) assert.deepEqual([tally.starts, tally.finishes], [1, 1], `${id} ${name}`);
        else assert.ok(tally.starts <= 2, `${id} ${name} ran ${tally.starts} times`);
      }
      lines.push(
        `${id.replace(/-[0-9a-f]+$/, '')}: ${tallies.map((x) => `${x.key.slice(id.length + 1)} ${x.starts}/${x.finishes}`).join(' ')}`,
      );
    }
    t.diagnostic(
      `server killed with ${PIPELINES} pipelines running [${inFlight.join(', ')}] and one at an approval gate; ` +
        `down ${DOWNTIME_MS} ms, ` +
        `serving again ${serverBackMs} ms after restart; worker ${workerDied ? 'died and was restarted' : 'survived and reconnected'}; ` +
        `all ${PIPELINES + 1} pipelines completed ${doneMs} ms after the kill`,
    );
    for (const line of lines) t.diagnostic(`  starts/finishes ${line}`);
  });
});
