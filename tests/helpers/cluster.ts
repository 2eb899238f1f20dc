/**
 * Shared by `npm run test:cluster` and the cluster fault tests: where a test cluster keeps its data, and
 * the dynamic config the test clusters run with.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Timers fire within ~10 ms, as with the dev server's `preciseTimers` (the server's default shift of up
 * to 1 s would slow every sub-second retry and sleep the tests use).
 */
export const PRECISE_TIMERS = { 'history.timerProcessorMaxTimeShift': '10ms' } as const;

/**
 * A fresh temporary folder for one cluster. Readable by others (0755, unlike mkdtemp's 0700): as root,
 * the cluster's PostgreSQL runs as the `postgres` user, which must reach its data folder inside.
 */
export function clusterTempDir(prefix = 'stepline-cluster-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}
