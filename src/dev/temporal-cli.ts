import { spawnSync } from 'node:child_process';
import { goInstall, isExecutable, onPath } from './go-install.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Temporal CLI release Stepline builds when no binary is at hand (newer tags cannot be `go install`ed). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Ignored folder where the built CLI is cached: `.cache/temporal/<version>/temporal`. */
export const CLI_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'temporal', TEMPORAL_CLI_VERSION);

export type CliSource = 'env' | 'path' | 'cache' | 'go-build';

export interface ResolvedCli {
  path: string;
  source: CliSource;
}

export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
}

type Log = (message: string) => void;

export interface CliLookupOptions {
  /** Environment to read `TEMPORAL_CLI_PATH` and `PATH` from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where the built CLI is cached. Default: {@link CLI_CACHE_DIR}. */
  cacheDir?: string;
  /** Progress messages. Default: stderr. */
  log?: Log;
}

/**
 * Finds the `temporal` CLI without building anything: `TEMPORAL_CLI_PATH`, then `temporal` on PATH,
 * then the project's cache. Returns undefined when none is there.
 */
export function findTemporalCli(options: CliLookupOptions = {}): ResolvedCli | undefined {
  const env = options.env ?? process.env;
  const fromEnv = env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new TemporalCliNotFoundError(
        `TEMPORAL_CLI_PATH is set to ${fromEnv}, but no executable is there. Point it at a temporal binary or unset it.`,
      );
    }
    return { path: fromEnv, source: 'env' };
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'path' };
  const cached = path.join(options.cacheDir ?? CLI_CACHE_DIR, 'temporal');
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

/** Builds the CLI with `go install` into the cache. Takes minutes on a cold Go module cache. */
export async function buildTemporalCli(options: CliLookupOptions = {}): Promise<ResolvedCli> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((m: string) => console.error(m));
  const cacheDir = options.cacheDir ?? CLI_CACHE_DIR;
  const go = onPath('go', env);
  if (!go) {
    throw new TemporalCliNotFoundError(
      [
        'No Temporal CLI found and Go is not installed to build one.',
        'Do one of these:',
        '  - install the Temporal CLI (https://docs.temporal.io/cli) so `temporal` is on PATH,',
        '  - set TEMPORAL_CLI_PATH to a temporal binary,',
        `  - install Go >= 1.23 so Stepline can run: go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`,
      ].join('\n'),
    );
  }
  await goInstall({
    packages: [`${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`],
    gobin: cacheDir,
    what: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`,
    env,
    log,
    fail: (message) => new TemporalCliNotFoundError(message),
  });
  const built = path.join(cacheDir, 'temporal');
  if (!isExecutable(built)) throw new TemporalCliNotFoundError(`go install finished but ${built} is missing`);
  return { path: built, source: 'go-build' };
}

/** Finds the CLI, building it with Go when it is nowhere (see README "Where the Temporal CLI comes from"). */
export async function ensureTemporalCli(options: CliLookupOptions = {}): Promise<ResolvedCli> {
  return findTemporalCli(options) ?? (await buildTemporalCli(options));
}

export function temporalCliVersion(cliPath: string): string {
  const out = spawnSync(cliPath, ['--version'], { encoding: 'utf8' });
  return (out.stdout || out.stderr).trim();
}
