/** The first request of an `http.request` step, built from its input, and the secrets it must never show. */
import type { HttpRequestInput } from './input.js';

/** One request of a (possibly redirected) exchange. */
export interface Hop {
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
export function requestParts(input: HttpRequestInput): { hop: Hop; secrets: string[] } {
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

/** Replaces every header value (and every long word of one, like a bearer token) with `[redacted]`. */
export function redactor(values: string[]): (text: string) => string {
  const secrets = new Set<string>();
  for (const value of values) {
    if (value.length >= 3) secrets.add(value);
    for (const word of value.split(/\s+/)) if (word.length >= 8) secrets.add(word);
  }
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => sorted.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
