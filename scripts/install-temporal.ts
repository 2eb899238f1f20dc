/** `npm run temporal:install`: find the Temporal CLI or build it into `.cache/` (see README). */
import { ensureTemporalCli, temporalCliVersion } from '../src/dev/temporal-cli.js';

const started = Date.now();
try {
  const cli = await ensureTemporalCli();
  console.error(
    `stepline: Temporal CLI from ${cli.source}: ${cli.path} (${temporalCliVersion(cli.path)}) in ${Date.now() - started} ms`,
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
