/** `npm run cluster:install`: find the Temporal server and its SQL schema tool, or build both into `.cache/` (see docs/cluster.md). */
import { ensureServerBinaries, TEMPORAL_SERVER_VERSION } from '../src/cluster/binaries.js';

const started = Date.now();
try {
  const log = (message: string) => console.error(message);
  const binaries = await ensureServerBinaries({ env: process.env, log });
  console.error(
    `stepline: Temporal server ${TEMPORAL_SERVER_VERSION}: ${binaries.server}, schema tool ${binaries.sqlTool}, schema ${binaries.schemaDir} in ${Date.now() - started} ms`,
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
