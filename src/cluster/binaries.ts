/**
 * The Temporal server and its schema tool for the local cluster, found like the CLI (a setting, then PATH,
 * then the project's cache) or built from Go modules into `.cache/temporal-server/<version>/`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { goInstall, isExecutable, onPath } from '../dev/go-install.js';
import { PROJECT_ROOT } from '../dev/temporal-cli.js';

/** The server release the cluster runs and CI tests (the compose file uses the same). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';
export const SERVER_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'temporal-server', TEMPORAL_SERVER_VERSION);

export class ClusterSetupError extends Error {
  override readonly name = 'ClusterSetupError';
}

export interface ServerBinaries {
  /** `temporal-server` (the module's `cmd/server`). */
  server: string;
  /** `temporal-sql-tool` (the module's `cmd/tools/sql`). */
  sqlTool: string;
  /** The module's `schema/postgresql/v12` folder (`temporal/` and `visibility/`). */
  schemaDir: string;
}

interface Lookup {
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
}

function fromSetting(file: string | undefined, name: string): string | undefined {
  if (!file) return undefined;
  if (!isExecutable(file))
    throw new ClusterSetupError(`${name} is set to ${file}, but no executable is there`);
  return file;
}

function find(
  env: NodeJS.ProcessEnv,
  setting: [value: string | undefined, name: string],
  command: string,
  cached: string,
): string | undefined {
  return fromSetting(...setting) ?? onPath(command, env) ?? (isExecutable(cached) ? cached : undefined);
}

/** The Go module cache's copy of the server module (holds the schema), downloading it if Go can. */
function serverModuleDir(env: NodeJS.ProcessEnv): string | undefined {
  const go = onPath('go', env);
  if (!go) return undefined;
  const out = spawnSync(go, ['mod', 'download', '-json', `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], {
    encoding: 'utf8',
    env: { ...env, GOFLAGS: env.GOFLAGS ?? '-mod=mod' },
  });
  try {
    return (JSON.parse(out.stdout) as { Dir?: string }).Dir;
  } catch {
    return undefined;
  }
}

function schemaDirOf(env: NodeJS.ProcessEnv): string {
  const dir = env.TEMPORAL_SCHEMA_DIR ?? path.join(serverModuleDir(env) ?? '', 'schema', 'postgresql', 'v12');
  if (
    !existsSync(path.join(dir, 'temporal', 'versioned')) ||
    !existsSync(path.join(dir, 'visibility', 'versioned'))
  )
    throw new ClusterSetupError(
      `no PostgreSQL schema at ${dir}: set TEMPORAL_SCHEMA_DIR to the server's schema/postgresql/v12 folder, or install Go so Stepline can fetch ${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`,
    );
  return dir;
}

/** Finds the server and the schema tool, building both with `go install` when either is missing. */
export async function ensureServerBinaries({ env, log }: Lookup): Promise<ServerBinaries> {
  const cachedServer = path.join(SERVER_CACHE_DIR, 'server');
  const cachedTool = path.join(SERVER_CACHE_DIR, 'sql');
  let server = find(env, [env.TEMPORAL_SERVER_PATH, 'TEMPORAL_SERVER_PATH'], 'temporal-server', cachedServer);
  let sqlTool = find(
    env,
    [env.TEMPORAL_SQL_TOOL_PATH, 'TEMPORAL_SQL_TOOL_PATH'],
    'temporal-sql-tool',
    cachedTool,
  );
  if (!server || !sqlTool) {
    await goInstall({
      packages: [
        `${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
        `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
      ],
      gobin: SERVER_CACHE_DIR,
      what: `the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL schema tool`,
      env,
      log,
      fail: (message) =>
        new ClusterSetupError(
          `${message}\nOr point TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH at temporal-server and temporal-sql-tool binaries.`,
        ),
    });
    server ??= cachedServer;
    sqlTool ??= cachedTool;
  }
  return { server, sqlTool, schemaDir: schemaDirOf(env) };
}
