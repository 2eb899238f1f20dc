/** Sending one hop of an `http.request` under the URL policy, and following redirects safely. */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { StepError } from '../../errors.js';
import { checkUrl, displayUrl, guardedLookup } from '../../url-policy.js';
import type { Hop } from './request-parts.js';

/** Most redirects followed before the request fails. */
export const MAX_REDIRECTS = 5;

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

/** Sends one hop after the URL policy's checks; resolves with the response head. */
export function send(hop: Hop, signal: AbortSignal): Promise<IncomingMessage> {
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
export function redirectOf(response: IncomingMessage, hop: Hop): Hop | undefined {
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
