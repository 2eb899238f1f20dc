import type { Logger } from '@temporalio/common';
import { z } from 'zod';
import { NOTIFY_ACTIVITY } from '../../pipeline/notify.js';
import { defineStep, type StepContext } from '../define-step.js';
import { StepError } from '../errors.js';
import { httpRequest } from './http-request.js';

/** One attempt's limit: a webhook that does not answer in time is retried. */
const ATTEMPT_TIMEOUT_MS = 10_000;

const NotifyInput = z.strictObject({
  url: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  /** The event (or batch) to POST as JSON; its `id` is sent as `Idempotency-Key` too. */
  payload: z.looseObject({ id: z.string() }),
});

/**
 * `stepline.notify` `{ url, headers?, payload }` → `{ status }`: POSTs a notification (`notify:` rules)
 * as JSON through `http.request`, so its URL policy applies (`STEPLINE_HTTP_ALLOW`, checked on every
 * redirect) and failures are classified the same way. The payload's `id` goes in an `Idempotency-Key`
 * header: a retried POST carries the same key. Header values and URL credentials are never in errors
 * or logs, and neither is the URL's path or query (webhook URLs often carry a token there).
 */
export const notify = defineStep({
  name: NOTIFY_ACTIVITY,
  description: 'Posts a notification event as JSON to a webhook (used by notify: rules).',
  input: NotifyInput,
  async run(input, ctx): Promise<{ status: number }> {
    const request = httpRequest.input.safeParse({
      url: input.url,
      method: 'POST',
      headers: {
        ...input.headers,
        'content-type': 'application/json',
        'idempotency-key': input.payload.id,
      },
      body: withAbsoluteLinks(input.payload, process.env.STEPLINE_DASHBOARD_URL),
      timeoutMs: ATTEMPT_TIMEOUT_MS,
    });
    if (!request.success) {
      throw new StepError(`${NOTIFY_ACTIVITY}: the webhook URL or a header is not usable`, {
        category: 'validation',
        code: 'NOTIFY_INVALID',
      });
    }
    try {
      const response = await httpRequest.run(request.data, { ...ctx, log: hidingLogger(ctx.log, hidePaths) });
      return { status: response.status };
    } catch (err) {
      throw hideInError(err, hidePaths);
    }
  },
});

/**
 * The payload with its `link`s (`#/pipelines/<id>`, relative to the dashboard) made absolute when the
 * worker knows the dashboard's address (`STEPLINE_DASHBOARD_URL`).
 */
export function withAbsoluteLinks<P extends Record<string, unknown>>(
  payload: P,
  dashboard: string | undefined,
): P {
  const base = dashboard?.trim().replace(/\/+$/, '');
  if (!base) return payload;
  const absolute = (event: unknown): unknown => {
    if (!event || typeof event !== 'object') return event;
    const { link } = event as { link?: unknown };
    return typeof link === 'string' && link.startsWith('#') ? { ...event, link: `${base}/${link}` } : event;
  };
  return Array.isArray(payload.events)
    ? { ...payload, events: payload.events.map(absolute) }
    : (absolute(payload) as P);
}

/**
 * An http(s) URL in a message: origin, then the path up to a space, `)` or a closing `:` (how
 * `http.request` writes them: `POST https://host/path answered 500`, `refused https://host/path: …`).
 */
const URL_PATH = /(https?:\/\/[^\s/]+)\/[^\s)]*?(?=:?(?:[\s)]|$))/g;

/** Shows every URL in `text` as its origin only (`https://host/…`): webhook paths, and where they redirect, carry tokens. */
export function hidePaths(text: string): string {
  return text.replace(URL_PATH, '$1/…');
}

function hideInError(err: unknown, hide: (text: string) => string): unknown {
  if (!(err instanceof Error)) return err;
  err.message = hide(err.message);
  if (err.stack) err.stack = hide(err.stack);
  const withUrl = err as Error & { url?: unknown };
  if (typeof withUrl.url === 'string')
    Object.defineProperty(err, 'url', { value: hide(withUrl.url), enumerable: true });
  return err;
}

function hidingLogger(log: StepContext['log'], hide: (text: string) => string): Logger {
  const wrap =
    (fn: (message: string, meta?: Record<string, unknown>) => void) =>
    (message: string, meta?: Record<string, unknown>) =>
      fn(hide(message), meta);
  return {
    log: (level, message, meta) => log.log(level, hide(message), meta),
    trace: wrap(log.trace.bind(log)),
    debug: wrap(log.debug.bind(log)),
    info: wrap(log.info.bind(log)),
    warn: wrap(log.warn.bind(log)),
    error: wrap(log.error.bind(log)),
  };
}
