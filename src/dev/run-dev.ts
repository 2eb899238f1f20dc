/**
 * The embedded environment behind `npm start` and `stepline dev`: a Temporal dev server, a worker with the
 * built-in and example step handlers, and optionally the orders ETL example run end to end with its
 * progress printed. Ctrl-C (SIGINT) or SIGTERM stops the worker and the server.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LogLevel } from '@temporalio/common';
import { makeTelemetryFilterString, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { serveDashboard } from '../dashboard/main.js';
import type { RunningDashboard } from '../dashboard/server.js';
import { buildWeb, WEB_OUT_DIR } from '../dashboard/web-build.js';
import type { StepHandler } from '../activities/index.js';
import { PipelineClient } from '../client.js';
import { parseDefinitionText } from '../pipeline/load.js';
import { isTerminalStatus, type PipelineProgress } from '../pipeline/progress.js';
import { DevLogger } from '../telemetry/logger.js';
import { createPipelineWorker } from '../worker.js';
import { startDevServer, type DevServer } from './dev-server.js';
import { EXAMPLE_DEFINITION, loadExampleSteps } from './examples.js';
import { choosePort, DEFAULT_PORTS, parsePort } from './ports.js';

export interface DevOptions {
  /** SQLite file for the server's state; in memory when absent. */
  dbFile?: string;
  /** Serve the Temporal Web UI (default true). */
  ui?: boolean;
  /** gRPC port of the server (default 7233; taken → a free one, said in one line; 0 → a free one). */
  port?: number;
  /** Web UI port (default 8233; taken → a free one). */
  uiPort?: number;
  /** Dashboard port (default `STEPLINE_DASHBOARD_PORT`, else 8080; taken → a free one). */
  dashboardPort?: number;
  /** The default ports (tests inject others). Default {@link DEFAULT_PORTS}. */
  defaultPorts?: { server: number; ui: number; dashboard: number };
  /** Lowest level of the worker's log lines (default `WARN`: one line per failed step attempt). */
  logLevel?: LogLevel;
  /** Default `default`. */
  namespace?: string;
  /** Task queue of the worker (default `pipelines`). */
  taskQueue?: string;
  /** Step handlers besides the built-ins (default: the example handlers, `orders.*`). */
  steps?: StepHandler[];
  /** Start the orders ETL example and print its progress until it ends (default false). */
  example?: boolean;
  /** Serve the dashboard (default true). The page is built if missing. */
  dashboard?: boolean;
  log?: (message: string) => void;
}

export interface DevEnvironment {
  server: DevServer;
  worker: Worker;
  /** Stops the worker, then the server. Safe to call twice. */
  stop(): Promise<void>;
  /** Settles when the worker stops. */
  done: Promise<void>;
}

/** Starts the dev server and a worker; stops both on SIGINT/SIGTERM and then exits the process. */
export async function runDev(options: DevOptions = {}): Promise<DevEnvironment> {
  const log = options.log ?? ((message: string) => console.log(message));
  const level = options.logLevel ?? 'WARN';
  Runtime.install({
    logger: new DevLogger({ level, write: log }),
    telemetryOptions: {
      logging: {
        filter: makeTelemetryFilterString({
          core: level === 'DEBUG' || level === 'TRACE' ? level : 'WARN',
          other: 'ERROR',
        }),
        forward: {},
      },
    },
  });
  const defaults = options.defaultPorts ?? DEFAULT_PORTS;
  const ui = options.ui ?? true;
  const dashboardOn = options.dashboard ?? true;
  const port = await choosePort('Temporal server', options.port ?? defaults.server, '--port', log);
  const uiPort = ui ? await choosePort('Web UI', options.uiPort ?? defaults.ui, '--ui-port', log) : undefined;
  const envDashboardPort = process.env.STEPLINE_DASHBOARD_PORT;
  const dashboardPort = dashboardOn
    ? await choosePort(
        'dashboard',
        options.dashboardPort ??
          (envDashboardPort ? parsePort(envDashboardPort, 'STEPLINE_DASHBOARD_PORT') : defaults.dashboard),
        '--dashboard-port',
        log,
      )
    : undefined;
  const server = await startDevServer({
    ui,
    port,
    ...(uiPort !== undefined ? { uiPort } : {}),
    ...(options.dbFile ? { dbFile: options.dbFile } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  const running: {
    worker?: Worker;
    done?: Promise<void>;
    dashboard?: RunningDashboard;
    client?: PipelineClient;
  } = {};
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log('\nstepline: stopping dashboard, worker and Temporal server…');
      await running.dashboard?.close().catch(() => undefined);
      await running.client?.close().catch(() => undefined);
      if (running.worker?.getState() === 'RUNNING') running.worker.shutdown();
      await running.done?.catch(() => undefined);
      await server.stop();
    })());
  const stopAndExit = () => void stop().finally(() => process.exit(0));
  process.on('SIGINT', stopAndExit);
  process.on('SIGTERM', stopAndExit);

  log(`stepline: Temporal dev server at ${server.address} (namespace ${server.namespace})`);
  if (server.uiUrl) log(`stepline: Temporal Web UI at ${server.uiUrl}`);
  log(`stepline: for the CLI in other terminals: export TEMPORAL_ADDRESS=${server.address}`);

  try {
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createPipelineWorker({
      connection,
      namespace: server.namespace,
      steps: options.steps ?? (await loadExampleSteps()),
      ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
    });
    running.worker = worker;
    running.done = worker.run();
    log(`stepline: worker polling task queue ${worker.options.taskQueue}`);
    if (dashboardOn) {
      if (!existsSync(path.join(WEB_OUT_DIR, 'index.html'))) await buildWeb();
      running.client = await PipelineClient.connect({
        address: server.address,
        namespace: server.namespace,
        ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
      });
      running.dashboard = await serveDashboard(running.client, {
        log,
        ...(dashboardPort !== undefined ? { port: dashboardPort } : {}),
        // The page links pipelines to this server's Web UI unless STEPLINE_TEMPORAL_UI_URL says otherwise.
        ...(server.uiUrl && !process.env.STEPLINE_TEMPORAL_UI_URL ? { temporalUiUrl: server.uiUrl } : {}),
      });
    }
    const env: DevEnvironment = { server, worker, stop, done: running.done };
    if (options.example) await runExample(server, log, options.taskQueue);
    return env;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs the orders ETL example to its end, one progress line per change. */
async function runExample(
  server: DevServer,
  log: (message: string) => void,
  taskQueue?: string,
): Promise<void> {
  const client = await PipelineClient.connect({
    address: server.address,
    namespace: server.namespace,
    ...(taskQueue ? { taskQueue } : {}),
  });
  try {
    const definition = parseDefinitionText(readFileSync(EXAMPLE_DEFINITION, 'utf8'));
    const day = new Date().toISOString().slice(0, 10);
    const { pipelineId } = await client.start(definition, { params: { day, count: 20, fullRefresh: false } });
    log(`stepline: started example pipeline ${pipelineId}`);

    let version = -1;
    let progress: PipelineProgress;
    do {
      await new Promise((r) => setTimeout(r, 300));
      progress = await client.progress(pipelineId);
      if (progress.version !== version) {
        version = progress.version;
        log(formatProgressLine(progress));
      }
    } while (!isTerminalStatus(progress.status));
    const load = (await client.checkpoint(pipelineId)).steps.load?.output ?? null;
    log(`stepline: ${pipelineId} ${progress.status}; outputs: ${JSON.stringify(load)}`);
  } finally {
    await client.close();
  }
}

export function formatProgressLine(p: PipelineProgress): string {
  const steps = p.steps
    .map((s) => {
      const items = s.detail?.items
        ? ` ${s.detail.items.succeeded + s.detail.items.failed}/${s.detail.items.total}`
        : '';
      const pct =
        s.status === 'running' && s.detail?.percent !== undefined ? ` ${Math.round(s.detail.percent)}%` : '';
      return `${s.id}:${s.status}${items}${pct}`;
    })
    .join('  ');
  const eta = p.etaMs !== undefined ? ` eta ${(p.etaMs / 1000).toFixed(1)}s` : '';
  return `[${p.percent.toFixed(0).padStart(3)}%${eta}] ${p.status}  ${steps}`;
}
