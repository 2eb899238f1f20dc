/**
 * The page's view of the dashboard API: JSON requests with the bearer token (kept in sessionStorage,
 * never in cookies), and live progress through EventSource (or a fetch stream when reads need a token,
 * since EventSource cannot send headers).
 */
import type {
  ApiErrorBody,
  DefinitionIssue,
  PipelineGraph,
  PipelinePage,
  PipelineProgress,
  SessionInfo,
  PipelineStatus,
  StartedResponse,
  StepResponse,
  StreamEnd,
  WaitingPage,
} from '../../src/dashboard/api-types.js';
import type { ApprovalPayload, InterventionPayload } from '../../src/pipeline/contract.js';

const TOKEN_KEY = 'stepline.token';
const NAME_KEY = 'stepline.name';

export function storedToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function storeToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Who decides (sent as `by` with approvals and interventions). */
export function storedName(): string {
  return sessionStorage.getItem(NAME_KEY) ?? '';
}

export function storeName(name: string): void {
  if (name) sessionStorage.setItem(NAME_KEY, name);
  else sessionStorage.removeItem(NAME_KEY);
}

/** An API answer that was not a success, with the server's code, message and issues. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: DefinitionIssue[] = [],
  ) {
    super(message);
  }
}

/** Set once a read was refused for want of a token: from then on streams go through fetch with the header. */
let readsNeedToken = false;

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      credentials: 'omit',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiFailure(0, 'network', 'the dashboard server did not answer');
  }
  const data = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    if (response.status === 401 && method === 'GET') readsNeedToken = true;
    const error = (data as Partial<ApiErrorBody> | undefined)?.error;
    throw new ApiFailure(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `HTTP ${response.status}`,
      error?.issues ?? [],
    );
  }
  return data as T;
}

const pipelinePath = (id: string) => `/pipelines/${encodeURIComponent(id)}`;

export function listPipelines(filter: {
  status?: PipelineStatus | '';
  name?: string;
  limit?: number;
  cursor?: string;
}): Promise<PipelinePage> {
  const query = new URLSearchParams();
  if (filter.status) query.set('status', filter.status);
  if (filter.name) query.set('name', filter.name);
  if (filter.limit) query.set('limit', String(filter.limit));
  if (filter.cursor) query.set('cursor', filter.cursor);
  const qs = query.toString();
  return request('GET', `/pipelines${qs ? `?${qs}` : ''}`);
}

export const getProgress = (id: string) => request<PipelineProgress>('GET', pipelinePath(id));

/** What this dashboard allows the caller (read-only or not, who the token names) and the Web UI link. */
export const getSession = () => request<SessionInfo>('GET', '/session');

/** Pipelines waiting for the caller (approval or intervention). */
export const listWaiting = () => request<WaitingPage>('GET', '/pipelines?waiting=1');

/** The definition's structure for the DAG view. */
export const getGraph = (id: string) => request<PipelineGraph>('GET', `${pipelinePath(id)}/graph`);

/** A step's whole input or output (when progress carries only its size): `{ …, value }` from the server. */
export const getStepValue = async (id: string, stepId: string, which: 'input' | 'output') =>
  (
    await request<{ value: unknown }>(
      'GET',
      `${pipelinePath(id)}/steps/${encodeURIComponent(stepId)}/${which}`,
    )
  ).value;

export const startPipeline = (body: { definition: string; params?: Record<string, unknown>; id?: string }) =>
  request<StartedResponse>('POST', '/pipelines', body);

/** The body is the `approval` signal's payload: the server passes it on. */
export const decide = (id: string, body: ApprovalPayload) =>
  request<StepResponse>('POST', `${pipelinePath(id)}/approval`, body);

/** The body is the `intervention` signal's payload: the server passes it on. */
export const intervene = (id: string, body: InterventionPayload) =>
  request<StepResponse>('POST', `${pipelinePath(id)}/intervention`, body);

export const cancelPipeline = (id: string) => request<unknown>('POST', `${pipelinePath(id)}/cancel`, {});

/** The operator's last resort: ends the run at once; compensations do NOT run. */
export const terminatePipeline = (id: string, reason: string) =>
  request<unknown>('POST', `${pipelinePath(id)}/terminate`, { reason });

export const resumePipeline = (id: string, body: { fromStep?: string; input?: unknown }) =>
  request<StartedResponse>('POST', `${pipelinePath(id)}/resume`, body);

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface ProgressHandlers {
  progress(progress: PipelineProgress): void;
  end(end: StreamEnd): void;
  state(state: StreamState, message?: string): void;
}

/** Retry-After (seconds) in ms, bounded to 1..60 s; `fallback` when absent or not a number. */
function retryAfterMs(header: string | null, fallback: number): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds > 0
    ? Math.min(60_000, Math.max(1000, seconds * 1000))
    : fallback;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Live progress of one pipeline; returns the function that stops watching. */
export function watchProgress(id: string, handlers: ProgressHandlers): () => void {
  const url = `/api${pipelinePath(id)}/events`;
  if (readsNeedToken && storedToken()) return fetchStream(url, handlers);
  let stop = eventSource(url, handlers, () => {
    // The server refused the stream: when reads need a token, only a stream with the header will do.
    // Otherwise (the dashboard's stream cap: 503) the fetch stream honours Retry-After and tries again;
    // any other refusal ends it with the status.
    if (storedToken()) readsNeedToken = true;
    stop = fetchStream(url, handlers);
    return true;
  });
  return () => stop();
}

/** EventSource; `refused` is called when the server answers with an error (it may take over). */
function eventSource(url: string, handlers: ProgressHandlers, refused: () => boolean): () => void {
  const source = new EventSource(url);
  handlers.state('connecting');
  source.addEventListener('open', () => handlers.state('live'));
  source.addEventListener('progress', (event) => {
    handlers.state('live');
    handlers.progress(JSON.parse((event as MessageEvent<string>).data) as PipelineProgress);
  });
  source.addEventListener('problem', (event) => {
    handlers.state(
      'reconnecting',
      (JSON.parse((event as MessageEvent<string>).data) as { message: string }).message,
    );
  });
  source.addEventListener('end', (event) => {
    source.close();
    handlers.state('ended');
    handlers.end(JSON.parse((event as MessageEvent<string>).data) as StreamEnd);
  });
  source.addEventListener('error', () => {
    // The browser reconnects by itself (sending Last-Event-ID) unless the server refused the stream.
    if (source.readyState !== EventSource.CLOSED) handlers.state('reconnecting');
    else if (!refused()) handlers.state('ended');
  });
  return () => source.close();
}

/** SSE over fetch, for when reads need the Authorization header; reconnects with Last-Event-ID. */
function fetchStream(url: string, handlers: ProgressHandlers): () => void {
  const abort = new AbortController();
  let lastEventId: string | undefined;
  const run = async () => {
    for (let delay = 1000; !abort.signal.aborted; delay = Math.min(delay * 2, 10_000)) {
      handlers.state(lastEventId === undefined ? 'connecting' : 'reconnecting');
      try {
        const token = storedToken();
        const headers: Record<string, string> = {
          Accept: 'text/event-stream',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        };
        if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
        const response = await fetch(url, {
          headers,
          credentials: 'omit',
          cache: 'no-store',
          signal: abort.signal,
        });
        if (response.status === 503) {
          // Too many live streams (or Temporal away): wait as told, then try again.
          handlers.state('reconnecting', 'the dashboard is busy; retrying');
          await sleep(retryAfterMs(response.headers.get('retry-after'), delay), abort.signal);
          continue;
        }
        if (!response.ok || !response.body) {
          handlers.state('ended', `HTTP ${response.status}`);
          return;
        }
        handlers.state('live');
        delay = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let boundary: number;
          while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
            const message = parseSseBlock(block);
            if (message.id !== undefined) lastEventId = message.id;
            if (message.event === 'progress') handlers.progress(JSON.parse(message.data) as PipelineProgress);
            if (message.event === 'problem') handlers.state('reconnecting');
            if (message.event === 'end') {
              handlers.state('ended');
              handlers.end(JSON.parse(message.data) as StreamEnd);
              return;
            }
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };
  void run();
  return () => abort.abort();
}

function parseSseBlock(block: string): { event: string; data: string; id?: string } {
  let event = 'message';
  const data: string[] = [];
  let id: string | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  return { event, data: data.join('\n'), ...(id === undefined ? {} : { id }) };
}
