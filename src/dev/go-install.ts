/** Finding executables and building Go tools into the project's cache (the Temporal CLI, the server). */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `command`'s path in one of `PATH`'s folders, or undefined. */
export function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface GoInstallOptions {
  /** `module/path@version` of each command to build. */
  packages: string[];
  /** Where the binaries go (`GOBIN`). */
  gobin: string;
  /** What is built, for progress lines ("the Temporal CLI v1.5.1"). */
  what: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  /** The error to throw (no Go, or the build failed). */
  fail: (message: string) => Error;
}

/** `go install` of `packages` into `gobin`, with a progress line every 30 s. Minutes on a cold module cache. */
export async function goInstall(options: GoInstallOptions): Promise<void> {
  const { env, log, what } = options;
  const go = onPath('go', env);
  if (!go)
    throw options.fail(`Go is not installed to build ${what} (go install ${options.packages.join(' ')})`);
  mkdirSync(options.gobin, { recursive: true });
  const started = Date.now();
  log(
    `stepline: building ${what} with Go into ${path.relative(process.cwd(), options.gobin) || options.gobin}` +
      ' (a few minutes the first time; cached afterwards)…',
  );
  const ticker = setInterval(
    () => log(`stepline: still building ${what} (${Math.round((Date.now() - started) / 1000)}s)…`),
    30_000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', ...options.packages], {
        env: { ...env, GOBIN: options.gobin, GOFLAGS: env.GOFLAGS ?? '-buildvcs=false' },
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-8000);
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(
              options.fail(`go install ${options.packages.join(' ')} failed (exit ${code}):\n${stderr}`),
            ),
      );
    });
  } finally {
    clearInterval(ticker);
  }
  log(`stepline: ${what} built in ${Math.round((Date.now() - started) / 1000)}s`);
}
