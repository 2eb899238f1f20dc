/**
 * An append-only side-effect ledger that lives outside the worker process: a JSON-lines file every step
 * execution writes to (start, finish, cancel), so a test can count what really ran even after the worker
 * that ran it was SIGKILLed. Each record is one `write` to a file opened with O_APPEND and fsynced, so
 * lines from several processes never interleave and a record survives the writer's death.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What a ledger line says happened. */
export type LedgerEvent = 'start' | 'finish' | 'cancel';

export interface LedgerRecord {
  event: LedgerEvent;
  /** The step handler that ran (`ledger.step`, `ledger.undo`). */
  handler: string;
  /** The step's idempotency key: `pipelineId/stepId[/index]`. */
  key: string;
  stepId: string;
  index?: number;
  /** The activity attempt (1-based). */
  attempt: number;
  /** The worker process that ran it. */
  pid: number;
  /** `Date.now()` when the record was written. */
  at: number;
  /** A digest of the output, on `finish`. */
  digest?: string;
}

export interface LedgerFilter {
  event?: LedgerEvent;
  handler?: string;
  /** Exact idempotency key. */
  key?: string;
  /** Records whose key starts with this (e.g. `${pipelineId}/`). */
  prefix?: string;
  pid?: number;
}

/** Starts and finishes of one (handler, key). */
export interface LedgerTally {
  handler: string;
  key: string;
  starts: number;
  finishes: number;
  cancels: number;
  attempts: number[];
  pids: number[];
}

/** Appends one record and fsyncs it; safe to call from several processes at once. */
export function appendLedgerRecord(file: string, record: Omit<LedgerRecord, 'pid' | 'at'>): void {
  const line = `${JSON.stringify({ ...record, pid: process.pid, at: Date.now() })}\n`;
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Every record in the file, in write order; a torn last line (writer killed mid-write) is ignored. */
export function readLedger(file: string): LedgerRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: LedgerRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line) as LedgerRecord);
    } catch {
      // Only the last line can be torn, and only if its writer died between open and write.
    }
  }
  return records;
}

function matches(record: LedgerRecord, filter: LedgerFilter): boolean {
  return (
    (filter.event === undefined || record.event === filter.event) &&
    (filter.handler === undefined || record.handler === filter.handler) &&
    (filter.key === undefined || record.key === filter.key) &&
    (filter.prefix === undefined || record.key.startsWith(filter.prefix)) &&
    (filter.pid === undefined || record.pid === filter.pid)
  );
}

/** A ledger file and the reads tests make of it. */
export class Ledger {
  constructor(readonly file: string) {}

  /** A fresh ledger in its own temporary directory; `dispose()` removes it. */
  static temp(prefix = 'stepline-ledger-'): Ledger {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    return new Ledger(path.join(dir, 'ledger.jsonl'));
  }

  append(record: Omit<LedgerRecord, 'pid' | 'at'>): void {
    appendLedgerRecord(this.file, record);
  }

  read(filter: LedgerFilter = {}): LedgerRecord[] {
    return readLedger(this.file).filter((r) => matches(r, filter));
  }

  count(filter: LedgerFilter = {}): number {
    return this.read(filter).length;
  }

  /** Starts and finishes per (handler, key), in order of first appearance. */
  tally(filter: LedgerFilter = {}): LedgerTally[] {
    const byKey = new Map<string, LedgerTally>();
    for (const record of this.read(filter)) {
      const id = `${record.handler} ${record.key}`;
      let tally = byKey.get(id);
      if (!tally) {
        tally = {
          handler: record.handler,
          key: record.key,
          starts: 0,
          finishes: 0,
          cancels: 0,
          attempts: [],
          pids: [],
        };
        byKey.set(id, tally);
      }
      if (record.event === 'start') {
        tally.starts += 1;
        tally.attempts.push(record.attempt);
        if (!tally.pids.includes(record.pid)) tally.pids.push(record.pid);
      } else if (record.event === 'finish') tally.finishes += 1;
      else tally.cancels += 1;
    }
    return [...byKey.values()];
  }

  /**
   * Keys (`handler key`) that `pid` started but never finished: what was in flight when that process
   * died. Read after the process is dead, this is final.
   */
  unfinishedBy(pid: number, filter: LedgerFilter = {}): string[] {
    return this.tally({ ...filter, pid })
      .filter((t) => t.starts > t.finishes + t.cancels)
      .map((t) => `${t.handler} ${t.key}`);
  }

  /** Polls the file until a record matches (returns it) or `timeoutMs` passes (throws). */
  async waitFor(filter: LedgerFilter, timeoutMs = 30_000, intervalMs = 10): Promise<LedgerRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.read(filter)[0];
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no ledger record matching ${JSON.stringify(filter)} within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  dispose(): void {
    rmSync(path.dirname(this.file), { recursive: true, force: true });
  }
}
