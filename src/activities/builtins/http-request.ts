import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { z } from 'zod';
import { formatBytes, LIMITS } from '../../pipeline/limits.js';
import { defineStep, type StepContext } from '../define-step.js';
import { HttpRequestError, HttpStatusError, StepError } from '../errors.js';
import { checkUrl, displayUrl, guardedLookup } from '../url-policy.js';

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

/** Most redirects followed before the request fails. */
const MAX_REDIRECTS = 5;

/** Statuses whose `Location` is followed. */
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Request headers dropped on a redirect to another origin (they carry credentials). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'] as const;

/** Request headers dropped when a redirect turns the request into a bodiless GET. */
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];

/**
 * `http.request` `{ url, method?, headers?, body?, timeoutMs? }` → `{ status, headers, body }`.
 * Non-2xx answers throw an {@link HttpStatusError} (429 → rate_limit, 401/403 → auth, 404 → not_found,
 * 409 → conflict, 5xx → dependency, other → validation); connection failures an {@link HttpRequestError}
 * with Node's code (`network`); `timeoutMs` elapsing → `timeout`. Targets are checked against the URL
 * policy (`src/activities/url-policy.ts`, `STEPLINE_HTTP_ALLOW`) on the address connected to, on every
 * redirect (at most 5): a refused target fails as `validation` with code `URL_DENIED`. Credentials in the
 * URL are sent as a Basic `Authorization` header. Header values, credentials and query strings are never
 * logged or put in error messages; URLs appear as origin and path only.
 */
export const httpRequest = defineStep({
  name: 'http.request',
  description: 'Sends an HTTP request; returns { status, headers, body }.',
  input: HttpRequestInput,
  async run(input, ctx): Promise<HttpResponseOutput> {
    const first = requestParts(input);
    const redact = redactor(first.secrets);
    const timeout = input.timeoutMs === undefined ? undefined : AbortSignal.timeout(input.timeoutMs);
    const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
    const started = performance.now();
    let hop: Hop = first.hop;
    try {
      let response: IncomingMessage;
      for (let redirects = 0; ; redirects++) {
        response = await send(hop, signal);
        const next = redirectOf(response, hop);
        if (!next) break;
        response.destroy();
        if (redirects >= MAX_REDIRECTS) {
          throw new StepError(
            `${hop.method} ${displayUrl(first.hop.url)} redirected more than ${MAX_REDIRECTS} times (last to ${displayUrl(next.url)})`,
            { category: 'validation', code: 'TOO_MANY_REDIRECTS' },
          );
        }
        ctx.log.debug(`${hop.method} ${displayUrl(hop.url)} redirected to ${displayUrl(next.url)}`);
        hop = next;
      }
      const target = displayUrl(hop.url);
      const status = response.statusCode ?? 0;
      const headers = headersObject(response);
      if (status < 200 || status > 299) {
        throw await statusError(response, headers, hop.method, target, redact, signal);
      }
      const output: HttpResponseOutput = {
        status,
        headers,
        body: await responseBody(response, headers, hop.method, target, signal),
      };
      ctx.log.debug(`${hop.method} ${target} answered ${status}`, {
        durationMs: Math.round(performance.now() - started),
      });
      return output;
    } catch (err) {
      throw requestFailure(err, {
        method: hop.method,
        target: displayUrl(hop.url),
        ctx,
        timeout,
        timeoutMs: input.timeoutMs,
        redact,
      });
    }
  },
});

/** One request of a (possibly redirected) exchange. */
interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** The URL that redirected here. */
  from?: URL;
}

/**
 * The first hop: URL without its credentials (they become a Basic `Authorization` header unless one is
 * given), headers lower-cased, the body as text; and every secret that must never appear in a message.
 */
function requestParts(input: HttpRequestInput): { hop: Hop; secrets: string[] } {
  const url = new URL(input.url);
  url.hash = '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
  const secrets = Object.values(headers);
  for (const value of url.searchParams.values()) secrets.push(value);
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const basic = Buffer.from(`${user}:${password}`).toString('base64');
    secrets.push(user, password, url.username, url.password, basic);
    headers.authorization ??= `Basic ${basic}`;
    url.username = '';
    url.password = '';
  }
  const method = input.method ?? 'GET';
  if (input.body === undefined || input.body === null) return { hop: { url, method, headers }, secrets };
  let body: string;
  if (typeof input.body === 'string') body = input.body;
  else {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(input.body);
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  return { hop: { url, method, headers, body }, secrets };
}

/** Sends one hop after the URL policy's checks; resolves with the response head. */
function send(hop: Hop, signal: AbortSignal): Promise<IncomingMessage> {
  const { list, needsLookupCheck } = checkUrl(hop.url, hop.from);
  signal.throwIfAborted();
  let denied: StepError | undefined;
  const lookup = needsLookupCheck
    ? guardedLookup(hop.url, list, (error) => (denied = error), hop.from)
    : undefined;
  const transport = hop.url.protocol === 'https:' ? https : http;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const request = transport.request(
      hop.url,
      {
        method: hop.method,
        headers: hop.headers,
        // No pooled sockets: each connection is checked against the policy as it is made.
        agent: false,
        signal,
        ...(lookup ? { lookup: lookup as unknown as LookupFunction } : {}),
      },
      resolve,
    );
    request.on('error', (err) => reject(denied ?? err));
    request.end(hop.body);
  });
}

/** The next hop when `response` is a redirect to follow; undefined otherwise. */
function redirectOf(response: IncomingMessage, hop: Hop): Hop | undefined {
  const status = response.statusCode ?? 0;
  const location = response.headers.location;
  if (!REDIRECTS.has(status) || !location) return undefined;
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    response.destroy();
    throw new StepError(`${hop.method} ${displayUrl(hop.url)} redirected to an invalid URL`, {
      category: 'validation',
      code: 'REDIRECT_INVALID',
    });
  }
  url.hash = '';
  url.username = '';
  url.password = '';
  const headers = { ...hop.headers };
  let { method, body } = hop;
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    for (const name of BODY_HEADERS) delete headers[name];
  }
  if (url.origin !== hop.url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
  return { url, method, headers, ...(body === undefined ? {} : { body }), from: hop.url };
}

async function statusError(
  response: IncomingMessage,
  headers: Record<string, string>,
  method: string,
  url: string,
  redact: (text: string) => string,
  signal: AbortSignal,
): Promise<HttpStatusError> {
  let body: unknown;
  try {
    const { text } = await readText(response, ERROR_BODY_BYTES, signal);
    const safe = redact(text);
    body = safe === text ? parseBody(text, headers) : safe;
  } catch {
    if (signal.aborted) throw signal.reason;
    body = undefined; // The status says enough; an unreadable error body must not hide it.
  }
  const status = response.statusCode ?? 0;
  const retryAfterMs = status === 429 || status === 503 ? retryAfter(headers['retry-after']) : undefined;
  return new HttpStatusError({
    status,
    statusText: response.statusMessage ?? '',
    method,
    url,
    ...(body === undefined ? {} : { body }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

async function responseBody(
  response: IncomingMessage,
  headers: Record<string, string>,
  method: string,
  url: string,
  signal: AbortSignal,
): Promise<unknown> {
  const status = response.statusCode ?? 0;
  if (method === 'HEAD' || [204, 205, 304].includes(status)) {
    response.destroy();
    return null;
  }
  const max = LIMITS.maxStepOutputBytes;
  const declared = Number(headers['content-length']);
  const { text, truncated } = await readText(response, declared > max ? 0 : max, signal);
  if (truncated) {
    throw new StepError(
      `${method} ${url} answered with a body over ${formatBytes(max)}, too big for Temporal's 2 MB payload limit: ` +
        'have the step store it and return a reference instead',
      { category: 'resource', code: 'OUTPUT_TOO_LARGE' },
    );
  }
  return parseBody(text, headers);
}

/** The body stream, decompressed when the server encoded it. */
function decoded(response: IncomingMessage): Readable {
  const encoding = String(response.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!decoder) return response;
  response.on('error', (err) => decoder.destroy(err));
  return response.pipe(decoder);
}

/** Reads at most `limit` bytes of the body as UTF-8; drops the rest and says so. Aborts with `signal`. */
async function readText(
  response: IncomingMessage,
  limit: number,
  signal: AbortSignal,
): Promise<{ text: string; truncated: boolean }> {
  const stream = decoded(response);
  const onAbort = () => {
    response.destroy(signal.reason as Error);
    if (stream !== response) stream.destroy(signal.reason as Error);
  };
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (size + chunk.byteLength > limit) {
        chunks.push(chunk.subarray(0, limit - size));
        response.destroy();
        if (stream !== response) stream.destroy();
        return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated: true };
      }
      size += chunk.byteLength;
      chunks.push(chunk);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated: false };
}

function parseBody(text: string, headers: Record<string, string>): unknown {
  if (!/(^|\/|\+)json\b/i.test(headers['content-type'] ?? '')) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // Says JSON, is not: the text is more use than a failure.
  }
}

/** Response headers, names lower-cased, repeated headers joined with `, `. */
function headersObject(response: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(response.headersDistinct)) {
    if (values) out[name] = values.join(', ');
  }
  return out;
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date, at most {@link LIMITS.maxRetryAfterMs} (the retry
 * rule's `maxInterval` caps it further); undefined when absent or unreadable.
 */
export function retryAfter(value: string | undefined | null, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = /^[A-Za-z]{3},/.test(text) ? Date.parse(text) : Number.NaN; // an HTTP date starts `Sun,`
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  if (!Number.isFinite(ms)) return LIMITS.maxRetryAfterMs;
  return Math.min(Math.max(0, Math.round(ms)), LIMITS.maxRetryAfterMs);
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
  const inner = err instanceof TypeError && err.cause instanceof Error ? err.cause : err;
  if (isConnectionError(inner)) {
    const code = errorCode(inner);
    const reason = redact(inner.message || code || inner.name);
    // No cause: the failure carries the code and the redacted message, nothing unredacted.
    return new HttpRequestError(`${method} ${target} failed: ${reason}`, {
      ...(code === undefined ? {} : { code }),
    });
  }
  const code = errorCode(err);
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new HttpRequestError(`${method} ${target} could not be sent: ${redact(reason)}`, {
    ...(code === undefined ? {} : { code }),
  });
}

/** A socket-level failure (Node sets `syscall`; several addresses tried give an AggregateError). */
function isConnectionError(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  if (err instanceof AggregateError) return true;
  const { syscall, code } = err as { syscall?: unknown; code?: unknown };
  return (
    typeof syscall === 'string' ||
    (typeof code === 'string' &&
      /^(E[A-Z]|UND_ERR|ERR_TLS|ERR_SSL|CERT_|DEPTH_|UNABLE_|SELF_SIGNED)/.test(code) &&
      !code.startsWith('ERR_INVALID'))
  );
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const first = (err as { errors?: unknown } | null)?.errors;
  return Array.isArray(first) ? errorCode(first[0]) : undefined;
}
