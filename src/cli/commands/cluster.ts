import path from 'node:path';
import type { Command } from 'commander';
import { action, print, settingsOf } from '../context.js';
import { CliError } from '../exit.js';
import { examples } from './examples.js';

interface ClusterFlags {
  workers: string;
  dashboard: boolean;
  dashboardPort?: string;
  keep?: boolean;
  dir?: string;
  steps?: string;
  serverLogLevel?: string;
}

function count(text: string, flag: string, max: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) > max)
    throw new CliError(`${flag}: expected a whole number 0-${max}, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function registerCluster(program: Command): void {
  program
    .command('cluster')
    .description(
      'run a real Temporal cluster here: PostgreSQL, the history, matching, frontend and worker services as separate processes, Stepline workers and the dashboard (Ctrl-C stops all)',
    )
    .option('--workers <n>', 'Stepline worker processes', '2')
    .option('--no-dashboard', 'do not serve the Stepline dashboard')
    .option('--dashboard-port <port>', 'port of the Stepline dashboard (default: a free one)')
    .option('--keep', 'keep the data (PostgreSQL) when stopping, for a restart')
    .option('--dir <dir>', 'folder of the data and logs (default: .cluster in the project)')
    .option(
      '--steps <modules>',
      'comma-separated modules exporting extra step handlers (besides the examples)',
    )
    .option(
      '--server-log-level <level>',
      "the Temporal services' log level: debug, info, warn, error",
      'warn',
    )
    .addHelpText(
      'after',
      examples(
        'stepline cluster',
        '# in another terminal, with the TEMPORAL_ADDRESS line it printed:',
        'TEMPORAL_ADDRESS=127.0.0.1:23456 stepline run examples/orders-etl.yaml --params \'{"day":"2026-01-01"}\' --watch',
        'stepline cluster --workers 3 --keep --dir /var/lib/stepline-cluster',
        'STEPLINE_CLUSTER_DATABASE_URL=postgres://temporal:secret@db:5432 stepline cluster',
      ),
    )
    .action(
      action(async (flags: ClusterFlags, command: Command) => {
        const settings = settingsOf(command);
        const level = flags.serverLogLevel?.toLowerCase() ?? 'warn';
        if (!['debug', 'info', 'warn', 'error'].includes(level))
          throw new CliError(
            `--server-log-level: expected debug, info, warn or error, got ${JSON.stringify(flags.serverLogLevel)}`,
          );
        // Loaded only here: the worker side is heavy.
        const { runCluster } = await import('../../cluster/run.js');
        const running = await runCluster({
          workers: count(flags.workers, '--workers', 64),
          dashboard: flags.dashboard,
          ...(flags.dashboardPort !== undefined
            ? { dashboardPort: count(flags.dashboardPort, '--dashboard-port', 65535) }
            : {}),
          ...(flags.keep ? { keep: true } : {}),
          ...(flags.dir ? { dir: path.resolve(flags.dir) } : {}),
          ...(flags.steps
            ? {
                steps: flags.steps
                  .split(',')
                  .map((s) => path.resolve(s.trim()))
                  .filter(Boolean),
              }
            : {}),
          namespace: settings.namespace,
          taskQueue: settings.taskQueue,
          logLevel: level,
          log: print,
        });
        print('stepline cluster: ready (Ctrl-C to stop)');
        await new Promise<void>((resolve) => {
          const stop = () => void running.stop().finally(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );
}
