/**
 * Runs the `stepline` CLI as a child process (`node --import tsx src/cli/main.ts …`), the way users do,
 * against the test run's dev server (`TEMPORAL_ADDRESS` from `npm test`).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(PROJECT_ROOT, 'tests', 'cli', 'fixtures');
const MAIN = path.join(PROJECT_ROOT, 'src', 'cli', 'main.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  /** Settles when the process exits. */
  done: Promise<CliResult>;
  /** Output so far. */
  stdout(): string;
  kill(): void;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** Kill the process after this long (default 60 s). */
  timeoutMs?: number;
  /** Run `bin/stepline.js` instead of `src/cli/main.ts`. */
  bin?: boolean;
  /** Text for stdin. */
  input?: string;
}

/** Starts the CLI; stdout is a pipe, so it is not a TTY (plain output). */
export function startCli(args: string[], options: CliOptions = {}): CliProcess {
  const entry = options.bin ? [path.join(PROJECT_ROOT, 'bin', 'stepline.js')] : ['--import', 'tsx', MAIN];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { done, stdout: () => stdout, kill: () => child.kill('SIGKILL') };
}

/** Runs the CLI to its end. */
export async function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return await startCli(args, options).done;
}

/** The fixture's absolute path. */
export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}
