/**
 * `npm start`: the embedded default. A Temporal dev server persisted to `.data/temporal.db` (Web UI on),
 * a worker with the example step handlers (plus `--steps` / `STEPLINE_STEPS`), the dashboard, and the
 * orders ETL example run end to end with its live progress printed. Ctrl-C stops everything.
 * (`stepline dev --example` runs the same environment.)
 *
 *   npm start -- --port 7300 --ui-port 8300 --dashboard-port 8100 --no-dashboard --steps ./steps.ts --log-level info
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { devOptionsFromFlags } from './options.js';
import { runDev } from './run-dev.js';
import { PROJECT_ROOT } from './temporal-cli.js';

export { formatProgressLine } from './run-dev.js';

const USAGE = `usage: npm start -- [--port <n>] [--ui-port <n>] [--dashboard-port <n>] [--no-dashboard] [--no-ui]
                    [--steps <modules>] [--log-level debug|info|warn|error]`;

let flags;
try {
  flags = parseArgs({
    args: process.argv.slice(2),
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      'dashboard-port': { type: 'string' },
      'no-dashboard': { type: 'boolean' },
      'no-ui': { type: 'boolean' },
      steps: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (err) {
  console.error(`npm start: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  process.exit(2);
}
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}

let options;
try {
  options = await devOptionsFromFlags({
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags['ui-port'] !== undefined ? { uiPort: flags['ui-port'] } : {}),
    ...(flags['dashboard-port'] !== undefined ? { dashboardPort: flags['dashboard-port'] } : {}),
    ...(flags['no-dashboard'] ? { dashboard: false } : {}),
    ...(flags.steps !== undefined ? { steps: flags.steps } : {}),
    ...(flags['log-level'] !== undefined ? { logLevel: flags['log-level'] } : {}),
  });
} catch (err) {
  console.error(`npm start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}

await runDev({
  ...options,
  dbFile: path.join(PROJECT_ROOT, '.data', 'temporal.db'),
  ui: process.env.STEPLINE_HEADLESS !== '1' && !flags['no-ui'],
  example: true,
});
console.log('stepline: server and worker keep running (Ctrl-C to stop)');
