/**
 * Ports of the local environment (`npm start`, `stepline dev`): Temporal's own defaults when they are
 * free, else a free port, said in one line.
 */
import net from 'node:net';
import type { LogLevel } from '@temporalio/common';
import { freePort } from './dev-server.js';

/** The ports `temporal server start-dev` and Stepline use by default. */
export const DEFAULT_PORTS = { server: 7233, ui: 8233, dashboard: 8080 } as const;

/** Whether `port` can be listened on at `host` (default 127.0.0.1). */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * `wanted` when it is free, else a free port (and one line naming both and the flag that sets it).
 * `wanted` 0 picks a free port silently.
 */
export async function choosePort(
  what: string,
  wanted: number,
  flag: string,
  log: (line: string) => void,
  isFree: (port: number) => Promise<boolean> = portIsFree,
): Promise<number> {
  if (wanted === 0) return await freePort();
  if (await isFree(wanted)) return wanted;
  const port = await freePort();
  log(`stepline: ${what} port ${wanted} is taken; using ${port} instead (choose one with ${flag})`);
  return port;
}

/** A port number from a flag or variable; throws naming `name` when it is none. */
export function parsePort(text: string | number, name: string): number {
  const port = typeof text === 'number' ? text : /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`${name}: expected a port number 0-65535, got ${JSON.stringify(String(text))}`);
  return port;
}

const LOG_LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/** `debug|info|warn|error` (any case) as a Temporal log level; throws on anything else. */
export function parseLogLevel(text: string): LogLevel {
  const level = LOG_LEVELS[text.trim().toLowerCase()];
  if (!level)
    throw new RangeError(`--log-level: expected debug, info, warn or error, got ${JSON.stringify(text)}`);
  return level;
}

/** Comma-separated step module paths (`--steps`, `STEPLINE_STEPS`). */
export function splitModules(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}
