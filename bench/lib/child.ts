/**
 * The parent side of `bench/worker-child.ts`: spawns a worker process, waits until it polls, asks it for
 * its memory, shuts it down or SIGKILLs it. Every child still alive is SIGKILLed when the benchmark
 * process exits, however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';
import type { ThreadHeap } from './threads.js';

const ENTRY = fileURLToPath(new URL('../worker-child.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Parent → child. */
export type ParentMessage =
  | { type: 'memory' }
  | { type: 'heap-sampling-start' }
  | { type: 'heap-sampling-stop'; filePrefix: string }
  | { type: 'shutdown' };

/** Child → parent. `*Ms` are milliseconds since the child process started. */
export type ChildMessage =
  | { type: 'ready'; importedMs: number; createdMs: number; runningMs: number }
  | ({ type: 'memory' } & MemorySample)
  | { type: 'heap-sampling'; files: string[] };

/** Bytes, after full GCs in every thread. */
export interface MemorySample {
  rss: number;
  /** The main thread's V8 heap (worker, activities). */
  heapUsed: number;
  external: number;
  /** The worker threads' V8 heaps (workflow code). */
  threads: ThreadHeap[];
}

export interface ChildWorkerOptions {
  address: string;
  namespace: string;
  /** Queue of the Stepline worker; absent = no Stepline worker. */
  taskQueue?: string;
  /** Prebuilt workflow bundle of the Stepline worker; absent = it bundles Stepline's workflows at start. */
  bundle?: string;
  /** Queue and bundle of the hand-written baseline worker (same process); absent = none. */
  baselineTaskQueue?: string;
  baselineBundle?: string;
  ledger?: string;
  identity?: string;
  workerOptions?: Partial<WorkerOptions>;
  /** Append the child's stdout/stderr here. */
  logFile?: string;
  /** Extra `node` flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
}
process.once('exit', killAllChildren);

export class ChildWorker {
  /** `Date.now()` just before spawning. */
  readonly spawnedAt: number;
  /** When the ready message arrived (parent clock), and what the child reported. */
  readyAt = 0;
  ready?: Extract<ChildMessage, { type: 'ready' }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly log?: WriteStream;
  private tail = '';
  private readonly memoryWaiters: ((sample: MemorySample) => void)[] = [];
  private readonly samplingWaiters: ((files: string[]) => void)[] = [];

  private constructor(
    readonly options: ChildWorkerOptions,
    private readonly child: ChildProcess,
    spawnedAt: number,
  ) {
    this.spawnedAt = spawnedAt;
    live.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        resolve({ code, signal });
      }),
    );
    if (options.logFile) this.log = createWriteStream(options.logFile, { flags: 'a' });
    const collect = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString()).slice(-4000);
      this.log?.write(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        this.readyAt = Date.now();
        this.ready = message;
      } else if (message.type === 'memory') {
        const { type: _type, ...sample } = message;
        this.memoryWaiters.shift()?.(sample);
      } else if (message.type === 'heap-sampling') {
        this.samplingWaiters.shift()?.(message.files);
      }
    });
  }

  /** Spawns the child; resolves once its worker is running (polling), or throws with its output. */
  static async start(options: ChildWorkerOptions): Promise<ChildWorker> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BENCH_ADDRESS: options.address,
      BENCH_NAMESPACE: options.namespace,
      ...(options.taskQueue ? { BENCH_TASK_QUEUE: options.taskQueue } : {}),
      ...(options.bundle ? { BENCH_BUNDLE: options.bundle } : {}),
      ...(options.baselineTaskQueue && options.baselineBundle
        ? {
            BENCH_BASELINE_TASK_QUEUE: options.baselineTaskQueue,
            BENCH_BASELINE_BUNDLE: options.baselineBundle,
          }
        : {}),
      ...(options.ledger ? { BENCH_LEDGER: options.ledger } : {}),
      ...(options.identity ? { BENCH_IDENTITY: options.identity } : {}),
      ...(options.workerOptions ? { BENCH_WORKER_OPTIONS: JSON.stringify(options.workerOptions) } : {}),
    };
    delete env.STEPLINE_WORKFLOW_BUNDLE;
    const spawnedAt = Date.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--expose-gc', ...(options.nodeFlags ?? []), ENTRY],
      { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
    );
    const worker = new ChildWorker(options, child, spawnedAt);
    try {
      await worker.waitReady(options.readyTimeoutMs ?? 120_000);
    } catch (err) {
      await worker.kill();
      throw err;
    }
    return worker;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get output(): string {
    return this.tail;
  }

  private waitReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`bench worker not running within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'ready') done();
      };
      const onExit = (code: number | null, signal: string | null) =>
        done(new Error(`bench worker exited (${signal ?? code}) before it ran`));
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) reject(new Error(`${err.message}:\n${this.tail}`));
        else resolve();
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  /** The child's memory after two full GCs (it runs with `--expose-gc`). */
  memory(): Promise<MemorySample> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench worker did not report its memory')), 30_000);
      this.memoryWaiters.push((sample) => {
        clearTimeout(timer);
        resolve(sample);
      });
      this.child.send({ type: 'memory' } satisfies ParentMessage);
    });
  }

  /**
   * Sampling heap profile of the worker threads (workflow code): `start`, then `stop` writes
   * `<filePrefix>.thread<N>.heapprofile` (open in Chrome DevTools) with what is still retained.
   */
  heapSampling(action: 'start'): Promise<string[]>;
  heapSampling(action: 'stop', filePrefix: string): Promise<string[]>;
  heapSampling(action: 'start' | 'stop', filePrefix = ''): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench worker did not answer heap sampling')), 120_000);
      this.samplingWaiters.push((files) => {
        clearTimeout(timer);
        resolve(files);
      });
      this.child.send(
        (action === 'start'
          ? { type: 'heap-sampling-start' }
          : { type: 'heap-sampling-stop', filePrefix }) satisfies ParentMessage,
      );
    });
  }

  /** SIGKILL: no graceful shutdown, no last heartbeat. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    this.log?.end();
  }

  /** Graceful shutdown over IPC (lets `--cpu-prof` write its profile); SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      if (this.child.connected) this.child.send({ type: 'shutdown' } satisfies ParentMessage);
      else this.child.kill('SIGTERM');
      await this.exited;
      clearTimeout(timer);
    }
    this.log?.end();
  }
}
