import { z } from 'zod';
import { defineStep, type StepContext } from '../define-step.js';
import { HttpRequestError, HttpStatusError, StepError } from '../errors.js';
import { MAX_OUTPUT_BYTES } from '../limits.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** How much of a non-2xx answer's body is read (for the error message and `HttpStatusError.body`). */
const ERROR_BODY_BYTES = 64 * 1024;

/** RFC 9110 token: what a header name may contain. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const HttpRequestInput = z
  .strictObject({
    /** An absolute http(s) URL. */
    url: z.url({ protocol: /^https?$/, error: 'expected an absolute http or https URL' }),
    /** Default: `GET`. Case-insensitive. */
    method: z
      .string()
      .transform((method) => method.toUpperCase())
      .pipe(z.enum(METHODS))
      .optional(),
    /** Request headers. Their values never appear in logs or error messages. Default: none. */
    headers: z
      .record(
        z.string().regex(HEADER_NAME, "expected a header name (letters, digits, !#$%&'*+.^_`|~-)"),
        z
          .union([z.string(), z.number(), z.boolean()])
          .transform(String)
          .refine((value) => !/[\r\n\0]/.test(value), 'header value contains a line break or NUL'),
      )
      .optional(),
    /** A string is sent as is; any other JSON value as JSON (`content-type: application/json`). Default: none. */
    body: z.unknown().optional(),
    /** Give up after this many milliseconds (a `timeout` failure). Default: only the activity's timeouts. */
    timeoutMs: z.number().int().positive().optional(),
  })
  .superRefine((input, ctx) => {
    const method = input.method ?? 'GET';
    if ((method === 'GET' || method === 'HEAD') && input.body !== undefined && input.body !== null) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${method} request cannot have a body` });
    }
  });

type HttpRequestInput = z.output<typeof HttpRequestInput>;

/** What `http.request` returns. */
export interface HttpResponseOutput {
  status: number;
  /** Response headers, names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON when the content type is JSON, else text; null for HEAD and bodiless answers. */
  body: unknown;
}

/**
 * `http.request` `{ url, method?, headers?, body?, timeoutMs? }` → `{ status, headers, body }`.
 * Non-2xx answers throw an {@link HttpStatusError} (429 → rate_limit, 401/403 → auth, 404 → not_found,
 * 409 → conflict, 5xx → dependency, other → validation); connection failures an {@link HttpRequestError}
 * with Node's code (`network`); `timeoutMs` elapsing → `timeout`. Header values are never logged or put
 * in error messages; URLs appear without credentials, query or fragment.
 */
export const httpRequest = defineStep({
  name: 'http.request',
  description: 'Sends an HTTP request; returns { status, headers, body }.',
  input: HttpRequestInput,
  async run(input, ctx): Promise<HttpResponseOutput> {
    const method = input.method ?? 'GET';
    const target = displayUrl(input.url);
    const redact = redactor(Object.values(input.headers ?? {}));
    const timeout = input.timeoutMs === undefined ? undefined : AbortSignal.timeout(input.timeoutMs);
    const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
    const started = performance.now();
    try {
      const response = await fetch(input.url, { method, signal, ...requestParts(input) });
      if (!response.ok) throw await statusError(response, method, target, redact);
      const output: HttpResponseOutput = {
        status: response.status,
        headers: headersObject(response.headers),
        body: await responseBody(response, method, target),
      };
      ctx.log.debug(`${method} ${target} answered ${response.status}`, {
        durationMs: Math.round(performance.now() - started),
      });
      return output;
    } catch (err) {
      throw requestFailure(err, { method, target, ctx, timeout, timeoutMs: input.timeoutMs, redact });
    }
  },
});

function requestParts(input: HttpRequestInput): { headers: Headers; body?: string } {
  const headers = new Headers(input.headers);
  if (input.body === undefined || input.body === null) return { headers };
  if (typeof input.body === 'string') return { headers, body: input.body };
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return { headers, body: JSON.stringify(input.body) };
}

async function statusError(
  response: Response,
  method: string,
  url: string,
  redact: (text: string) => string,
): Promise<HttpStatusError> {
  let body: unknown;
  try {
    const { text } = await readText(response, ERROR_BODY_BYTES);
    const safe = redact(text);
    body = safe === text ? parseBody(text, response.headers) : safe;
  } catch {
    body = undefined; // The status says enough; an unreadable error body must not hide it.
  }
  const retryAfterMs =
    response.status === 429 || response.status === 503
      ? retryAfter(response.headers.get('retry-after'))
      : undefined;
  return new HttpStatusError({
    status: response.status,
    statusText: response.statusText,
    method,
    url,
    ...(body === undefined ? {} : { body }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

async function responseBody(response: Response, method: string, url: string): Promise<unknown> {
  if (method === 'HEAD' || [204, 205, 304].includes(response.status)) {
    await response.body?.cancel();
    return null;
  }
  const declared = Number(response.headers.get('content-length'));
  const { text, truncated } = await readText(response, declared > MAX_OUTPUT_BYTES ? 0 : MAX_OUTPUT_BYTES);
  if (truncated) {
    throw new StepError(
      `${method} ${url} answered with a body over ${MAX_OUTPUT_BYTES} bytes, too big for Temporal's 2 MB payload limit: ` +
        'have the step store it and return a reference instead',
      { category: 'resource', code: 'OUTPUT_TOO_LARGE' },
    );
  }
  return parseBody(text, response.headers);
}

/** Reads at most `limit` bytes of the body as UTF-8; cancels the rest and says so. */
async function readText(response: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      await reader.cancel().catch(() => undefined);
      return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated: true };
    }
    size += value.byteLength;
    chunks.push(value);
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated: false };
}

function parseBody(text: string, headers: Headers): unknown {
  if (!/(^|\/|\+)json\b/i.test(headers.get('content-type') ?? '')) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // Says JSON, is not: the text is more use than a failure.
  }
}

function headersObject(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  });
  return out;
}

/** `Retry-After` in ms: delta-seconds or an HTTP date. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The URL as shown in messages: no credentials, query or fragment (they may hold secrets). */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Replaces every header value (and every long word of one, like a bearer token) with `[redacted]`. */
function redactor(values: string[]): (text: string) => string {
  const secrets = new Set<string>();
  for (const value of values) {
    if (value.length >= 3) secrets.add(value);
    for (const word of value.split(/\s+/)) if (word.length >= 8) secrets.add(word);
  }
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => sorted.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

interface FailureContext {
  method: string;
  target: string;
  ctx: StepContext;
  timeout: AbortSignal | undefined;
  timeoutMs: number | undefined;
  redact: (text: string) => string;
}

/** What a failed request throws: cancellation as is, a timeout, a network failure with Node's code. */
function requestFailure(
  err: unknown,
  { method, target, ctx, timeout, timeoutMs, redact }: FailureContext,
): unknown {
  if (err instanceof HttpStatusError || err instanceof StepError) return err;
  if (ctx.signal.aborted) return ctx.signal.reason ?? err;
  if (timeout?.aborted) {
    return new HttpRequestError(`${method} ${target} timed out after ${timeoutMs} ms`, {
      cause: timeout.reason,
    });
  }
  const inner = err instanceof TypeError && err.cause instanceof Error ? err.cause : undefined;
  if (inner) {
    const code = errorCode(inner);
    const reason = redact(inner.message || code || inner.name);
    return new HttpRequestError(`${method} ${target} failed: ${reason}`, {
      ...(code === undefined ? {} : { code }),
      cause: inner,
    });
  }
  const code = errorCode(err);
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  // No cause: its message could carry what `redact` removed.
  return new HttpRequestError(`${method} ${target} could not be sent: ${redact(reason)}`, {
    ...(code === undefined ? {} : { code }),
  });
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const first = (err as { errors?: unknown } | null)?.errors;
  return Array.isArray(first) ? errorCode(first[0]) : undefined;
}
