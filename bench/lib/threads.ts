/**
 * The worker process's own worker threads (the SDK runs workflow code in one), seen through the
 * inspector: their V8 heaps after a full GC, and a sampling heap profile of what they retain.
 * `process.memoryUsage()` only sees the main thread's heap. Runs inside the worker process.
 */
import inspector from 'node:inspector';

/** V8 heap of one worker thread. */
export interface ThreadHeap {
  used: number;
  total: number;
}

export class WorkerThreads {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(result: unknown): void; reject(err: Error): void }>();

  private constructor(
    private readonly session: inspector.Session,
    readonly sessionIds: string[],
  ) {
    session.on('NodeWorker.receivedMessageFromWorker', (message) => {
      const reply = JSON.parse((message.params as { message: string }).message) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const waiter = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id!);
      if (reply.error) waiter.reject(new Error(reply.error.message));
      else waiter.resolve(reply.result);
    });
  }

  /** Attaches to every worker thread of this process. */
  static async open(): Promise<WorkerThreads> {
    const session = new inspector.Session();
    session.connect();
    const sessionIds: string[] = [];
    session.on('NodeWorker.attachedToWorker', (message) => {
      sessionIds.push((message.params as { sessionId: string }).sessionId);
    });
    const threads = new WorkerThreads(session, sessionIds);
    await threads.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    await new Promise((resolve) => setTimeout(resolve, 200));
    return threads;
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  }

  /** Sends one inspector command to one thread and waits for its answer. */
  ask(sessionId: string, method: string, params?: object, timeoutMs = 30_000): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => reject(new Error(`worker thread did not answer ${method}`)), timeoutMs);
      this.pending.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      const message = JSON.stringify({ id, method, ...(params ? { params } : {}) });
      this.post('NodeWorker.sendMessageToWorker', { sessionId, message }).catch(reject);
    });
  }

  /** Each thread's heap after a full GC in it. */
  async heaps(): Promise<ThreadHeap[]> {
    const heaps: ThreadHeap[] = [];
    for (const sessionId of this.sessionIds) {
      await this.ask(sessionId, 'HeapProfiler.collectGarbage');
      const usage = (await this.ask(sessionId, 'Runtime.getHeapUsage')) as {
        usedSize: number;
        totalSize: number;
      };
      heaps.push({ used: usage.usedSize, total: usage.totalSize });
    }
    return heaps;
  }

  /** Starts sampling allocations in every thread (8 kB interval). */
  async startSampling(): Promise<void> {
    for (const sessionId of this.sessionIds) {
      await this.ask(sessionId, 'HeapProfiler.enable');
      await this.ask(sessionId, 'HeapProfiler.startSampling', { samplingInterval: 8192 });
    }
  }

  /** Stops sampling; the profiles (`.heapprofile` JSON) of what each thread still retains, after a GC. */
  async stopSampling(): Promise<unknown[]> {
    const profiles: unknown[] = [];
    for (const sessionId of this.sessionIds) {
      await this.ask(sessionId, 'HeapProfiler.collectGarbage');
      const { profile } = (await this.ask(sessionId, 'HeapProfiler.stopSampling')) as { profile: unknown };
      profiles.push(profile);
    }
    return profiles;
  }

  async close(): Promise<void> {
    await this.post('NodeWorker.disable').catch(() => undefined);
    this.session.disconnect();
  }
}
