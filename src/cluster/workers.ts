/** Stepline worker processes for the cluster: the real worker entry (`npm run worker`), one process each. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../dev/temporal-cli.js';

/** How to run the worker entry: the TypeScript source in a checkout, the compiled one in the package. */
export function workerCommand(): string[] {
  const source = path.join(PROJECT_ROOT, 'src', 'worker.ts');
  if (existsSync(source)) return [process.execPath, '--import', 'tsx', source];
  return [process.execPath, path.join(PROJECT_ROOT, 'dist', 'worker.js')];
}

export class WorkerProcess {
  private readonly child: ChildProcess;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {
    const [command, ...args] = workerCommand();
    const log = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(command!, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: PROJECT_ROOT });
    let tail = '';
    let ready = false;
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
      ready ||= tail.includes('stepline worker running');
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    let ended = false;
    const exited = new Promise<void>((resolve) => this.child.once('close', () => log.end(() => resolve())));
    this.exited = exited.then(() => {
      ended = true;
    });
    this.ready = (async () => {
      const deadline = Date.now() + 120_000;
      while (!ready) {
        if (ended) throw new Error(`Stepline ${name} exited before it ran; the end of ${logFile}:\n${tail}`);
        if (Date.now() > deadline)
          throw new Error(`Stepline ${name} did not start within 120 s (see ${logFile})`);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  }

  /** Settles once the worker polls its task queue; rejects when it exits first. */
  readonly ready: Promise<void>;

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM: the worker finishes its steps in flight (`STEPLINE_SHUTDOWN_GRACE_TIME`), then exits. */
  async stop(graceMs = 40_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    this.child.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }

  killNow(): void {
    this.child.kill('SIGKILL');
  }
}
