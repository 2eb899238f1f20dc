/**
 * A real Temporal cluster on this machine: PostgreSQL, the schema set up by the server's own tool, and the
 * history, matching, frontend and worker services each in its own process, with the namespace and
 * Stepline's search attributes registered. `npm run cluster` adds workers and the dashboard (main.ts);
 * `npm run test:cluster` and `npm run bench -- --servers cluster` start one of these.
 */
import { randomInt } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { PROJECT_ROOT } from '../dev/temporal-cli.js';
import { portIsFree } from '../dev/ports.js';
import { ensureServerBinaries, type ServerBinaries } from './binaries.js';
import { registerNamespace } from './namespace.js';
import { externalPostgres, startLocalPostgres, type ClusterDatabase } from './postgres.js';
import { setUpSchemas } from './schema.js';
import { portVariables, SERVICE_NAMES, TemporalService, type ServiceName } from './services.js';

/** The default folder of the cluster's data and logs (ignored by git). */
export const CLUSTER_DIR = path.join(PROJECT_ROOT, '.cluster');
/** The dynamic configuration shared with docker-compose.yml. */
export const SHARED_DYNAMIC_CONFIG = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');

export interface ClusterOptions {
  /** Data and logs (default {@link CLUSTER_DIR}). */
  dir?: string;
  /** Keep the data when the cluster stops, for a restart (default: removed). */
  keep?: boolean;
  namespace?: string;
  /** Shards of the history service (default 4; fixed once the database exists). */
  historyShards?: number;
  /** Dynamic config settings on top of the shared file (tests: timer precision). */
  dynamicConfig?: Record<string, unknown>;
  /** The server's log level (default warn). */
  logLevel?: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

export interface LocalCluster {
  /** `host:port` of the frontend. */
  address: string;
  namespace: string;
  dir: string;
  database: ClusterDatabase;
  services: Readonly<Record<ServiceName, TemporalService>>;
  binaries: ServerBinaries;
  /** Stops the services (worker, frontend, matching, history), then PostgreSQL; removes the data unless kept. */
  stop(): Promise<void>;
}

/**
 * A free port below 32768: the server stores membership ports in a PostgreSQL `smallint`, so a port from
 * the kernel's ephemeral range (32768–60999) would stop the service at start.
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = randomInt(20_000, 32_768);
    if (!taken.has(port) && (await portIsFree(port))) {
      taken.add(port);
      return port;
    }
  }
}

function writeDynamicConfig(file: string, extra: Record<string, unknown>): void {
  const shared = readFileSync(SHARED_DYNAMIC_CONFIG, 'utf8');
  const more = Object.entries(extra).map(([key, value]) => stringify({ [key]: [{ value }] }));
  writeFileSync(file, [shared, ...more].join('\n'));
}

/** Starts the whole cluster; on any failure, stops what had started and throws. */
export async function startCluster(options: ClusterOptions = {}): Promise<LocalCluster> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((message: string) => console.error(message));
  const dir = path.resolve(options.dir ?? CLUSTER_DIR);
  const namespace = options.namespace ?? 'default';
  const logDir = path.join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its folder inside this one.
  if (process.getuid?.() === 0) chmodSync(dir, 0o755);
  const binaries = await ensureServerBinaries({ env, log });
  const taken = new Set<number>();
  const started: { database?: ClusterDatabase; services: TemporalService[] } = { services: [] };
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const service of [...started.services].reverse()) await service.close();
      await started.database?.stop();
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    })());
  try {
    const databaseUrl = env.STEPLINE_CLUSTER_DATABASE_URL;
    started.database = databaseUrl
      ? externalPostgres(databaseUrl)
      : await startLocalPostgres({ dir: path.join(dir, 'postgres'), port: await freeLowPort(taken), env });
    const database = started.database;
    log(`stepline cluster: ${database.describe}`);
    await setUpSchemas(binaries, database.endpoint);
    log('stepline cluster: Temporal schemas set up (temporal, temporal_visibility)');

    const dynamicConfig = path.join(dir, 'dynamicconfig.yaml');
    writeDynamicConfig(dynamicConfig, options.dynamicConfig ?? {});
    const ports = {} as Record<ServiceName, { grpc: number; membership: number }>;
    const serverEnv: NodeJS.ProcessEnv = {
      ...env,
      TEMPORAL_DB_HOST: database.endpoint.host,
      TEMPORAL_DB_PORT: String(database.endpoint.port),
      TEMPORAL_DB_USER: database.endpoint.user,
      TEMPORAL_DB_PASSWORD: database.endpoint.password,
      TEMPORAL_DYNAMIC_CONFIG: dynamicConfig,
      TEMPORAL_LOG_LEVEL: options.logLevel ?? 'warn',
      TEMPORAL_HISTORY_SHARDS: String(options.historyShards ?? 4),
      TEMPORAL_FRONTEND_HTTP_PORT: String(await freeLowPort(taken)),
    };
    for (const name of SERVICE_NAMES) {
      ports[name] = { grpc: await freeLowPort(taken), membership: await freeLowPort(taken) };
      const variables = portVariables(name);
      serverEnv[variables.grpc] = String(ports[name].grpc);
      serverEnv[variables.membership] = String(ports[name].membership);
    }
    const services = {} as Record<ServiceName, TemporalService>;
    for (const name of SERVICE_NAMES) {
      const service = new TemporalService(
        name,
        ports[name],
        binaries.server,
        serverEnv,
        path.join(logDir, `${name}.log`),
      );
      services[name] = service;
      started.services.push(service);
      await service.start();
      log(`stepline cluster: temporal ${name} (pid ${service.pid}) on 127.0.0.1:${ports[name].grpc}`);
    }
    const address = `127.0.0.1:${ports.frontend.grpc}`;
    await registerNamespace(address, namespace);
    log(`stepline cluster: namespace ${namespace} with search attributes SteplineName, SteplineStatus`);
    return { address, namespace, dir, database, services, binaries, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
