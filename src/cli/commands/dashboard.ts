import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { action, settingsOf } from '../context.js';
import { CliError } from '../exit.js';
import { examples } from './examples.js';

/** The dashboard's entry module (`.ts` from the sources, `.js` compiled); loaded only when this command runs. */
const ENTRY = new URL(
  `../../dashboard/main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

interface DashboardEntry {
  runDashboard?: (options?: { env?: NodeJS.ProcessEnv }) => Promise<unknown>;
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description(
      'serve the dashboard and its API (port: STEPLINE_DASHBOARD_PORT, default 8080; Ctrl-C stops it)',
    )
    .addHelpText(
      'after',
      [
        '\nMutations (start, approve, intervene, cancel, resume, terminate) need Authorization: Bearer $STEPLINE_API_TOKEN;',
        'or a per-user token from STEPLINE_API_TOKENS (name:token,…), whose name is recorded as `by`;',
        'with neither the dashboard is read-only. STEPLINE_TEMPORAL_UI_URL links pipelines to the Temporal Web UI.',
        'Only requests for loopback names and the bound address are answered (DNS rebinding); bound beyond',
        'loopback (STEPLINE_DASHBOARD_HOST=0.0.0.0), list the names it is reached by in STEPLINE_DASHBOARD_HOSTS.',
        'Live streams: at most STEPLINE_DASHBOARD_MAX_STREAMS_PER_CLIENT (10) per client address and',
        'STEPLINE_DASHBOARD_MAX_STREAMS (100) in total; beyond that, 503 with Retry-After.',
        examples(
          'stepline dashboard',
          'STEPLINE_DASHBOARD_PORT=9000 STEPLINE_API_TOKEN=$(cat ~/.stepline-token) stepline dashboard',
          'STEPLINE_DASHBOARD_HOST=0.0.0.0 STEPLINE_DASHBOARD_HOSTS=dash.example.com stepline dashboard',
        ),
      ].join('\n'),
    )
    .action(
      action(async (_flags: unknown, command: Command) => {
        if (!existsSync(fileURLToPath(ENTRY))) {
          throw new CliError(
            'stepline dashboard is not available yet in this version (no src/dashboard/main.ts)',
          );
        }
        const entry = (await import(ENTRY.href)) as DashboardEntry;
        if (typeof entry.runDashboard !== 'function') {
          throw new CliError(
            'stepline dashboard is not available yet (src/dashboard/main.ts has no runDashboard())',
          );
        }
        // The dashboard reads its connection from the environment: the flags win.
        const settings = settingsOf(command);
        process.env.TEMPORAL_ADDRESS = settings.address;
        process.env.TEMPORAL_NAMESPACE = settings.namespace;
        process.env.STEPLINE_TASK_QUEUE = settings.taskQueue;
        await entry.runDashboard({ env: process.env });
        await new Promise<never>(() => undefined); // serves until SIGINT/SIGTERM (runDashboard exits then)
      }),
    );
}
