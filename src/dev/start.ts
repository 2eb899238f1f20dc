/**
 * `npm start`: the embedded default. A Temporal dev server persisted to `.data/temporal.db` (Web UI on),
 * a worker with the example step handlers, and the orders ETL example run end to end with its live
 * progress printed. Ctrl-C stops everything. (`stepline dev` runs the same environment.)
 */
import path from 'node:path';
import { runDev } from './run-dev.js';
import { PROJECT_ROOT } from './temporal-cli.js';

export { formatProgressLine } from './run-dev.js';

await runDev({
  dbFile: path.join(PROJECT_ROOT, '.data', 'temporal.db'),
  ui: process.env.STEPLINE_HEADLESS !== '1',
  example: true,
});
console.log('stepline: server and worker keep running (Ctrl-C to stop)');
