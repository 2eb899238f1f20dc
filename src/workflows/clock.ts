/**
 * The workflow's clock as an ISO timestamp, for events and progress. Workflow time stands still within
 * an activation (Temporal sets `Date.now()` from the task), so the string is made once per instant rather
 * than for each of the dozen events a step records; the memo is pure, so sharing it between the runs of a
 * V8 context is deterministic.
 */
let lastMs = Number.NaN;
let lastIso = '';

export function now(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
