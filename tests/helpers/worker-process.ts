/**
 * The real worker entry (`node --import tsx src/worker.ts`, what `npm run worker` and the container run)
 * as a child process, configured only through its environment, for deployment and operations tests:
 * it waits for the `stepline worker running` log line, keeps every output line, parses the JSON ones,
 * and can SIGTERM (graceful) or SIGKILL the process. Children still running when the test process exits
 * are killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(PROJECT_ROOT, 'src', 'worker.ts');

/** A step module exporting `ledger.step` / `ledger.undo`, writing to `STEPLINE_LEDGER`. */
export const LEDGER_STEPS_MODULE = path.join(PROJECT_ROOT, 'tests', 'fixtures', 'steps', 'ledger-steps.ts');

export type LogRecord = Record<string, unknown> & { level?: string; msg?: string };

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface WorkerProcessOptions {
  /** Merged over the test process's environment (which carries TEMPORAL_ADDRESS, STEPLINE_WORKFLOW_BUNDLE). */
  env: NodeJS.ProcessEnv;
  /** Give up waiting for the worker to run after this long. Default 60 s. */
  readyTimeoutMs?: number;
  /** Name in error messages and (with STEPLINE_CHILD_LOG=1) on echoed lines. */
  name?: string;
}

export class WorkerProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitedAt?: number;
  #partial = '';

  private constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    live.add(child);
    const collect = (chunk: Buffer) => {
      const text = this.#partial + chunk.toString();
      const parts = text.split('\n');
      this.#partial = parts.pop() ?? '';
      for (const line of parts) {
        this.lines.push(line);
        if (process.env.STEPLINE_CHILD_LOG) process.stderr.write(`[${this.name}] ${line}\n`);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        live.delete(child);
        this.exitedAt = Date.now();
        if (this.#partial) this.lines.push(this.#partial);
        this.#partial = '';
        resolve({ code, signal });
      });
    });
  }

  /** Spawns the worker without waiting for it (for workers expected to fail). */
  static spawn(options: WorkerProcessOptions): WorkerProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new WorkerProcess(child, options.name ?? `worker-${child.pid}`);
  }

  /** Spawns the worker and resolves once it logs `stepline worker running`. */
  static async start(options: WorkerProcessOptions): Promise<WorkerProcess> {
    const worker = WorkerProcess.spawn(options);
    try {
      await worker.waitForLog((r) => r.msg === 'stepline worker running', options.readyTimeoutMs ?? 60_000);
    } catch (err) {
      await worker.kill();
      throw err;
    }
    return worker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Every output line that is a JSON object. */
  records(): LogRecord[] {
    const records: LogRecord[] = [];
    for (const line of this.lines) {
      if (!line.startsWith('{')) continue;
      try {
        records.push(JSON.parse(line) as LogRecord);
      } catch {
        // not JSON: checked by the tests that care
      }
    }
    return records;
  }

  /** The `stepline worker running` record: identity, metricsUrl, … */
  get running(): LogRecord {
    const record = this.records().find((r) => r.msg === 'stepline worker running');
    if (!record) throw new Error(`${this.name} has not logged "stepline worker running"`);
    return record;
  }

  get identity(): string {
    return String(this.running.identity);
  }

  get metricsUrl(): string {
    return String(this.running.metricsUrl);
  }

  output(): string {
    return this.lines.join('\n') + (this.#partial ? `\n${this.#partial}` : '');
  }

  async waitForLog(match: (record: LogRecord) => boolean, timeoutMs = 30_000): Promise<LogRecord> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const found = this.records().find(match);
      if (found) return found;
      if (exited || Date.now() > deadline) {
        throw new Error(
          `${this.name}: expected log line not seen (${exited ? 'process exited' : `${timeoutMs} ms`}):\n` +
            this.lines.slice(-30).join('\n'),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** SIGTERM: graceful shutdown. Resolves with the exit (SIGKILL after `killAfterMs`). */
  async terminate(killAfterMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), killAfterMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** SIGKILL: no shutdown at all. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Kills every worker process still running (for `after` hooks). */
export async function killWorkerProcesses(): Promise<void> {
  const exits = [...live].map(
    (child) => new Promise<void>((resolve) => child.once('close', () => resolve())),
  );
  for (const child of live) child.kill('SIGKILL');
  await Promise.all(exits);
}

/** Parses Prometheus text: `name{labels} value` lines into samples. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function metricValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
