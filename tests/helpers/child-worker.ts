/**
 * A Stepline worker in a child process, for tests that kill it. Run as
 * `node --import tsx tests/helpers/child-worker.ts` with `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
 * `STEPLINE_TASK_QUEUE`, `STEPLINE_LEDGER` (the ledger file) and optionally `STEPLINE_WORKFLOW_BUNDLE`;
 * it prints `READY` once the worker polls. It registers two step handlers that write every execution to
 * the ledger: `ledger.step` and the compensation handler `ledger.undo`.
 *
 * The test side: {@link ChildWorker} spawns it, waits for `READY`, SIGKILLs and restarts it; every child
 * is killed when the test process exits, and a child exits by itself when its parent goes away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { z } from 'zod';
import { defineStep, type StepContext, type StepHandler } from '../../src/activities/index.js';
import { appendLedgerRecord } from './ledger.js';

// ---- the step handlers (run in the child) ------------------------------------------------------------

const ledgerInput = z.object({ ms: z.number().int().min(0).default(0) }).passthrough();
type LedgerInput = z.infer<typeof ledgerInput>;

/** What a ledger handler returns: derived from its input and position only, so runs can be compared. */
export interface LedgerOutput {
  stepId: string;
  index: number | null;
  value: unknown;
  digest: string;
}

export function ledgerOutput(handler: string, stepId: string, index: number | undefined, input: LedgerInput) {
  const digest = createHash('sha256')
    .update(JSON.stringify([handler, stepId, index ?? null, input]))
    .digest('hex')
    .slice(0, 16);
  return { stepId, index: index ?? null, value: input.value ?? null, digest } satisfies LedgerOutput;
}

/**
 * `defaults` for definitions run by crash tests: a short heartbeat timeout and retry interval, so a step
 * whose worker died runs again ~2 s later (about when a replacement worker is ready). 1 s proved too tight
 * on a loaded 2-core machine: a fresh worker's first heartbeat can come later than that, and the spurious
 * retry spoils the exact counts the tests assert.
 */
export const CRASH_DEFAULTS = {
  timeouts: { heartbeat: '2s', startToClose: '30s' },
  retry: { initialInterval: '200ms', maxAttempts: 5 },
};

/**
 * A pipeline of `steps` `ledger.step` steps `s1 … sN`, each working `stepMs` and feeding its output's
 * digest to the next, so a re-run or a lost output shows in the final outputs.
 */
export function ledgerChain(name: string, steps: number, stepMs: number) {
  return {
    name,
    defaults: CRASH_DEFAULTS,
    steps: Array.from({ length: steps }, (_, i) => ({
      id: `s${i + 1}`,
      activity: 'ledger.step',
      input: {
        ms: stepMs,
        value: `s${i + 1}:{{ params.seed }}`,
        ...(i > 0 ? { prev: `{{ steps.s${i}.output.digest }}` } : {}),
      },
    })),
  };
}

/** How often a ledger handler heartbeats while it works. */
const HEARTBEAT_EVERY_MS = 100;

/**
 * `ledger.step` and `ledger.undo`: record `start`, work `ms` milliseconds (heartbeating, cancellable:
 * a cancellation is recorded as `cancel`), record `finish`, return {@link ledgerOutput}.
 */
export function ledgerSteps(file: string): StepHandler[] {
  const run = (handler: string) => async (input: LedgerInput, ctx: StepContext) => {
    const record = {
      handler,
      key: ctx.idempotencyKey,
      stepId: ctx.stepId,
      ...(ctx.index === undefined ? {} : { index: ctx.index }),
      attempt: ctx.attempt,
    };
    appendLedgerRecord(file, { ...record, event: 'start' });
    const started = Date.now();
    const beat = () => ctx.reportProgress(input.ms ? ((Date.now() - started) / input.ms) * 100 : 100);
    beat();
    const heartbeats = setInterval(beat, HEARTBEAT_EVERY_MS);
    try {
      await ctx.sleep(input.ms);
    } catch (err) {
      appendLedgerRecord(file, { ...record, event: 'cancel' });
      throw err;
    } finally {
      clearInterval(heartbeats);
    }
    const output = ledgerOutput(handler, ctx.stepId, ctx.index, input);
    appendLedgerRecord(file, { ...record, event: 'finish', digest: output.digest });
    return output;
  };
  return [
    defineStep({ name: 'ledger.step', input: ledgerInput, run: run('ledger.step') }),
    defineStep({ name: 'ledger.undo', input: ledgerInput, run: run('ledger.undo') }),
  ];
}

// ---- the child process ---------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  const { createPipelineWorker } = await import('../../src/worker.js');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const ledgerFile = process.env.STEPLINE_LEDGER;
  if (!ledgerFile) throw new Error('STEPLINE_LEDGER is not set');
  // The parent went away (IPC channel closed): leave no orphan behind.
  process.on('disconnect', () => process.exit(1));
  const worker = await createPipelineWorker({
    steps: ledgerSteps(ledgerFile),
    workerOptions: {
      identity: `child-worker-${process.pid}`,
      // Heartbeats reach the server every 200 ms, well inside the tests' 1 s heartbeat timeouts.
      maxHeartbeatThrottleInterval: '200ms',
      shutdownGraceTime: '1s',
    },
  });
  const running = worker.run();
  while (worker.getState() !== 'RUNNING') {
    if (['FAILED', 'STOPPED'].includes(worker.getState())) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (worker.getState() === 'RUNNING') process.stdout.write('READY\n');
  await running;
  process.exit(0);
}

const ENTRY = fileURLToPath(import.meta.url);
if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  main().catch((err: unknown) => {
    console.error(`child worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}

// ---- the test side -----------------------------------------------------------------------------------

export interface ChildWorkerOptions {
  address: string;
  taskQueue: string;
  /** The ledger file the step handlers write to. */
  ledger: string;
  namespace?: string;
  /** Give up waiting for `READY` after this long. Default 60 s. */
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A worker child process. `start` resolves once it prints `READY`. */
export class ChildWorker {
  #output = '';
  readonly #exit: Promise<void>;
  /** How long from spawn to `READY`, in ms. */
  readyInMs = 0;

  private constructor(
    readonly options: ChildWorkerOptions,
    private readonly child: ChildProcess,
  ) {
    live.add(child);
    this.#exit = new Promise((resolve) => {
      child.once('exit', () => {
        live.delete(child);
        resolve();
      });
    });
    const collect = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-8000);
      if (process.env.STEPLINE_CHILD_LOG) process.stderr.write(`[worker ${child.pid}] ${chunk.toString()}`);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  }

  static async start(options: ChildWorkerOptions): Promise<ChildWorker> {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: options.address,
        TEMPORAL_NAMESPACE: options.namespace ?? 'default',
        STEPLINE_TASK_QUEUE: options.taskQueue,
        STEPLINE_LEDGER: options.ledger,
      },
    });
    // Never keep the test process alive: its exit (normal or not) kills the children instead.
    child.unref();
    child.channel?.unref();
    const worker = new ChildWorker(options, child);
    try {
      await worker.waitReady(options.readyTimeoutMs ?? 60_000);
    } catch (err) {
      await worker.kill();
      throw err;
    }
    worker.readyInMs = Date.now() - started;
    return worker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** The last 8 kB of the child's stdout and stderr. */
  get output(): string {
    return this.#output;
  }

  private waitReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`child worker not READY within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onData = () => {
        if (/^READY$/m.test(this.#output)) done();
      };
      const onExit = (code: number | null, signal: string | null) =>
        done(new Error(`child worker exited (${signal ?? code}) before READY`));
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.off('exit', onExit);
        if (err) reject(new Error(`${err.message}:\n${this.#output}`));
        else resolve();
      };
      this.child.stdout?.on('data', onData);
      this.child.once('exit', onExit);
      onData();
    });
  }

  /** SIGKILL: no graceful shutdown, no last heartbeat. Resolves once the process is gone. */
  async kill(): Promise<void> {
    this.child.ref(); // keep the test process alive until the exit is seen
    if (!this.exited) this.child.kill('SIGKILL');
    await this.#exit;
  }

  /** SIGTERM (the worker shuts down gracefully), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return await this.#exit;
    this.child.ref();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    this.child.kill('SIGTERM');
    await this.#exit;
    clearTimeout(timer);
  }

  /** Kills this worker if it still runs and starts a new one with the same options. */
  async restart(): Promise<ChildWorker> {
    await this.kill();
    return await ChildWorker.start(this.options);
  }
}

/** SIGKILLs every child worker still running (for `after` hooks). */
export async function killChildWorkers(): Promise<void> {
  const exits = [...live].map(
    (child) =>
      new Promise<void>((resolve) =>
        child.exitCode !== null || child.signalCode !== null
          ? resolve()
          : child.once('exit', () => resolve()),
      ),
  );
  for (const child of live) child.kill('SIGKILL');
  await Promise.all(exits);
}
