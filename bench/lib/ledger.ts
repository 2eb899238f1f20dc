/**
 * A JSON-lines file outside the worker process that bench step handlers append to, so the benchmark
 * process sees when a step starts (to SIGKILL the worker at the right moment) and what ran after a crash.
 * One `write` per record to a file opened for appending: lines from several processes never interleave.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

export interface LedgerRecord {
  event: 'start' | 'finish';
  /** `pipelineId/stepId`. */
  key: string;
  stepId: string;
  attempt: number;
  pid: number;
  /** `Date.now()` when written. */
  at: number;
}

export function appendLedger(file: string, record: Omit<LedgerRecord, 'pid' | 'at'>): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, `${JSON.stringify({ ...record, pid: process.pid, at: Date.now() })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Every complete record, in write order (a torn last line from a killed writer is skipped). */
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
      // only the last line can be torn
    }
  }
  return records;
}

/** Polls the ledger every 5 ms until a record matches; throws after `timeoutMs`. */
export async function waitForLedger(
  file: string,
  match: (record: LedgerRecord) => boolean,
  timeoutMs: number,
): Promise<LedgerRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readLedger(file).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching ledger record within ${timeoutMs} ms in ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
