/**
 * Processes of the npm package as a user runs them, for the tests that pack the repository and install
 * the tarball into a fresh project (package.test.ts, docs-guide.test.ts): a staged copy to `npm pack`
 * from, the installed package's environment, child processes each in a process group of its own (npx
 * starts a child of its own) that the suite kills in its `after`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverAddress } from './harness.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What `npm pack` needs to build and pack (package.json `files` plus the build's inputs). */
export const STAGED = [
  'package.json',
  'README.md',
  'tsconfig.json',
  'tsconfig.build.json',
  'bin',
  'docs',
  'schema',
  'src',
  'web',
];

export const repoPackage = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

/**
 * Copies what `npm pack` needs into `stage` (created), with the repository's node_modules linked in:
 * packing there builds dist/ without touching the checkout's.
 */
export function stageRepository(stage: string): void {
  mkdirSync(stage, { recursive: true });
  for (const entry of STAGED) cpSync(path.join(REPO, entry), path.join(stage, entry), { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every process started here and still running. */
const started = new Set<ChildProcess>();

/** The environment of the installed package's processes: the dev server, and nothing of the test run's. */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TEMPORAL_ADDRESS: serverAddress() };
  delete env.STEPLINE_WORKFLOW_BUNDLE; // the package must use its own bundle
  delete env.STEPLINE_STEPS;
  delete env.STEPLINE_TASK_QUEUE;
  delete env.NODE_OPTIONS; // no tsx
  return env;
}

export interface Started {
  child: ChildProcess;
  done: Promise<Run>;
  output: () => string;
}

export function start(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = userEnv(),
): Started {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      started.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done, output: () => stdout + stderr };
}

/** Runs a command to its end; killed (with its group) after `timeoutMs`. */
export async function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<Run> {
  const proc = start(command, args, cwd, env);
  const timer = setTimeout(() => killGroup(proc.child, 'SIGKILL'), timeoutMs);
  try {
    return await proc.done;
  } finally {
    clearTimeout(timer);
  }
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL when it has not ended after `graceMs`. */
export async function stop(proc: Started, graceMs = 15_000): Promise<void> {
  killGroup(proc.child, 'SIGTERM');
  const stopped = await Promise.race([
    proc.done.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs)),
  ]);
  if (!stopped) killGroup(proc.child, 'SIGKILL');
}

/** Kills every process started here that still runs (for a suite's `after`). */
export function killAll(): void {
  for (const child of started) killGroup(child, 'SIGKILL');
}

/** Waits until the process printed something matching `pattern`; fails when it exits or after `timeoutMs`. */
export async function waitForOutput(proc: Started, pattern: RegExp, timeoutMs: number, what: string) {
  const t0 = Date.now();
  while (!pattern.test(proc.output())) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null)
      throw new Error(`${what} exited\n${proc.output().slice(-4000)}`);
    if (Date.now() - t0 > timeoutMs)
      throw new Error(
        `${what}: nothing matching ${pattern} in ${timeoutMs / 1000} s\n${proc.output().slice(-4000)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function explain(result: Run): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`;
}

/** A free loopback port (listen on 0, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
