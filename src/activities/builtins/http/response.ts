/** Reading an `http.request` answer: the body (decoded, size-capped, parsed), headers, status errors. */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { formatBytes, LIMITS } from '../../../pipeline/limits.js';
import { HttpStatusError, StepError } from '../../errors.js';

/** How much of a non-2xx answer's body is read (for the error message and `HttpStatusError.body`). */
const ERROR_BODY_BYTES = 64 * 1024;

/** The error a non-2xx answer throws, with its (redacted) body and any `Retry-After` of a 429 or 503. */
export async function statusError(
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

/** A 2xx answer's body: null when bodiless, parsed JSON or text; over the step output limit it fails. */
export async function responseBody(
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
export function headersObject(response: IncomingMessage): Record<string, string> {
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
