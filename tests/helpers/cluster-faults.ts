/**
 * Faults only a cluster has, injected mid-run: each fault test owns a cluster (src/cluster, its own
 * temporary folder), several Stepline worker processes on one task queue writing every step execution to
 * a ledger outside them, and pipelines caught mid-way. After the fault (a service SIGKILLed and started
 * again, PostgreSQL restarted) every pipeline must complete with the outputs of an uninterrupted run, and
 * no step that had completed before the fault may run again. A step whose activity was running at the
 * fault may run once more: Temporal runs activities at least once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { PipelineClient } from '../../src/client.js';
import { startCluster, type LocalCluster } from '../../src/cluster/cluster.js';
import { ChildWorker, CRASH_DEFAULTS, killChildWorkers, ledgerChain } from './child-worker.js';
import { clusterTempDir, PRECISE_TIMERS } from './cluster.js';
import { eventually } from './eventually.js';
import { testId } from './harness.js';
import { Ledger, type LedgerRecord } from './ledger.js';

/** Worker processes sharing the task queue. */
const WORKERS = 3;
const PIPELINES = 6;
const STEPS = 6;
/** Long enough that the fault lands inside a step. */
const STEP_MS = 1000;
/** Set in code: node 20 does not apply `--test-timeout` inside a test file's process. */
export const FAULT_TIMEOUT_MS = 240_000;

const chain = ledgerChain('cluster-fault', STEPS, STEP_MS);

const gated = {
  name: 'cluster-fault-gated',
  defaults: CRASH_DEFAULTS,
  steps: [
    { id: 'before', activity: 'ledger.step', input: { ms: 100, value: '{{ params.seed }}' } },
    { id: 'gate', type: 'approval' },
    { id: 'after', activity: 'ledger.step', input: { ms: 100, by: '{{ steps.gate.output.by }}' } },
  ],
};

const PARAMS = { seed: 'cluster-fault' };

/** Breaks the cluster and repairs it; resolves once the repair is done. Says what it did. */
export type Fault = (cluster: LocalCluster) => Promise<string>;

/** SIGKILL of one service, `downtimeMs` with it dead, then the same service started on the same ports. */
export function killService(name: keyof LocalCluster['services'], downtimeMs = 2000): Fault {
  return async (cluster) => {
    const service = cluster.services[name];
    const pid = service.pid;
    await service.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, downtimeMs));
    const restartedAt = Date.now();
    await service.start();
    return `temporal ${name} (pid ${pid}) SIGKILLed, dead ${downtimeMs} ms, serving again ${Date.now() - restartedAt} ms after its restart (pid ${service.pid})`;
  };
}

export interface FaultSuite {
  /** Runs pipelines, injects `fault` mid-run, checks that nothing was lost or done twice. */
  survives(t: TestContext, fault: Fault): Promise<void>;
}

/** Registers the before/after hooks (cluster, workers, client, ledger) and returns the scenario runner. */
export function useFaultCluster(prefix: string): FaultSuite {
  const dir = clusterTempDir(`stepline-${prefix}-`);
  const ledger = new Ledger(path.join(dir, 'ledger.jsonl'));
  const taskQueue = `${prefix}-${randomUUID()}`;
  let cluster: LocalCluster | undefined;
  let workers: ChildWorker[] = [];
  let pipelines: PipelineClient | undefined;

  // Interrupted (Ctrl-C, the runner's SIGTERM): stop the cluster's processes before leaving.
  const interrupted = () => {
    void (async () => {
      await killChildWorkers();
      await cluster?.stop().catch(() => undefined);
      process.exit(130);
    })();
  };

  before(
    async () => {
      process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
      cluster = await startCluster({
        dir: path.join(dir, 'cluster'),
        dynamicConfig: PRECISE_TIMERS,
        log: () => undefined,
      });
      const options = {
        address: cluster.address,
        namespace: cluster.namespace,
        taskQueue,
        ledger: ledger.file,
      };
      workers = await Promise.all(Array.from({ length: WORKERS }, () => ChildWorker.start(options)));
      pipelines = await PipelineClient.connect({
        address: cluster.address,
        namespace: cluster.namespace,
        taskQueue,
      });
    },
    { timeout: FAULT_TIMEOUT_MS },
  );

  after(async () => {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await killChildWorkers();
    await pipelines?.close().catch(() => undefined);
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function survives(t: TestContext, fault: Fault): Promise<void> {
    const client = pipelines!;
    const referenceId = testId(`ref-${prefix}`);
    await client.start(chain, { id: referenceId, params: PARAMS });
    const reference = await client.result(referenceId);
    assert.equal(reference.status, 'completed');

    const ids = Array.from({ length: PIPELINES }, () => testId(prefix));
    for (const id of ids) await client.start(chain, { id, params: PARAMS });
    const gateId = testId(`${prefix}-gated`);
    await client.start(gated, { id: gateId, params: PARAMS });
    // Mid-run: s1 and s2 done everywhere, s3 (or a later step) running; the gated pipeline waiting.
    await Promise.all(ids.map((id) => ledger.waitFor({ event: 'start', key: `${id}/s3` }, 60_000)));
    await eventually(async () => (await client.queryProgress(gateId)).status === 'awaiting_approval', 30_000);

    const atFault = ledger.read();
    const faultAt = Date.now();
    const what = await fault(cluster!);

    const dead = workers.filter((worker) => worker.exited);
    workers = await Promise.all(
      workers.map((worker) => (worker.exited ? ChildWorker.start(worker.options) : worker)),
    );
    // The frontend may still be catching up with the restarted service: retry the decision until taken.
    await eventually(() => client.approve(gateId, 'gate', { by: 'ops' }), 60_000, 500);
    const results = await Promise.all([...ids, gateId].map((id) => client.result(id)));
    const doneMs = Date.now() - faultAt;

    for (const [i, id] of ids.entries()) {
      assert.equal(results[i]!.status, 'completed', id);
      assert.deepEqual(results[i]!.outputs, reference.outputs, `${id}: the outputs of an uninterrupted run`);
    }
    assert.equal(results[PIPELINES]!.status, 'completed', gateId);
    assert.equal((results[PIPELINES]!.outputs.after as { value: unknown }).value, null);

    const lines = assertCompletedStepsRanOnce(ledger, atFault, [...ids, gateId], gateId);
    const pids = new Set(ledger.read({ event: 'start' }).map((record) => record.pid));
    assert.ok(
      pids.size >= 2,
      `the steps ran on ${pids.size} worker process: the fault was meant to hit several`,
    );
    t.diagnostic(
      `${what}; ${PIPELINES} pipelines running and one at an approval gate; ` +
        `${dead.length ? `${dead.length} of ${WORKERS} workers died and were restarted` : `all ${WORKERS} workers survived`}; ` +
        `steps ran on ${pids.size} worker processes; all ${PIPELINES + 1} pipelines completed ${doneMs} ms after the fault`,
    );
    for (const line of lines) t.diagnostic(`  starts/finishes ${line}`);
  }

  return { survives };
}

/**
 * A step whose successor had started before the fault had completed for good (its completion was in the
 * history): it ran exactly once. Any other step finished, after at most one extra run. Returns one
 * `starts/finishes` line per pipeline for the test's diagnostics.
 */
function assertCompletedStepsRanOnce(
  ledger: Ledger,
  atFault: LedgerRecord[],
  ids: string[],
  gateId: string,
): string[] {
  const startedBefore = new Set(atFault.filter((r) => r.event === 'start').map((r) => r.key));
  const lines: string[] = [];
  for (const id of ids) {
    const tallies = ledger.tally({ prefix: `${id}/` });
    assert.equal(tallies.length, id === gateId ? 2 : STEPS, `${id}: every step ran`);
    for (const [n, tally] of tallies.entries()) {
      const next = tallies[n + 1];
      // (The gated pipeline's first step had completed: the gate was waiting.)
      const completedBefore =
        (next !== undefined && startedBefore.has(next.key)) || tally.key === `${gateId}/before`;
      const name = tally.key.slice(id.length + 1);
      assert.ok(tally.finishes >= 1, `${id} ${name} finished`);
      if (completedBefore) assert.deepEqual([tally.starts, tally.finishes], [1, 1], `${id} ${name}`);
      else assert.ok(tally.starts <= 2, `${id} ${name} ran ${tally.starts} times`);
    }
    lines.push(
      `${id.replace(/-[0-9a-f]+$/, '')}: ${tallies.map((x) => `${x.key.slice(id.length + 1)} ${x.starts}/${x.finishes}`).join(' ')}`,
    );
  }
  return lines;
}
