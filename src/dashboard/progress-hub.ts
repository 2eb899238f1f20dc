/**
 * Live progress for the SSE streams: one poller per pipeline, however many viewers watch it. The poller
 * reads `PipelineClient.progress` (query + describe), hands every change to every subscriber, stops when
 * the pipeline reaches a terminal status or its last viewer leaves.
 */
import { PipelineNotFoundError, type PipelineClient } from '../client.js';
import { isTerminalStatus, type PipelineProgress } from '../pipeline/progress.js';
import { progressChangeKey } from '../pipeline/progress-change.js';
import type { StreamEnd } from './api-types.js';

export type { StreamEnd };

/** One viewer of one pipeline. */
export interface ProgressSubscriber {
  /** A new snapshot (see `progressChangeKey`). `replay`: the latest one, sent on joining. */
  progress(progress: PipelineProgress, replay: boolean): void;
  /** The poller could not read progress just now; it keeps trying. */
  problem(message: string): void;
  /** No more snapshots will come. */
  end(end: StreamEnd): void;
}

export interface ProgressHubOptions {
  /** Time between polls of one pipeline. Default 500 ms. */
  intervalMs?: number;
  /** Longest wait between polls after errors (backing off from `intervalMs`). Default 5 s. */
  maxBackoffMs?: number;
  /** Where poll errors are reported (never with request data). Default: console.warn. */
  log?: (message: string) => void;
}

class PipelinePoller {
  readonly subscribers = new Set<ProgressSubscriber>();
  latest?: PipelineProgress;
  private latestKey = '';
  private stopped = false;
  private wake?: () => void;

  constructor(
    readonly pipelineId: string,
    private readonly client: Pick<PipelineClient, 'progress'>,
    private readonly options: Required<ProgressHubOptions>,
    private readonly done: (poller: PipelinePoller) => void,
  ) {}

  /** Settles when the loop has ended (including a progress read in flight). */
  finished: Promise<void> = Promise.resolve();

  start(): void {
    this.finished = this.run().finally(() => this.done(this));
  }

  stop(end: StreamEnd): void {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    for (const subscriber of this.subscribers) subscriber.end(end);
    this.subscribers.clear();
  }

  get active(): boolean {
    return !this.stopped;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped && this.subscribers.size > 0) {
      let progress: PipelineProgress;
      try {
        progress = await this.client.progress(this.pipelineId);
        failures = 0;
      } catch (err) {
        if (err instanceof PipelineNotFoundError) {
          this.stop({ reason: 'not_found', message: err.message });
          return;
        }
        failures++;
        const message = `could not read progress of "${this.pipelineId}": ${(err as Error).message ?? String(err)}`;
        if (failures === 1) this.options.log(`stepline dashboard: ${message}`);
        for (const subscriber of this.subscribers)
          subscriber.problem('progress is unavailable right now; retrying');
        await this.sleep(Math.min(this.options.maxBackoffMs, this.options.intervalMs * 2 ** failures));
        continue;
      }
      if (this.stopped) return;
      const key = progressChangeKey(progress);
      if (key !== this.latestKey) {
        this.latest = progress;
        this.latestKey = key;
        for (const subscriber of this.subscribers) subscriber.progress(progress, false);
      }
      if (isTerminalStatus(progress.status)) {
        this.stop({ reason: 'terminal', status: progress.status });
        return;
      }
      await this.sleep(this.options.intervalMs);
    }
    this.stopped = true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Shares one poller per pipeline among all its viewers. */
export class ProgressHub {
  private readonly pollers = new Map<string, PipelinePoller>();
  private readonly options: Required<ProgressHubOptions>;
  private closed = false;

  constructor(
    private readonly client: Pick<PipelineClient, 'progress'>,
    options: ProgressHubOptions = {},
  ) {
    this.options = {
      intervalMs: options.intervalMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 5000,
      log: options.log ?? ((message) => console.warn(message)),
    };
  }

  /** Number of pipelines being polled now. */
  get pollerCount(): number {
    return this.pollers.size;
  }

  /** Watches a pipeline; the returned function stops watching. A late joiner gets the latest snapshot at once. */
  subscribe(pipelineId: string, subscriber: ProgressSubscriber): () => void {
    if (this.closed) {
      subscriber.end({ reason: 'shutdown' });
      return () => undefined;
    }
    let poller = this.pollers.get(pipelineId);
    const fresh = !poller?.active;
    if (!poller || fresh) {
      poller = new PipelinePoller(pipelineId, this.client, this.options, (p) => {
        if (this.pollers.get(pipelineId) === p) this.pollers.delete(pipelineId);
      });
      this.pollers.set(pipelineId, poller);
    }
    poller.subscribers.add(subscriber);
    if (fresh) poller.start();
    else if (poller.latest) subscriber.progress(poller.latest, true);
    const joined = poller;
    return () => {
      joined.subscribers.delete(subscriber);
    };
  }

  /** Ends every stream (server shutdown); settles once no progress read is in flight. */
  async close(): Promise<void> {
    this.closed = true;
    const pollers = [...this.pollers.values()];
    for (const poller of pollers) poller.stop({ reason: 'shutdown' });
    this.pollers.clear();
    await Promise.allSettled(pollers.map((poller) => poller.finished));
  }
}
