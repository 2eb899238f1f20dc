import type { IncomingMessage } from 'node:http';
import { defineStep } from '../define-step.js';
import { StepError } from '../errors.js';
import { displayUrl } from '../url-policy.js';
import { requestFailure } from './http/failure.js';
import { HttpRequestInput, type HttpResponseOutput } from './http/input.js';
import { redactor, requestParts, type Hop } from './http/request-parts.js';
import { headersObject, responseBody, statusError } from './http/response.js';
import { MAX_REDIRECTS, redirectOf, send } from './http/transport.js';

export type { HttpResponseOutput } from './http/input.js';
export { retryAfter } from './http/response.js';

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
