/**
 * What every command shares: the global connection options, a connected client, the terminal, and
 * the way commands report their exit code.
 */
import os from 'node:os';
import { Option, type Command } from 'commander';
import type { PipelineClient } from '../client.js';
import { profileDefaults, settingsFromEnv, type SteplineSettings } from '../config.js';
import { shellWord } from './format.js';

/**
 * Defaults under the environment and the flags: a `temporal.toml` profile's address and namespace when
 * one exists, else Stepline's. TLS / mTLS / API key come from the same shared settings when connecting.
 */
const DEFAULTS = { ...settingsFromEnv({}), ...profileDefaults() };

/** `--address`, `--namespace`, `--task-queue`: flags win over the environment, which wins over defaults. */
export function globalOptions(): Option[] {
  return [
    new Option('--address <host:port>', 'Temporal frontend address')
      .env('TEMPORAL_ADDRESS')
      .default(DEFAULTS.address),
    new Option('--namespace <name>', 'Temporal namespace')
      .env('TEMPORAL_NAMESPACE')
      .default(DEFAULTS.namespace),
    new Option('--task-queue <queue>', 'task queue of the pipeline workers')
      .env('STEPLINE_TASK_QUEUE')
      .default(DEFAULTS.taskQueue),
  ];
}

/** The connection settings a command runs with. */
export function settingsOf(command: Command): SteplineSettings {
  const opts = command.optsWithGlobals<{ address: string; namespace: string; taskQueue: string }>();
  return { address: opts.address, namespace: opts.namespace, taskQueue: opts.taskQueue };
}

/**
 * How to call the CLI again with the same connection, for suggested commands: `stepline`, plus
 * `--address`/`--namespace` when they were given as flags (environment settings carry over by themselves).
 */
export function commandPrefix(command: Command): string {
  const opts = command.optsWithGlobals<{ address: string; namespace: string }>();
  const parts = ['stepline'];
  if (command.getOptionValueSourceWithGlobals('address') === 'cli')
    parts.push('--address', shellWord(opts.address));
  if (command.getOptionValueSourceWithGlobals('namespace') === 'cli')
    parts.push('--namespace', shellWord(opts.namespace));
  return parts.join(' ');
}

/** Connects, runs `fn`, closes the connection whatever happens. */
export async function withClient<T>(
  command: Command,
  fn: (client: PipelineClient) => Promise<T>,
): Promise<T> {
  const { PipelineClient } = await import('../client.js'); // loaded on demand: --help and validate stay fast
  const client = await PipelineClient.connect(settingsOf(command));
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Who decides, when `--by` is not given: `STEPLINE_USER`, else the login name. */
export function defaultActor(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.STEPLINE_USER) return env.STEPLINE_USER;
  try {
    return os.userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

export interface Terminal {
  /** stdout is a terminal: live views and colours. */
  isTTY: boolean;
  color: boolean;
  columns: number;
  rows: number;
  write(text: string): void;
  error(text: string): void;
}

/** The process's terminal: colours only on a TTY and without `NO_COLOR`. */
export function processTerminal(): Terminal {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    isTTY,
    color: isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
    get columns() {
      return process.stdout.columns || 100;
    },
    get rows() {
      return process.stdout.rows || 40;
    },
    write: (text) => void process.stdout.write(text),
    error: (text) => void process.stderr.write(text),
  };
}

/** Prints lines to stdout. */
export function print(lines: string | string[]): void {
  const text = Array.isArray(lines) ? lines.join('\n') : lines;
  process.stdout.write(`${text}\n`);
}

/** Prints lines to stderr. */
export function printErr(lines: string | string[]): void {
  const text = Array.isArray(lines) ? lines.join('\n') : lines;
  process.stderr.write(`${text}\n`);
}

/** Where an action leaves its exit code (commander ignores return values). */
export const outcome = { exitCode: 0 };

/** Wraps an async command action: its returned number (default 0) becomes the exit code. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    outcome.exitCode = (await fn(...args)) ?? 0;
  };
}
