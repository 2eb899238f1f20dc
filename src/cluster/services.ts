/**
 * Temporal's four services, each its own `temporal-server start --service <name>` process, configured
 * only through the environment read by `deploy/temporal/config/stepline.yaml`. Each can be killed and
 * started again on the same ports (fault tests, `docs/cluster.md`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from '../dev/temporal-cli.js';
import { ClusterSetupError } from './binaries.js';

/** In start order: history owns the shards, matching the task queues, frontend the API, worker the system workflows. */
export const SERVICE_NAMES = ['history', 'matching', 'frontend', 'worker'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The folder of the server configuration shared with docker-compose.yml. */
export const SERVER_CONFIG_DIR = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'config');

export interface ServicePorts {
  grpc: number;
  membership: number;
}

/** Which variable of the configuration template holds each port. */
export function portVariables(name: ServiceName): { grpc: string; membership: string } {
  const prefix = `TEMPORAL_${name.toUpperCase()}`;
  return { grpc: `${prefix}_PORT`, membership: `${prefix}_MEMBERSHIP_PORT` };
}

/** The exact command line of one service (docs/cluster.md shows it as a systemd unit would run it). */
export function serviceCommand(server: string, name: ServiceName): string[] {
  return [
    server,
    '--root',
    '/',
    '--config',
    SERVER_CONFIG_DIR,
    '--env',
    'stepline',
    '--allow-no-auth',
    'start',
    '--service',
    name,
  ];
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; rejects when `failed()` says why first. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  failed: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = failed();
    if (reason) throw new ClusterSetupError(reason);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new ClusterSetupError(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One service process; its output goes to `<logDir>/<name>.log`. */
export class TemporalService {
  private child?: ChildProcess;
  private log?: WriteStream;
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private tail = '';

  constructor(
    readonly name: ServiceName,
    readonly ports: ServicePorts,
    private readonly server: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exit === undefined;
  }

  /** Starts the process and waits until its gRPC port listens. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) return;
    this.exit = undefined;
    this.tail = '';
    this.log ??= createWriteStream(this.logFile, { flags: 'a' });
    const [command, ...args] = serviceCommand(this.server, this.name);
    const child = spawn(command!, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.log?.write(chunk);
      this.tail = (this.tail + chunk.toString()).slice(-3000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      if (this.child === child) this.exit = { code, signal };
    });
    // The worker service serves no gRPC API; its membership (ringpop) port says it has joined.
    const port = this.name === 'worker' ? this.ports.membership : this.ports.grpc;
    await waitForPort(port, timeoutMs, () =>
      this.exit
        ? `temporal ${this.name} exited (${this.exit.signal ?? this.exit.code}) before serving; the end of ${this.logFile}:\n${this.tail}`
        : undefined,
    );
  }

  /** Sends `signal` and waits for the process to end (SIGKILL after `graceMs` for a gentler signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || this.exit) return;
    await new Promise<void>((resolve) => {
      const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
  }

  /** Kills the process at once (no shutdown at all): what a crashed machine does. */
  killNow(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }

  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
    this.log = undefined;
  }
}
