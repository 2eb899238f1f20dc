/**
 * Errors step handlers throw (or that the built-in handlers throw) and that the classifier understands,
 * plus the errors of the registry itself.
 */
import type { ErrorCategory, Severity } from '../pipeline/errors.js';

/**
 * Severity of a failure when neither a `classify` rule nor the error itself says otherwise. Nothing
 * defaults to `critical`: that is reserved for what a rule or a handler decides is worth a human.
 */
export const DEFAULT_SEVERITY: Readonly<Record<ErrorCategory, Severity>> = {
  network: 'medium',
  timeout: 'medium',
  rate_limit: 'medium',
  validation: 'high',
  auth: 'high',
  not_found: 'high',
  conflict: 'medium',
  resource: 'high',
  dependency: 'medium',
  internal: 'high',
  unknown: 'medium',
};

/** Options of {@link StepError}. */
export interface StepErrorOptions {
  /** The failure's category: what the recovery rules match on. */
  category: ErrorCategory;
  /** The failure's severity. Default: {@link DEFAULT_SEVERITY} of the category. */
  severity?: Severity;
  /** A machine-readable code (`E_QUOTA`) that `classify` rules can match. Default: none. */
  code?: string;
  /** The error that caused this one. Default: none. */
  cause?: unknown;
}

/**
 * An error a step handler throws to choose its failure's category (and severity) explicitly.
 * The definition's `classify` rules are still tried first.
 * (The classified result is a `StepFailureDetails`, src/pipeline/errors.ts; not the web UI's `StepError`
 * component, nor the workflow's internal `StepFailed`.)
 *
 * @example
 * throw new StepError('quota exceeded for account 42', { category: 'rate_limit', code: 'E_QUOTA' });
 */
export class StepError extends Error {
  override readonly name = 'StepError';
  /** The failure's category. */
  readonly category: ErrorCategory;
  /** The failure's severity. */
  readonly severity: Severity;
  /** A machine-readable code, when given. */
  readonly code?: string;

  constructor(message: string, options: StepErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.category = options.category;
    this.severity = options.severity ?? DEFAULT_SEVERITY[options.category];
    if (options.code !== undefined) this.code = options.code;
  }
}

/** Options of {@link HttpStatusError}. */
export interface HttpStatusErrorOptions {
  status: number;
  statusText?: string;
  /** Request method, like `GET`. */
  method: string;
  /** The request URL without credentials, query or fragment. */
  url: string;
  /** The response body (parsed JSON or text, possibly cut short). Default: none. */
  body?: unknown;
  /** From a `Retry-After` response header, in milliseconds. Default: none. */
  retryAfterMs?: number;
}

/**
 * An HTTP answer outside 2xx. The classifier maps its status: 429 → `rate_limit`, 401/403 → `auth`,
 * 404 → `not_found`, 409 → `conflict`, 5xx → `dependency`, any other status → `validation`.
 * Its `code` is `HTTP_<status>`.
 */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  readonly status: number;
  readonly statusText: string;
  readonly method: string;
  readonly url: string;
  readonly code: string;
  readonly body?: unknown;
  readonly retryAfterMs?: number;

  constructor(options: HttpStatusErrorOptions) {
    const text = options.statusText ? ` ${options.statusText}` : '';
    super(`${options.method} ${options.url} answered ${options.status}${text}${bodySnippet(options.body)}`);
    this.status = options.status;
    this.statusText = options.statusText ?? '';
    this.method = options.method;
    this.url = options.url;
    this.code = `HTTP_${options.status}`;
    if (options.body !== undefined) this.body = options.body;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

function bodySnippet(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  let text: string;
  try {
    text = typeof body === 'string' ? body : JSON.stringify(body);
  } catch {
    return '';
  }
  text = text.replace(/\s+/g, ' ').trim();
  if (!text) return '';
  return `: ${text.length > 300 ? `${text.slice(0, 297)}...` : text}`;
}

/**
 * An HTTP request that got no answer: the connection failed (`code` is Node's, like `ECONNREFUSED`)
 * or it timed out (its `cause` is the `TimeoutError`).
 */
export class HttpRequestError extends Error {
  override readonly name = 'HttpRequestError';
  readonly code?: string;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    if (options.code !== undefined) this.code = options.code;
  }
}

/** A step handler could not be defined or registered (bad name, duplicate name, not a handler). */
export class StepRegistryError extends Error {
  override readonly name = 'StepRegistryError';
}

/** A step module (`STEPLINE_STEPS`) could not be loaded or exports no step handlers. */
export class StepModuleError extends Error {
  override readonly name = 'StepModuleError';
  /** The module path as given. */
  readonly path: string;

  constructor(path: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.path = path;
  }
}
