/**
 * The cluster's PostgreSQL: a local instance from the machine's PostgreSQL binaries (Debian's
 * `/usr/lib/postgresql/<n>/bin`, or `STEPLINE_PG_BIN`) in the cluster's folder, or an existing server named
 * by `STEPLINE_CLUSTER_DATABASE_URL`. PostgreSQL refuses to run as root: as root, the local instance runs
 * as the `postgres` system user (the Debian package creates it).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isExecutable, onPath } from '../dev/go-install.js';
import { ClusterSetupError } from './binaries.js';

/** Where Temporal's databases live. `password` is a secret: never logged. */
export interface DatabaseEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface ClusterDatabase {
  endpoint: DatabaseEndpoint;
  /** What to print: the address, never the password. */
  describe: string;
  /** Stops the local instance (nothing for an external server). */
  stop(): Promise<void>;
  /** Stops and starts the local instance on the same port (fault tests); undefined for an external one. */
  restart?: () => Promise<void>;
}

/** `postgres://user:password@host:port` (any database path is ignored: Temporal uses its own two). */
export function parseDatabaseUrl(text: string): DatabaseEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ClusterSetupError(
      'STEPLINE_CLUSTER_DATABASE_URL is not a URL (expected postgres://user:password@host:port)',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ClusterSetupError(
      `STEPLINE_CLUSTER_DATABASE_URL: expected a postgres:// URL, got ${url.protocol}//…`,
    );
  if (!url.hostname || !url.username)
    throw new ClusterSetupError('STEPLINE_CLUSTER_DATABASE_URL: expected postgres://user:password@host:port');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/** The folder holding `initdb` and `pg_ctl`: `STEPLINE_PG_BIN`, PATH, or the newest `/usr/lib/postgresql/<n>/bin`. */
export function postgresBinDir(env: NodeJS.ProcessEnv): string {
  if (env.STEPLINE_PG_BIN) {
    if (!isExecutable(path.join(env.STEPLINE_PG_BIN, 'pg_ctl')))
      throw new ClusterSetupError(`STEPLINE_PG_BIN is set to ${env.STEPLINE_PG_BIN}, but it has no pg_ctl`);
    return env.STEPLINE_PG_BIN;
  }
  const onPathCtl = onPath('pg_ctl', env);
  if (onPathCtl && isExecutable(path.join(path.dirname(onPathCtl), 'initdb'))) return path.dirname(onPathCtl);
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => isExecutable(path.join(debian, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(debian, versions[0], 'bin');
  throw new ClusterSetupError(
    'no PostgreSQL binaries found: install them (`apt-get install -y postgresql`), set STEPLINE_PG_BIN to the folder holding pg_ctl and initdb, or set STEPLINE_CLUSTER_DATABASE_URL to an existing server',
  );
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** As root, the `postgres` user's ids (PostgreSQL will not run as root). */
function postgresUser(): RunAs {
  if (process.getuid?.() !== 0) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new ClusterSetupError(
      'running as root, and PostgreSQL refuses to run as root: create a `postgres` user (the Debian package does) or run as another user',
    );
  }
}

function run(binary: string, args: string[], runAs: RunAs, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      ...runAs,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new ClusterSetupError(`${what} failed (exit ${code}):\n${output}`)),
    );
  });
}

export interface LocalPostgresOptions {
  /** The instance's folder: `data/`, its log and its generated password. */
  dir: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

/**
 * Initialises (first time) and starts PostgreSQL on 127.0.0.1:`port`, password-protected (scram), with a
 * `temporal` superuser whose generated password is kept in `<dir>/password` (mode 600) for restarts.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<ClusterDatabase> {
  const bin = postgresBinDir(options.env);
  const runAs = postgresUser();
  const dataDir = path.join(options.dir, 'data');
  const passwordFile = path.join(options.dir, 'password');
  const logFile = path.join(options.dir, 'postgres.log');
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  if (runAs.uid !== undefined) chownSync(options.dir, runAs.uid, runAs.gid ?? -1);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    if (runAs.uid !== undefined) chownSync(passwordFile, runAs.uid, runAs.gid ?? -1);
    await run(
      path.join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        'temporal',
        '--auth=scram-sha-256',
        `--pwfile=${passwordFile}`,
        '-E',
        'UTF8',
        '--no-instructions',
      ],
      runAs,
      'initdb',
    );
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const settings = [
    `-p ${options.port}`,
    '-c listen_addresses=127.0.0.1',
    "-c unix_socket_directories=''",
    '-c max_connections=400',
  ].join(' ');
  const pgCtl = (action: 'start' | 'stop') =>
    run(
      path.join(bin, 'pg_ctl'),
      action === 'start'
        ? ['-D', dataDir, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start']
        : ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'],
      runAs,
      `pg_ctl ${action} (log: ${logFile})`,
    );
  await pgCtl('start');
  let running = true;
  return {
    endpoint: { host: '127.0.0.1', port: options.port, user: 'temporal', password },
    describe: `PostgreSQL (${bin}) at 127.0.0.1:${options.port}, data in ${dataDir}`,
    async stop() {
      if (!running) return;
      running = false;
      await pgCtl('stop');
    },
    async restart() {
      await pgCtl('stop');
      await pgCtl('start');
    },
  };
}

/** An existing PostgreSQL server; the cluster never stops it. */
export function externalPostgres(url: string): ClusterDatabase {
  const endpoint = parseDatabaseUrl(url);
  return {
    endpoint,
    describe: `PostgreSQL at ${endpoint.host}:${endpoint.port} (STEPLINE_CLUSTER_DATABASE_URL)`,
    stop: () => Promise.resolve(),
  };
}
