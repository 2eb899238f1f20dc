/**
 * Turns whatever a step handler threw into a {@link StepFailureDetails}: the definition's `classify`
 * rules first, then a category the error states itself, then the built-in rules, then `unknown`.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ClassifyRule } from '../pipeline/definition.js';
import {
  isCategory,
  isSeverity,
  type ErrorCategory,
  type Severity,
  type StepFailureDetails,
} from '../pipeline/errors.js';
import { LIMITS } from '../pipeline/limits.js';
import { DEFAULT_SEVERITY, StepError } from './errors.js';
import { boundedCause, boundedDetails, boundedMessage } from './failure-size.js';
import { formatZodIssues } from './issues.js';

/** Longest message kept in failure details; longer ones are cut (failures travel through history). */
export const MAX_FAILURE_MESSAGE_LENGTH: number = LIMITS.maxErrorMessageLength;

/** How deep `cause` chains are followed. */
const MAX_CHAIN = 10;

/** Node and undici error codes, by category. ETIMEDOUT is a socket-level timeout: `network`. */
const CODE_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
  ...fromList('network', [
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'ETIMEDOUT',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EPIPE',
    'EHOSTUNREACH',
    'EHOSTDOWN',
    'ENETUNREACH',
    'ENETDOWN',
    'ENETRESET',
    'UND_ERR_SOCKET',
    'UND_ERR_CLOSED',
    'UND_ERR_CONNECT_TIMEOUT',
  ]),
  ...fromList('timeout', ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']),
  ...fromList('resource', ['ENOMEM', 'ENOSPC', 'EMFILE', 'ENFILE', 'EDQUOT']),
  ...fromList('not_found', ['ENOENT']),
  ...fromList('auth', ['EACCES', 'EPERM']),
  ...fromList('conflict', ['EEXIST']),
  ...fromList('validation', ['ERR_INVALID_URL']),
};

/** Error names, by category: zod's errors and the `AbortSignal.timeout()` / abort family. */
const NAME_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
  ZodError: 'validation',
  $ZodError: 'validation',
  TimeoutError: 'timeout',
  AbortError: 'timeout',
  TimeoutFailure: 'timeout',
};

function fromList(category: ErrorCategory, codes: string[]): Record<string, ErrorCategory> {
  return Object.fromEntries(codes.map((code) => [code, category]));
}

/** The category of an HTTP status outside 2xx/3xx, per the README. */
export function httpStatusCategory(status: number): ErrorCategory {
  if (status === 429) return 'rate_limit';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'dependency';
  return 'validation';
}

/** What the classifier reads from one link of an error chain; every field read defensively. */
interface ErrorView {
  value: unknown;
  message: string;
  name?: string;
  code?: string;
  /** HTTP status (4xx/5xx) of an `HttpStatusError` or any error with a numeric `status`/`statusCode`. */
  status?: number;
  /** An ApplicationFailure's `type`. */
  type?: string;
}

/**
 * Classifies a thrown value. Never throws, whatever it is given (strings, `null`, objects with
 * throwing getters).
 *
 * Order: `rules` (the definition's `classify`, in order; a rule matches when every field it gives
 * matches one error of the `cause` chain: `message` as a case-insensitive substring, `name` exactly
 * (an ApplicationFailure's `type` counts as its name), `code` exactly); then a category the error
 * states itself ({@link StepError}, or an ApplicationFailure whose `type` is a category); then the
 * built-in rules along the `cause` chain (HTTP status, Node error codes, zod errors, timeouts and
 * aborts); then `unknown`. Severity: the rule's or the error's, else {@link DEFAULT_SEVERITY}.
 *
 * @param rules the definition's `classify` rules. Default: none.
 */
export function classifyError(err: unknown, rules: readonly ClassifyRule[] = []): StepFailureDetails {
  try {
    return classifyChain(causeChain(err), rules);
  } catch {
    return { category: 'unknown', severity: DEFAULT_SEVERITY.unknown, message: 'unreadable error' };
  }
}

function classifyChain(chain: ErrorView[], rules: readonly ClassifyRule[]): StepFailureDetails {
  const details = (category: ErrorCategory, severity?: Severity): StepFailureDetails =>
    describe(chain, category, severity ?? DEFAULT_SEVERITY[category]);

  for (const rule of rules) {
    if (chain.some((view) => ruleMatches(rule, view))) return details(rule.category, rule.severity);
  }
  for (const view of chain) {
    const stated = statedCategory(view.value);
    if (stated) return details(stated.category, stated.severity);
  }
  for (const view of chain) {
    const category = builtinCategory(view);
    if (category) return details(category);
  }
  return details('unknown');
}

function ruleMatches(rule: ClassifyRule, view: ErrorView): boolean {
  const { message, name, code } = rule.match;
  if (message !== undefined && !view.message.toLowerCase().includes(message.toLowerCase())) return false;
  if (name !== undefined && view.name !== name && view.type !== name) return false;
  if (code !== undefined && view.code !== code) return false;
  return true;
}

function statedCategory(value: unknown): { category: ErrorCategory; severity?: Severity } | undefined {
  if (
    value instanceof StepError ||
    (read(value, 'name') === 'StepError' && isCategory(read(value, 'category')))
  ) {
    const severity = read(value, 'severity');
    return {
      category: read(value, 'category') as ErrorCategory,
      severity: isSeverity(severity) ? severity : undefined,
    };
  }
  if (isApplicationFailure(value) && isCategory(value.type)) {
    const severity = read(read(value.details, 0), 'severity');
    return { category: value.type, severity: isSeverity(severity) ? severity : undefined };
  }
  return undefined;
}

function builtinCategory(view: ErrorView): ErrorCategory | undefined {
  if (view.status !== undefined) return httpStatusCategory(view.status);
  if (view.code !== undefined && Object.hasOwn(CODE_CATEGORIES, view.code)) return CODE_CATEGORIES[view.code];
  if (view.name !== undefined && Object.hasOwn(NAME_CATEGORIES, view.name)) return NAME_CATEGORIES[view.name];
  return undefined;
}

function describe(chain: ErrorView[], category: ErrorCategory, severity: Severity): StepFailureDetails {
  const [top, cause] = chain;
  let message = top?.message ?? 'unknown error';
  // A generic wrapper (`TypeError: fetch failed`) says little without its cause; a specific error says enough.
  const generic = top?.name === undefined || top.name === 'Error' || top.name === 'TypeError';
  if (generic && cause?.message && !message.includes(cause.message)) message = `${message}: ${cause.message}`;
  const details: StepFailureDetails = { category, severity, message: truncate(message) };
  const code = chain.find((view) => view.code !== undefined)?.code;
  if (code !== undefined) details.code = code;
  if (top?.name !== undefined) details.name = top.name;
  return details;
}

/** The thrown value, then its `cause`s (and an AggregateError's `errors`), outermost first. */
function causeChain(err: unknown): ErrorView[] {
  const chain: ErrorView[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && chain.length < MAX_CHAIN) {
    const value = queue.shift();
    if (chain.length > 0 && (value === undefined || value === null)) continue;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) continue;
      seen.add(value);
    }
    chain.push(view(value));
    const cause = read(value, 'cause');
    if (cause !== undefined && cause !== null) queue.push(cause);
    const errors = read(value, 'errors');
    if (Array.isArray(errors)) queue.push(...errors.slice(0, 3));
  }
  return chain;
}

function view(value: unknown): ErrorView {
  const result: ErrorView = { value, message: messageOf(value) };
  if (typeof value !== 'object' || value === null) return result;
  const name = read(value, 'name');
  if (typeof name === 'string' && name) result.name = name;
  const code = read(value, 'code');
  if (typeof code === 'string' && code) result.code = code;
  const status = read(value, 'status') ?? read(value, 'statusCode');
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) {
    result.status = status;
  }
  if (isApplicationFailure(value) && typeof value.type === 'string') result.type = value.type;
  return result;
}

function messageOf(value: unknown): string {
  if (typeof value === 'string') return value || 'empty string thrown';
  const issues = read(value, 'issues');
  if (Array.isArray(issues) && issues.length > 0 && String(read(value, 'name')).endsWith('ZodError')) {
    return formatZodIssues(issues);
  }
  if (value === null || value === undefined || typeof value !== 'object') {
    return `${safeString(value)} thrown`;
  }
  const message = read(value, 'message');
  if (typeof message === 'string' && message) return message;
  const json = safeJson(value);
  if (json && json !== '{}')
    return `${read(value, 'name') === undefined ? 'object' : 'error'} thrown: ${json}`;
  return `${safeString(value)} thrown`;
}

/**
 * `value instanceof type`, false instead of throwing: Temporal's failure classes answer `instanceof`
 * by reading a property of the value, which a hostile proxy can make throw.
 */
export function isInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

function isApplicationFailure(value: unknown): value is ApplicationFailure {
  return isInstance(value, ApplicationFailure);
}

/** Reads a property without letting getters, proxies or revoked objects throw. */
function read(value: unknown, key: string | number): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  try {
    return (value as Record<string | number, unknown>)[key];
  } catch {
    return undefined;
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return `[${typeof value}]`;
    }
  }
}

function safeJson(value: unknown): string | undefined {
  try {
    return truncate(JSON.stringify(value) ?? '', 200);
  } catch {
    return undefined;
  }
}

function truncate(text: string, max = MAX_FAILURE_MESSAGE_LENGTH): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Whether `value` is a well-formed {@link StepFailureDetails}. */
export function isStepFailureDetails(value: unknown): value is StepFailureDetails {
  return (
    isCategory(read(value, 'category')) &&
    isSeverity(read(value, 'severity')) &&
    typeof read(value, 'message') === 'string'
  );
}

/** Options of {@link toApplicationFailure}. */
export interface ToApplicationFailureOptions {
  /** Fail the activity without further attempts. Default: false (the retry policy decides by `type`). */
  nonRetryable?: boolean;
  /** Delay before the next attempt, overriding the retry policy's backoff. Default: the policy's. */
  nextRetryDelayMs?: number;
}

/**
 * The ApplicationFailure a classified step failure reaches the workflow as: `type` is the category
 * (matched against the retry policy's `nonRetryableErrorTypes`), `details[0]` the {@link StepFailureDetails}.
 * Its message and details are cut to the error-message limit; the cause is a bounded copy (see
 * `failure-size.ts`), so a huge error can never make a failure the server refuses.
 *
 * @param cause the original error, kept (as a bounded copy) as the failure's cause when it is an Error. Default: none.
 */
export function toApplicationFailure(
  details: StepFailureDetails,
  cause?: unknown,
  options: ToApplicationFailureOptions = {},
): ApplicationFailure {
  const bounded = isInstance(cause, Error) ? boundedCause(cause) : undefined;
  return ApplicationFailure.create({
    type: details.category,
    message: boundedMessage(details.message),
    details: boundedDetails(details),
    nonRetryable: options.nonRetryable ?? false,
    ...(options.nextRetryDelayMs === undefined ? {} : { nextRetryDelay: options.nextRetryDelayMs }),
    ...(bounded ? { cause: bounded } : {}),
  });
}
