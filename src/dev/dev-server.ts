import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli, TemporalCliNotFoundError, type ResolvedCli } from './temporal-cli.js';

/** Custom search attributes Stepline keeps on every pipeline (registered when the dev server starts). */
export const SEARCH_ATTRIBUTES = { SteplineName: 'Keyword', SteplineStatus: 'Keyword' } as const;

export interface DevServerOptions {
  /** SQLite file to persist to; in memory when absent. */
  dbFile?: string;
  /** Serve the Temporal Web UI (default true). */
  ui?: boolean;
  /** gRPC port (default: a free one). */
  port?: number;
  /** Web UI port when the UI is on (default: a free one). */
  uiPort?: number;
  namespace?: string;
  log?: (message: string) => void;
  /**
   * Fire timers and activity retries within ~10 ms instead of the server's default ~1 s look-ahead
   * (`history.timerProcessorMaxTimeShift`), so sub-second backoffs are observable. Default false.
   */
  preciseTimers?: boolean;
  /** Extra `temporal server start-dev` arguments. */
  extraArgs?: string[];
}

export interface DevServer {
  /** `host:port` of the frontend gRPC endpoint. */
  address: string;
  /** Temporal Web UI URL, when the UI is on. */
  uiUrl?: string;
  namespace: string;
  pid?: number;
  cli: ResolvedCli | { path: 'sdk-download'; source: 'sdk-download' };
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the frontend answers `GetSystemInfo`, or the process dies, or `timeoutMs` passes. */
async function waitUntilServing(
  address: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (;;) {
    if (exited !== undefined)
      throw new Error(`temporal server exited (code ${exited}) before serving:\n${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(
          `temporal server at ${address} did not answer within ${timeoutMs} ms: ${String(err)}\n${output()}`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts `temporal server start-dev` on free ports and resolves once it serves. The caller must `stop()` it;
 * it is also killed when this process exits normally or by SIGINT/SIGTERM.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? ((m: string) => console.error(m));
  const namespace = options.namespace ?? 'default';
  let cli: ResolvedCli;
  try {
    cli = await ensureTemporalCli({ log });
  } catch (err) {
    if (err instanceof TemporalCliNotFoundError && process.env.STEPLINE_ALLOW_SDK_DOWNLOAD !== '0') {
      log(
        `${err.message}\nstepline: trying the Temporal SDK's own dev-server download instead (needs internet)…`,
      );
      return await startSdkDownloadedServer(namespace, options, err);
    }
    throw err;
  }
  const port = options.port ?? (await freePort());
  const ui = options.ui ?? true;
  const uiPort = ui ? (options.uiPort ?? (await freePort())) : undefined;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(await freePort()),
    '--metrics-port',
    String(await freePort()),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  if (ui) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  if (options.preciseTimers) args.push('--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"');
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  args.push(...(options.extraArgs ?? []));

  const child = spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-6000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, child, () => output, 60_000);
  } catch (err) {
    await stopChild(child, 1000);
    process.off('exit', killOnExit);
    throw err;
  }
  return {
    address,
    uiUrl: ui ? `http://127.0.0.1:${uiPort}` : undefined,
    namespace,
    pid: child.pid,
    cli,
    async stop() {
      await stopChild(child);
      process.off('exit', killOnExit);
    },
  };
}

async function startSdkDownloadedServer(
  namespace: string,
  options: DevServerOptions,
  cause: Error,
): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  let env;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        namespace,
        ui: options.ui ?? true,
        dbFilename: options.dbFile,
        searchAttributes: [],
        extraArgs: Object.entries(SEARCH_ATTRIBUTES).flatMap(([n, t]) => ['--search-attribute', `${n}=${t}`]),
      },
    });
  } catch (err) {
    throw new TemporalCliNotFoundError(`${cause.message}\n\nThe SDK's download failed too: ${String(err)}`);
  }
  const address = env.address;
  return {
    address,
    namespace,
    cli: { path: 'sdk-download', source: 'sdk-download' },
    stop: () => env.teardown(),
  };
}
