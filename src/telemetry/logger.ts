/**
 * Structured logs for the worker process: one JSON object per line on stdout (`STEPLINE_LOG_FORMAT=json`,
 * the default) or readable text (`text`). It is the Temporal Runtime's logger, so the SDK's own messages,
 * Core's (forwarded), the workflow logger's and the activity logger's all come through it, with their
 * attributes (`workflowId`, `activityType`, …) plus Stepline's (`pipelineId`, `pipeline`, `stepId`).
 *
 * Secrets never reach the output: attributes whose name looks secret (api key, token, password,
 * authorization, private key, …) are replaced by `[redacted]`, and every registered secret value (the
 * API key, the mTLS private key) is scrubbed from the whole line, wherever it appears.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { LogFormat } from '../config.js';

/** Attribute names whose values are never written. */
const SECRET_KEY = /api[-_]?key|token|passw|secret|authori[sz]ation|private[-_]?key|^key$|cookie|credential/i;
const REDACTED = '[redacted]';

export interface StructuredLoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Values scrubbed from every line (strings shorter than 4 characters are ignored). */
  secrets?: Iterable<string>;
  /** Where lines go. Default: stdout. */
  write?: (line: string) => void;
  /** Attributes on every line (e.g. `service`). */
  base?: Record<string, unknown>;
}

/** A Temporal {@link Logger} that writes structured lines and never writes a secret. */
export class StructuredLogger extends DefaultLogger {
  readonly #secrets = new Set<string>();

  constructor(options: StructuredLoggerOptions = {}) {
    const format = options.format ?? 'json';
    const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
    const base = options.base ?? {};
    super(options.level ?? 'INFO', (entry: LogEntry) => {
      const line = format === 'json' ? jsonLine(entry, base) : textLine(entry, base);
      write(this.scrub(line));
    });
    for (const secret of options.secrets ?? []) this.addSecret(secret);
  }

  /** Registers a value that must never appear in a line (and its JSON-escaped form). */
  addSecret(value: string | undefined): void {
    if (!value || value.length < 4) return;
    this.#secrets.add(value);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.#secrets.add(escaped);
  }

  scrub(line: string): string {
    let out = line;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }
}

function jsonLine(entry: LogEntry, base: Record<string, unknown>): string {
  const record: Record<string, unknown> = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level.toLowerCase(),
    msg: entry.message,
    ...base,
  };
  for (const [key, value] of Object.entries(entry.meta ?? {})) {
    if (key in record && ['time', 'level', 'msg'].includes(key)) continue;
    record[key] = SECRET_KEY.test(key) ? REDACTED : plain(value, 0);
  }
  return safeStringify(record);
}

function textLine(entry: LogEntry, base: Record<string, unknown>): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const attrs = Object.entries({ ...base, ...entry.meta })
    .map(([key, value]) => `${key}=${SECRET_KEY.test(key) ? REDACTED : safeStringify(plain(value, 0))}`)
    .join(' ');
  return `${time} ${entry.level.padEnd(5)} ${entry.message}${attrs ? ` ${attrs}` : ''}`;
}

/** A JSON-safe copy: errors as `{ name, message, stack }`, bigints as strings, secret-named keys redacted. */
function plain(value: unknown, depth: number): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value !== 'object') return value;
  if (depth > 6) return '[…]';
  if (value instanceof Error) {
    const cause = (value as { cause?: unknown }).cause;
    return {
      name: value.name,
      message: value.message,
      ...(value.stack ? { stack: value.stack } : {}),
      ...(cause !== undefined ? { cause: plain(cause, depth + 1) } : {}),
    };
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => plain(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : plain(item, depth + 1);
  }
  return out;
}

function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'object' && item !== null) {
      if (seen.has(item)) return '[circular]';
      seen.add(item);
    }
    return item;
  });
}

/** A logger that adds `meta` to every call (for one component). */
export function withMeta(logger: Logger, meta: LogMetadata): Logger {
  const log = (level: LogLevel, message: string, extra?: LogMetadata) =>
    logger.log(level, message, { ...meta, ...extra });
  return {
    log,
    trace: (message, extra) => log('TRACE', message, extra),
    debug: (message, extra) => log('DEBUG', message, extra),
    info: (message, extra) => log('INFO', message, extra),
    warn: (message, extra) => log('WARN', message, extra),
    error: (message, extra) => log('ERROR', message, extra),
  };
}
