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

/** Attributes a compact dev line keeps (never tokens, payloads or stacks). */
const COMPACT_KEYS = [
  'stepId',
  'index',
  'attempt',
  'category',
  'retryable',
  'activityType',
  'workflowId',
] as const;

/** SDK messages that repeat what Stepline's own lines already say ("step attempt failed", "pipeline failed"), dropped below DEBUG. */
const DUPLICATE_SDK_MESSAGES = new Set(['Activity failed', 'Workflow failed']);

export interface DevLoggerOptions {
  /** Lowest level written. Default `WARN`: one line per failed step attempt, and problems. */
  level?: LogLevel;
  /** Where lines go. Default: stderr. */
  write?: (line: string) => void;
}

/**
 * The Runtime logger of `npm start` / `stepline dev`: readable and short. Below DEBUG each entry is one
 * line (`stepline: step load attempt 2 failed (network): ECONNRESET`), without task tokens, encoded tasks,
 * payloads or stacks, and the SDK's own "Activity failed" (which repeats Stepline's "step attempt failed"
 * with the whole task) is dropped. At DEBUG and TRACE every entry is written in full as a text line
 * (secret-named attributes such as `taskToken` still redacted).
 */
export class DevLogger extends DefaultLogger {
  constructor(options: DevLoggerOptions = {}) {
    const level = options.level ?? 'WARN';
    const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
    const verbose = level === 'DEBUG' || level === 'TRACE';
    super(level, (entry: LogEntry) => {
      if (verbose) return write(textLine(entry, {}));
      if (DUPLICATE_SDK_MESSAGES.has(entry.message)) return;
      write(compactLine(entry));
    });
  }
}

/** One short line for an entry: `stepline: <what> [key=value…]`. Exposed for tests. */
export function compactLine(entry: Pick<LogEntry, 'level' | 'message' | 'meta'>): string {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const error = shortError(meta.error);
  if (entry.message === 'step attempt failed') {
    const step = typeof meta.stepId === 'string' ? meta.stepId : String(meta.activityType ?? 'step');
    const item = typeof meta.index === 'number' ? ` item ${meta.index}` : '';
    const category = typeof meta.category === 'string' ? ` (${meta.category})` : '';
    const final = meta.retryable === false ? ', not retried' : '';
    return `stepline: step ${step}${item} attempt ${String(meta.attempt ?? '?')} failed${category}${final}: ${error ?? 'unknown error'}`;
  }
  const attrs = COMPACT_KEYS.filter((key) => meta[key] !== undefined && meta[key] !== null)
    .map((key) => `${key}=${String(meta[key])}`)
    .concat(error ? [`error=${JSON.stringify(error)}`] : []);
  const level = entry.level === 'INFO' ? '' : `${entry.level.toLowerCase()}: `;
  return `stepline: ${level}${oneLine(entry.message)}${attrs.length ? ` (${attrs.join(' ')})` : ''}`;
}

function shortError(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text =
    value instanceof Error ? value.message : typeof value === 'string' ? value : safeStringify(value);
  return oneLine(text).slice(0, 500);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
