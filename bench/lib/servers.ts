/**
 * The servers a bench run measures, behind one shape: the dev server (SQLite file or in memory, one
 * process) and the local cluster (`startCluster()`: PostgreSQL and the history, matching, frontend and
 * worker services as separate processes, in its own temporary folder).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type LocalCluster } from '../../src/cluster/cluster.js';
import { TEMPORAL_SERVER_VERSION } from '../../src/cluster/binaries.js';
import { startDevServer, type DevServer } from '../../src/dev/dev-server.js';
import type { ServerKind } from './context.js';

/** The SDK's stress CI: `--sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=OFF --headless`. */
export const SQLITE_ARGS = ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF'];

/** History shards of the bench cluster (the cluster's default). */
export const CLUSTER_HISTORY_SHARDS = 4;

export interface BenchServer {
  kind: ServerKind;
  address: string;
  namespace: string;
  /** Processes whose CPU counts as the server's (each with its descendants). */
  pids(): number[];
  /** What the results file records about how it ran. */
  settings: Record<string, unknown>;
  /** Server software version. */
  version: string;
  stop(): Promise<void>;
}

function devServerVersion(server: DevServer): string {
  return server.cli.path !== 'sdk-download'
    ? spawnSync(server.cli.path, ['--version'], { encoding: 'utf8' }).stdout.trim()
    : 'sdk-download';
}

/** `history.timerProcessorMaxTimeShift` 10 ms instead of the server's 1 s default (B5 evidence). */
export interface ServerTuning {
  preciseTimers?: boolean;
}

const PRECISE_TIMERS = { 'history.timerProcessorMaxTimeShift': '10ms' };

async function devServer(
  kind: 'sqlite' | 'memory',
  runDir: string,
  log: (m: string) => void,
  tuning: ServerTuning,
): Promise<BenchServer> {
  const dbFile = kind === 'sqlite' ? path.join(runDir, 'temporal.sqlite') : undefined;
  const server = await startDevServer({
    ui: false,
    preciseTimers: tuning.preciseTimers ?? false,
    ...(dbFile ? { dbFile, extraArgs: SQLITE_ARGS } : {}),
    log,
  });
  return {
    kind,
    address: server.address,
    namespace: server.namespace,
    pids: () => (server.pid !== undefined ? [server.pid] : []),
    settings: {
      args: [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        ...(kind === 'sqlite' ? ['--db-filename', '<tmp>', ...SQLITE_ARGS] : []),
        ...(tuning.preciseTimers
          ? ['--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"']
          : []),
      ],
    },
    version: devServerVersion(server),
    stop: () => server.stop(),
  };
}

/** The postmaster's pid (first line of `postmaster.pid`); its backends are its children. */
function postmasterPid(cluster: LocalCluster): number | undefined {
  try {
    const pid = Number(
      readFileSync(path.join(cluster.dir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function cluster(log: (m: string) => void, tuning: ServerTuning): Promise<BenchServer> {
  // Its own folder beside the run folder (mode 700): PostgreSQL runs as the `postgres` user when this is root,
  // and must reach its data. The cluster removes it when it stops.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepline-bench-cluster-'));
  chmodSync(dir, 0o755);
  const started = await startCluster({
    dir,
    historyShards: CLUSTER_HISTORY_SHARDS,
    log,
    ...(tuning.preciseTimers ? { dynamicConfig: PRECISE_TIMERS } : {}),
  });
  return {
    kind: 'cluster',
    address: started.address,
    namespace: started.namespace,
    pids: () =>
      [...Object.values(started.services).map((s) => s.pid), postmasterPid(started)].filter(
        (pid): pid is number => pid !== undefined,
      ),
    settings: {
      startCluster: {
        historyShards: CLUSTER_HISTORY_SHARDS,
        dynamicConfig: 'deploy/temporal/dynamicconfig.yaml',
        ...(tuning.preciseTimers ? { extra: PRECISE_TIMERS } : {}),
      },
      database: started.database.describe.replace(/, data in .*/, ''),
      services: Object.keys(started.services),
    },
    version: `temporal-server ${TEMPORAL_SERVER_VERSION}`,
    stop: () => started.stop(),
  };
}

const live = new Set<BenchServer>();

/** Stops every server still running (a signal or the run's time limit ended the run mid-way). */
export async function stopAllServers(): Promise<void> {
  await Promise.allSettled([...live].map((server) => server.stop()));
}

/** Starts a server of `kind`; {@link stopAllServers} stops it too until its own `stop()` is called. */
export async function startBenchServer(
  kind: ServerKind,
  runDir: string,
  log: (m: string) => void,
  tuning: ServerTuning = {},
): Promise<BenchServer> {
  const server = await startServer(kind, runDir, log, tuning);
  live.add(server);
  return {
    ...server,
    stop: async () => {
      live.delete(server);
      await server.stop();
    },
  };
}

function startServer(
  kind: ServerKind,
  runDir: string,
  log: (m: string) => void,
  tuning: ServerTuning,
): Promise<BenchServer> {
  switch (kind) {
    case 'sqlite':
    case 'memory':
      return devServer(kind, runDir, log, tuning);
    case 'cluster':
      return cluster(log, tuning);
    default: {
      const never: never = kind;
      throw new Error(`unknown server kind ${String(never)}`);
    }
  }
}
