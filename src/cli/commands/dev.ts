import net from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../../dev/temporal-cli.js';
import { action, print, settingsOf } from '../context.js';
import { CliError } from '../exit.js';
import { examples } from './examples.js';

interface DevFlags {
  port: string;
  db?: string;
  memory?: boolean;
  ui: boolean;
  example?: boolean;
  steps?: string;
}

/** Whether `port` can be listened on at 127.0.0.1. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description(
      'run everything locally: an embedded Temporal dev server and a pipeline worker (Ctrl-C stops both)',
    )
    .option('--port <port>', 'gRPC port of the dev server (taken → a free one is used and printed)', '7233')
    .option('--db <file>', 'SQLite file for the server state (default: .data/temporal.db in the project)')
    .option('--memory', 'keep the server state in memory only')
    .option('--no-ui', 'do not serve the Temporal Web UI')
    .option('--example', 'also run the orders ETL example and print its progress')
    .option(
      '--steps <modules>',
      'comma-separated modules exporting extra step handlers (the examples are always loaded)',
    )
    .addHelpText(
      'after',
      examples(
        'stepline dev',
        '# in another terminal:',
        `stepline run examples/release.yaml --params '{"version":"1.2.3","previousVersion":"1.2.2"}' --watch`,
        'stepline dev --memory --no-ui --port 0',
      ),
    )
    .action(
      action(async (flags: DevFlags, command: Command) => {
        const settings = settingsOf(command);
        const wanted = Number(flags.port);
        if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535)
          throw new CliError('--port: expected a port number');
        const port = wanted > 0 && (await portIsFree(wanted)) ? wanted : undefined;
        // Loaded only here: the worker side is heavy.
        const { loadStepModules } = await import('../../activities/index.js');
        const { examplesAvailable, loadExampleSteps } = await import('../../dev/examples.js');
        if (flags.example && !examplesAvailable())
          throw new CliError('--example: the orders ETL example ships with the repository, not the package');
        const exampleSteps = await loadExampleSteps();
        const { runDev } = await import('../../dev/run-dev.js');
        const extra = await loadStepModules(
          (flags.steps ?? '')
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean),
        );
        const env = await runDev({
          ui: flags.ui,
          ...(flags.memory
            ? {}
            : {
                dbFile: flags.db ? path.resolve(flags.db) : path.join(PROJECT_ROOT, '.data', 'temporal.db'),
              }),
          ...(port !== undefined ? { port } : {}),
          namespace: settings.namespace,
          taskQueue: settings.taskQueue,
          steps: [...exampleSteps, ...extra],
          example: flags.example ?? false,
        });
        if (wanted > 0 && port === undefined)
          print(`stepline: port ${wanted} was taken; using ${env.server.address}`);
        if (env.server.address !== '127.0.0.1:7233')
          print(`stepline: in other terminals: export TEMPORAL_ADDRESS=${env.server.address}`);
        print('stepline: ready (Ctrl-C to stop)');
        await env.done;
      }),
    );
}
