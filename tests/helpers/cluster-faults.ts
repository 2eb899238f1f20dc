/**
 * Faults only a cluster has, injected mid-run: each fault test owns a cluster (src/cluster, its own
 * temporary folder), several Stepline worker processes on one task queue writing every step execution to
 * a ledger outside them, and pipelines caught mid-way. This module does the orchestration, reports what
 * it observed ({@link FaultOutcome}) and holds the two assertions each test file makes of it, what users
 * rely on: after the fault (a
 * service SIGKILLed and started again, PostgreSQL restarted) every pipeline completes with the outputs of
 * an uninterrupted run, and no step that had completed before the fault runs again. A step whose activity
 * was running at the fault may run once more: Temporal runs activities at least once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { PipelineClient } from '../../src/client.js';
import { startCluster, type LocalCluster } from '../../src/cluster/cluster.js';
import type { PipelineResult } from '../../src/pipeline/contract.js';
import { ChildWorker, CRASH_DEFAULTS, killChildWorkers, ledgerChain } from './child-worker.js';
import { clusterTempDir, PRECISE_TIMERS } from './cluster.js';
import { eventually } from './eventually.js';
import { testId } from './harness.js';
import { Ledger } from './ledger.js';

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

/** One pipeline of the scenario and the result it ended with. */
export interface FaultRun {
  id: string;
  result: PipelineResult;
}

/** What the ledger saw of one step of one pipeline. */
export interface StepRuns {
  step: string;
  starts: number;
  finishes: number;
  /**
   * Whether the step had completed for good before the fault: its successor had started (so its
   * completion was in the history), or it is the gated pipeline's step before the waiting gate.
   */
  completedBeforeFault: boolean;
}

/** The ledger's view of one pipeline: the activity steps its definition has, and those that ran, in order. */
export interface PipelineLedger {
  id: string;
  activitySteps: string[];
  ran: StepRuns[];
}

/** What {@link FaultSuite.runThroughFault} observed; the test asserts on it. */
export interface FaultOutcome {
  /** A pipeline run to the end before any fault: the outputs every other chained pipeline must have. */
  reference: PipelineResult;
  /** The chained pipelines caught mid-run (some steps done, one running) by the fault. */
  midRun: FaultRun[];
  /** The pipeline that waited at an approval gate across the fault, approved (`by: 'ops'`) after it. */
  gated: FaultRun;
  /** Per pipeline (`midRun`, then `gated`), every step execution the ledger recorded. */
  ledger: PipelineLedger[];
  /** How many distinct worker processes started steps. */
  workerProcesses: number;
}

export interface FaultSuite {
  /** Runs pipelines, injects `fault` mid-run, waits for every pipeline's end; returns what it saw. */
  runThroughFault(t: TestContext, fault: Fault): Promise<FaultOutcome>;
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

  async function runThroughFault(t: TestContext, fault: Fault): Promise<FaultOutcome> {
    const client = pipelines!;
    const referenceId = testId(`ref-${prefix}`);
    await client.start(chain, { id: referenceId, params: PARAMS });
    const reference = await client.result(referenceId);

    const ids = Array.from({ length: PIPELINES }, () => testId(prefix));
    for (const id of ids) await client.start(chain, { id, params: PARAMS });
    const gateId = testId(`${prefix}-gated`);
    await client.start(gated, { id: gateId, params: PARAMS });
    // Mid-run: s1 and s2 done everywhere, s3 (or a later step) running; the gated pipeline waiting.
    await Promise.all(ids.map((id) => ledger.waitFor({ event: 'start', key: `${id}/s3` }, 60_000)));
    await eventually(async () => (await client.queryProgress(gateId)).status === 'awaiting_approval', 30_000);

    const startedBefore = new Set(ledger.read({ event: 'start' }).map((record) => record.key));
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

    const midRun = ids.map((id, i) => ({ id, result: results[i]! }));
    const gatedRun = { id: gateId, result: results[PIPELINES]! };
    const ledgers = [
      ...ids.map((id) => pipelineLedger(ledger, id, chain, startedBefore)),
      pipelineLedger(ledger, gateId, gated, startedBefore, `${gateId}/before`),
    ];
    const workerProcesses = new Set(ledger.read({ event: 'start' }).map((record) => record.pid)).size;
    t.diagnostic(
      `${what}; ${PIPELINES} pipelines running and one at an approval gate; ` +
        `${dead.length ? `${dead.length} of ${WORKERS} workers died and were restarted` : `all ${WORKERS} workers survived`}; ` +
        `steps ran on ${workerProcesses} worker processes; all ${PIPELINES + 1} pipelines ended ${doneMs} ms after the fault`,
    );
    for (const { id, ran } of ledgers) {
      const line = ran.map((x) => `${x.step} ${x.starts}/${x.finishes}`).join(' ');
      t.diagnostic(`  starts/finishes ${id.replace(/-[0-9a-f]+$/, '')}: ${line}`);
    }
    return { reference, midRun, gated: gatedRun, ledger: ledgers, workerProcesses };
  }

  return { runThroughFault };
}

/**
 * The ledger's tally of one pipeline's steps, in order of first start. A step whose successor had started
 * before the fault had completed for good (its completion was in the history); so had `completedKey`
 * (the gated pipeline's first step: the gate was waiting).
 */
function pipelineLedger(
  ledger: Ledger,
  id: string,
  definition: { steps: Array<{ id: string; activity?: string }> },
  startedBefore: Set<string>,
  completedKey?: string,
): PipelineLedger {
  const tallies = ledger.tally({ prefix: `${id}/` });
  return {
    id,
    activitySteps: definition.steps.filter((step) => step.activity !== undefined).map((step) => step.id),
    ran: tallies.map((tally, n) => {
      const next = tallies[n + 1];
      return {
        step: tally.key.slice(id.length + 1),
        starts: tally.starts,
        finishes: tally.finishes,
        completedBeforeFault:
          (next !== undefined && startedBefore.has(next.key)) || tally.key === completedKey,
      };
    }),
  };
}

/** After the fault every pipeline completed, the chained ones with the outputs of an uninterrupted run. */
export function assertNoPipelineLost({ reference, midRun, gated }: FaultOutcome): void {
  assert.equal(reference.status, 'completed', 'the uninterrupted reference run');
  for (const { id, result } of [...midRun, gated]) assert.equal(result.status, 'completed', id);
  for (const { id, result } of midRun) {
    assert.deepEqual(result.outputs, reference.outputs, `${id}: the outputs of an uninterrupted run`);
  }
  assert.equal((gated.result.outputs.after as { value: unknown }).value, null, `${gated.id}: after the gate`);
}

/**
 * Every step ran (the ledger, in order); one completed before the fault ran exactly once, one running at it
 * at most once more; the steps ran on several worker processes, so the fault hit more than one.
 */
export function assertCompletedStepsRanOnce({ ledger, workerProcesses }: FaultOutcome): void {
  for (const { id, activitySteps, ran } of ledger) {
    assert.deepEqual(
      ran.map((r) => r.step),
      activitySteps,
      `${id}: every step ran`,
    );
    for (const { step, starts, finishes, completedBeforeFault } of ran) {
      assert.ok(finishes >= 1, `${id} ${step} finished`);
      if (completedBeforeFault) assert.deepEqual([starts, finishes], [1, 1], `${id} ${step}`);
      else assert.ok(starts <= 2, `${id} ${step} ran ${starts} times`);
    }
  }
  assert.ok(
    workerProcesses >= 2,
    `the steps ran on ${workerProcesses} worker process: the fault was meant to hit several`,
  );
}
