/**
 * Shared by the worker-crash suites: the worker runs as a child process, every step execution is written
 * to a ledger file outside it, and a test SIGKILLs it while a chosen step runs (detected from the ledger,
 * not guessed by sleeping), then starts a new worker. The pipeline must end exactly as an uninterrupted
 * run of the same definition did (one is made per definition before any crash), every step that had
 * completed must have run exactly once, and the step that was in flight at most once more.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, type TestContext } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { PipelineClient, PipelineFailedError } from '../../src/client.js';
import { ChildWorker, CRASH_DEFAULTS, killChildWorkers, ledgerChain } from '../helpers/child-worker.js';
import { eventually, historyEventTypes, serverAddress, testId } from '../helpers/harness.js';
import { Ledger, type LedgerTally } from '../helpers/ledger.js';

/**
 * Per test (and for the reference runs): normally 15-30 s, up to 40 s on a loaded machine. Set in code because node 20 does not apply
 * `--test-timeout` inside a file's process; without it a pipeline that never ends would hang the run.
 */
export const SCENARIO_TIMEOUT_MS = 90_000;

const STEP_MS = 600;
export const SEQUENTIAL_STEPS = 8;

/** `s1 … sN`, each feeding its output's digest to the next. */
export const sequential = ledgerChain('crash-sequential', SEQUENTIAL_STEPS, STEP_MS);

/** `prep`, a fan-out over six items two at a time, then `merge`. */
export const fanOut = {
  name: 'crash-fan-out',
  defaults: CRASH_DEFAULTS,
  steps: [
    { id: 'prep', activity: 'ledger.step', input: { ms: 100, value: '{{ params.seed }}' } },
    {
      id: 'fan',
      activity: 'ledger.step',
      forEach: '{{ params.items }}',
      maxConcurrency: 2,
      input: {
        ms: STEP_MS,
        value: '{{ item }}',
        index: '{{ index }}',
        prev: '{{ steps.prep.output.digest }}',
      },
    },
    {
      id: 'merge',
      activity: 'ledger.step',
      input: { ms: 100, first: '{{ steps.fan.output.0.digest }}', last: '{{ steps.fan.output.5.digest }}' },
    },
  ],
};

/** Four steps with compensations, then one that fails for good: the saga undoes d, c, b, a. */
export const saga = {
  name: 'crash-saga',
  defaults: CRASH_DEFAULTS,
  onFailure: 'rollback',
  steps: [
    ...['a', 'b', 'c', 'd'].map((id) => ({
      id,
      activity: 'ledger.step',
      input: { ms: 100, value: `${id}:{{ params.seed }}` },
      compensate: { activity: 'ledger.undo', input: { ms: STEP_MS, of: `{{ steps.${id}.output.digest }}` } },
    })),
    { id: 'e', activity: 'fail', input: { category: 'validation', message: 'e cannot be done' } },
  ],
};

/** Two steps, an approval gate, two steps that use the decision. */
export const gated = {
  name: 'crash-gated',
  defaults: CRASH_DEFAULTS,
  steps: [
    { id: 's1', activity: 'ledger.step', input: { ms: 100, value: '{{ params.seed }}' } },
    { id: 's2', activity: 'ledger.step', input: { ms: 100, prev: '{{ steps.s1.output.digest }}' } },
    { id: 'gate', type: 'approval', prompt: 'Go on after {{ steps.s2.output.digest }}?' },
    { id: 's3', activity: 'ledger.step', input: { ms: 100, by: '{{ steps.gate.output.by }}' } },
    { id: 's4', activity: 'ledger.step', input: { ms: 100, prev: '{{ steps.s3.output.digest }}' } },
  ],
};

export const PARAMS = { seed: 'durable', items: ['i0', 'i1', 'i2', 'i3', 'i4', 'i5'] };
export const APPROVAL = { by: 'ops', comment: 'carry on' };

/** How a pipeline ended, comparable between runs (approval timestamps left out). */
interface Outcome {
  status: string;
  failedStep?: string;
  compensated?: boolean;
  steps: Record<string, string>;
  outputs?: Record<string, unknown>;
  /** Steps whose `ledger.undo` finished, in order. */
  undone: string[];
}

interface Reference {
  outcome: Outcome;
  /** `handler relative-key` of every ledger record, sorted. */
  effects: string[];
}

export interface Definition {
  name: string;
  steps: ({ id: string } | { id: string; type: string })[];
}

export interface Scenario {
  name: string;
  definition: Definition;
  /** Resolves when the worker is to be killed. */
  killWhen(id: string, pipelines: PipelineClient): Promise<void>;
  /** What the killed worker must have had in flight (`handler relative-key`); a function for fuzzy cases. */
  inFlight: string[] | ((keys: string[]) => boolean);
  /** A human decision: after the worker is back (update) or while it is dead (signal). */
  decide?: { whileDown: boolean; act(pipelines: PipelineClient, id: string): Promise<void> };
}

export interface CrashSuite {
  /** Runs a scenario: start, kill when it says, restart, compare with the reference, count. */
  crash(t: TestContext, scenario: Scenario): Promise<void>;
  /** Resolves once the ledger shows `ledger.step` (or `handler`) starting for `<id>/<key>`. */
  starts(key: string, handler?: string): (id: string) => Promise<void>;
  awaitingApproval(id: string): Promise<void>;
}

/**
 * Registers before/after hooks (client, one uninterrupted reference run per definition, cleanup of every
 * child process and the ledger) and returns the scenario runner.
 */
export function useWorkerCrashSuite(definitions: Definition[]): CrashSuite {
  const ledger = Ledger.temp('stepline-worker-crash-');
  let client: Client;
  let pipelines: PipelineClient;
  const references = new Map<string, Reference>();

  before(
    async () => {
      client = new Client({ connection: await Connection.connect({ address: serverAddress() }) });
      pipelines = new PipelineClient({ client });
      // One uninterrupted run of each definition, on a worker nobody kills, before any crash.
      const worker = await startWorker();
      for (const [name, reference] of await Promise.all(
        definitions.map(
          async (definition) =>
            [definition.name, await referenceRun(definition, worker.options.taskQueue)] as const,
        ),
      )) {
        references.set(name, reference);
      }
      await worker.stop();
    },
    { timeout: SCENARIO_TIMEOUT_MS },
  );

  after(async () => {
    await killChildWorkers();
    ledger.dispose();
    await client?.connection.close();
  });

  function startWorker(taskQueue = `crash-${randomUUID()}`): Promise<ChildWorker> {
    return ChildWorker.start({ address: serverAddress(), taskQueue, ledger: ledger.file });
  }

  /** Runs `definition` without interruption (approving its gate): its outcome and side effects. */
  async function referenceRun(definition: Definition, taskQueue: string): Promise<Reference> {
    const id = testId(`ref-${definition.name}`);
    await pipelines.start(definition, { id, params: PARAMS, taskQueue });
    if (definition.steps.some((step) => 'type' in step && step.type === 'approval')) {
      await awaitingApproval(id);
      await pipelines.approve(id, 'gate', APPROVAL);
    }
    const outcome = await outcomeOf(id);
    const tallies = ledger.tally({ prefix: `${id}/` });
    for (const t of tallies) {
      assert.deepEqual([t.starts, t.finishes], [1, 1], `uninterrupted run: ${t.handler} ${t.key}`);
    }
    return { outcome, effects: tallies.map((t) => relativeName(id, t)).sort() };
  }

  async function awaitingApproval(id: string): Promise<void> {
    await eventually(async () => (await pipelines.queryProgress(id)).status === 'awaiting_approval', 30_000);
  }

  async function outcomeOf(id: string): Promise<Outcome> {
    const statuses = (steps: { id: string; status: string }[]) =>
      Object.fromEntries(steps.map((s) => [s.id, s.status]));
    const undone = () =>
      ledger.read({ prefix: `${id}/`, handler: 'ledger.undo', event: 'finish' }).map((r) => r.stepId);
    try {
      const result = await pipelines.result(id);
      return {
        status: result.status,
        steps: statuses(result.progress.steps),
        outputs: withoutDecisionTimes(result.outputs),
        undone: undone(),
      };
    } catch (err) {
      if (!(err instanceof PipelineFailedError) || !err.details) throw err;
      return {
        status: err.details.status,
        ...(err.details.stepId ? { failedStep: err.details.stepId } : {}),
        compensated: err.details.compensated,
        steps: statuses(err.details.progress.steps),
        undone: undone(),
      };
    }
  }

  async function crash(t: TestContext, scenario: Scenario): Promise<void> {
    const worker = await startWorker();
    const id = testId(`crash-${scenario.name}`);
    const relative = (tally: LedgerTally) => relativeName(id, tally);
    await pipelines.start(scenario.definition, { id, params: PARAMS, taskQueue: worker.options.taskQueue });

    await scenario.killWhen(id, pipelines);
    const killedAt = Date.now();
    await worker.kill();
    const inFlight = ledger
      .tally({ prefix: `${id}/`, pid: worker.pid })
      .filter((x) => x.starts > x.finishes + x.cancels)
      .map(relative);
    if (typeof scenario.inFlight === 'function') {
      assert.ok(scenario.inFlight(inFlight), `in flight when killed: ${inFlight.join(', ') || 'nothing'}`);
    } else {
      assert.deepEqual(inFlight, scenario.inFlight, 'what the killed worker had in flight');
    }

    if (scenario.decide?.whileDown) await scenario.decide.act(pipelines, id);
    const replacement = await ChildWorker.start(worker.options);
    if (scenario.decide && !scenario.decide.whileDown) await scenario.decide.act(pipelines, id);
    const outcome = await outcomeOf(id);
    const doneAt = Date.now();

    const { outcome: referenceOutcome, effects: referenceEffects } = references.get(
      scenario.definition.name,
    )!;
    assert.deepEqual(outcome, referenceOutcome, 'the same ending as an uninterrupted run');

    const tallies = ledger.tally({ prefix: `${id}/` });
    for (const tally of tallies) {
      const name = relative(tally);
      if (inFlight.includes(name)) {
        assert.ok(tally.starts <= 2, `${name} (in flight) ran ${tally.starts} times`);
        assert.equal(tally.finishes, 1, `${name} (in flight) finished ${tally.finishes} times`);
      } else {
        assert.deepEqual([tally.starts, tally.finishes], [1, 1], `${name}: [starts, finishes]`);
      }
    }
    assert.deepEqual(
      tallies.map(relative).sort(),
      referenceEffects,
      'the same side effects as an uninterrupted run',
    );

    // A retry after the lost attempt moves the pipeline off the dead worker's sticky queue (src/worker/
    // sticky-reset.ts): the workflow task after it goes to the shared queue instead of waiting out the
    // sticky timeout. (Later ones may be sticky again: to the new worker, which has the pipeline cached.)
    const queues = await queuesAfterRetriedSteps(client, id);
    if (queues.length > 0)
      assert.equal(queues[0], 'NORMAL', 'the task queue of the workflow task after the first retried step');

    const rerun = ledger
      .read({ prefix: `${id}/`, pid: replacement.pid, event: 'finish' })
      .filter((r) => inFlight.includes(relativeName(id, r)));
    const stalledTasks = (await historyEventTypes(client, id)).filter(
      (e) => e === 'WORKFLOW_TASK_TIMED_OUT',
    ).length;
    const inFlightBack = rerun.length ? Math.max(...rerun.map((r) => r.at)) - killedAt : undefined;
    t.diagnostic(
      `${scenario.name}: killed pid ${worker.pid} during [${inFlight.join(', ') || 'approval wait'}]; ` +
        `new worker ready in ${replacement.readyInMs} ms` +
        (inFlightBack !== undefined
          ? `, in-flight step finished again ${inFlightBack} ms after the kill`
          : '') +
        `, pipeline ${outcome.status} ${doneAt - killedAt} ms after the kill ` +
        `(workflow tasks timed out on the dead worker's sticky queue: ${stalledTasks}; ` +
        `queues after retried steps: ${queues.join(', ') || 'none'}); starts/finishes: ` +
        tallies.map((x) => `${relative(x).replace(/^ledger\./, '')} ${x.starts}/${x.finishes}`).join(', '),
    );
    await replacement.stop();
  }

  const starts =
    (key: string, handler = 'ledger.step') =>
    (id: string) =>
      ledger.waitFor({ event: 'start', handler, key: `${id}/${key}` }).then(() => undefined);

  return { crash, starts, awaitingApproval };
}

/**
 * For every activity that completed on a retry (attempt > 1): the kind of task queue (NORMAL, STICKY) of
 * the workflow task scheduled right after its completion.
 */
async function queuesAfterRetriedSteps(client: Client, id: string): Promise<string[]> {
  const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const retried = new Set<string>();
  const kinds: string[] = [];
  events.forEach((event, i) => {
    const started = event.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) retried.add(String(started.scheduledEventId));
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed || !retried.has(String(completed.scheduledEventId))) return;
    const next = events.slice(i + 1).find((e) => e.workflowTaskScheduledEventAttributes);
    const kind = next?.workflowTaskScheduledEventAttributes?.taskQueue?.kind;
    if (kind != null)
      kinds.push(proto.temporal.api.enums.v1.TaskQueueKind[kind]!.replace(/^TASK_QUEUE_KIND_/, ''));
  });
  return kinds;
}

/** `ledger.step s3` for key `<pipelineId>/s3`. */
function relativeName(id: string, record: { handler: string; key: string }): string {
  return `${record.handler} ${record.key.slice(id.length + 1)}`;
}

/** Approval outputs carry the decision time; everything else must match exactly. */
function withoutDecisionTimes(outputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs).map(([id, output]) => {
      if (output && typeof output === 'object' && 'approved' in output) {
        const { at: _at, ...rest } = output as Record<string, unknown>;
        return [id, rest];
      }
      return [id, output];
    }),
  );
}
