import path from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../../dev/temporal-cli.js';
import { action, print, settingsOf } from '../context.js';
import { CliError } from '../exit.js';
import { examples } from './examples.js';

interface DevFlags {
  port?: string;
  uiPort?: string;
  dashboardPort?: string;
  dashboard: boolean;
  db?: string;
  memory?: boolean;
  ui: boolean;
  example?: boolean;
  steps?: string;
  logLevel?: string;
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description(
      'run everything locally: an embedded Temporal dev server and a pipeline worker (Ctrl-C stops both)',
    )
    .option('--port <port>', 'gRPC port of the dev server (default 7233; taken → a free one, printed)')
    .option('--ui-port <port>', 'port of the Temporal Web UI (default 8233; taken → a free one)')
    .option('--dashboard-port <port>', 'port of the Stepline dashboard (default 8080; taken → a free one)')
    .option('--no-dashboard', 'do not serve the Stepline dashboard')
    .option('--db <file>', 'SQLite file for the server state (default: .data/temporal.db in the project)')
    .option('--memory', 'keep the server state in memory only')
    .option('--no-ui', 'do not serve the Temporal Web UI')
    .option('--example', 'also run the orders ETL example and print its progress')
    .option(
      '--steps <modules>',
      'comma-separated modules exporting extra step handlers, e.g. ./steps/a.js,./steps/b.ts (env STEPLINE_STEPS; the examples are always loaded)',
    )
    .option(
      '--log-level <level>',
      'worker log lines: debug, info, warn (default: one line per failed attempt), error',
    )
    .addHelpText(
      'after',
      examples(
        'stepline dev',
        '# in another terminal:',
        `stepline run examples/release.yaml --params '{"version":"1.2.3","previousVersion":"1.2.2"}' --watch`,
        'stepline dev --steps ./steps/orders.ts --port 7300 --dashboard-port 8100',
        'stepline dev --memory --no-ui --no-dashboard --port 0',
      ),
    )
    .action(
      action(async (flags: DevFlags, command: Command) => {
        const settings = settingsOf(command);
        // Loaded only here: the worker side is heavy.
        const { devOptionsFromFlags } = await import('../../dev/options.js');
        const { examplesAvailable } = await import('../../dev/examples.js');
        if (flags.example && !examplesAvailable())
          throw new CliError('--example: the orders ETL example ships with the repository, not the package');
        const { runDev } = await import('../../dev/run-dev.js');
        let options;
        try {
          options = await devOptionsFromFlags({
            ...(flags.port !== undefined ? { port: flags.port } : {}),
            ...(flags.uiPort !== undefined ? { uiPort: flags.uiPort } : {}),
            ...(flags.dashboardPort !== undefined ? { dashboardPort: flags.dashboardPort } : {}),
            dashboard: flags.dashboard,
            ...(flags.steps !== undefined ? { steps: flags.steps } : {}),
            ...(flags.logLevel !== undefined ? { logLevel: flags.logLevel } : {}),
          });
        } catch (err) {
          if (err instanceof RangeError) throw new CliError(err.message);
          throw err;
        }
        const env = await runDev({
          ...options,
          ui: flags.ui,
          ...(flags.memory
            ? {}
            : {
                dbFile: flags.db ? path.resolve(flags.db) : path.join(PROJECT_ROOT, '.data', 'temporal.db'),
              }),
          namespace: settings.namespace,
          taskQueue: settings.taskQueue,
          example: flags.example ?? false,
          log: print,
        });
        print('stepline: ready (Ctrl-C to stop)');
        await env.done;
      }),
    );
}
