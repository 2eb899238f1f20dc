/**
 * Caps on live streams: each SSE viewer holds a connection and a share of a poller, so one client (or
 * many) opening streams without end would exhaust the server. Beyond a cap the request gets a 503 with
 * `Retry-After`; a stream frees its slot when it closes, however it closes.
 */

/** Default most concurrent streams in total (env `STEPLINE_DASHBOARD_MAX_STREAMS`). */
export const DEFAULT_MAX_STREAMS = 100;
/** Default most concurrent streams per client address (env `STEPLINE_DASHBOARD_MAX_STREAMS_PER_CLIENT`). */
export const DEFAULT_MAX_STREAMS_PER_CLIENT = 10;
/** Largest value either cap may be set to. */
export const MAX_STREAMS_CEILING = 100_000;

export interface StreamLimitSettings {
  /** Most streams at once, all clients together. Default {@link DEFAULT_MAX_STREAMS}. */
  maxStreams?: number;
  /** Most streams at once from one remote address. Default {@link DEFAULT_MAX_STREAMS_PER_CLIENT}. */
  maxStreamsPerClient?: number;
}

/** Why a stream was refused: which cap is full. */
export type StreamRefusal = 'total' | 'client';

/** Counts open streams per client and in total. */
export class StreamLimiter {
  readonly maxStreams: number;
  readonly maxStreamsPerClient: number;
  private readonly perClient = new Map<string, number>();
  private total = 0;

  constructor(settings: StreamLimitSettings = {}) {
    this.maxStreams = checkCap(settings.maxStreams ?? DEFAULT_MAX_STREAMS, 'maxStreams');
    this.maxStreamsPerClient = checkCap(
      settings.maxStreamsPerClient ?? DEFAULT_MAX_STREAMS_PER_CLIENT,
      'maxStreamsPerClient',
    );
  }

  /** Streams open now. */
  get open(): number {
    return this.total;
  }

  /** Takes a slot for `client`; returns its release (idempotent), or why there is none. */
  acquire(client: string): { release: () => void } | { refused: StreamRefusal } {
    if (this.total >= this.maxStreams) return { refused: 'total' };
    const mine = this.perClient.get(client) ?? 0;
    if (mine >= this.maxStreamsPerClient) return { refused: 'client' };
    this.total += 1;
    this.perClient.set(client, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        const left = (this.perClient.get(client) ?? 1) - 1;
        if (left > 0) this.perClient.set(client, left);
        else this.perClient.delete(client);
      },
    };
  }
}

function checkCap(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_STREAMS_CEILING)
    throw new Error(
      `${name}: expected a whole number from 1 to ${MAX_STREAMS_CEILING}; got ${String(value)}`,
    );
  return value;
}

/** Reads a cap from the environment: unset → the default; otherwise a whole number in range, or an error naming the variable. */
export function capFromEnv(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(value) || value < 1 || value > MAX_STREAMS_CEILING)
    throw new Error(
      `${name}: expected a whole number from 1 to ${MAX_STREAMS_CEILING}; got ${JSON.stringify(text)}`,
    );
  return value;
}
