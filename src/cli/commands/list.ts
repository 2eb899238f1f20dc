import { Option, type Command } from 'commander';
import { PIPELINE_STATUSES, type PipelineStatus } from '../../pipeline/progress.js';
import { DURATION_PATTERN, parseDuration } from '../../pipeline/duration.js';
import { action, print, processTerminal, withClient } from '../context.js';
import { CliError } from '../exit.js';
import { listLines } from '../render.js';
import { examples } from './examples.js';

interface ListFlags {
  status?: PipelineStatus;
  name?: string;
  since?: string;
  limit: string;
  json?: boolean;
}

/** `--since`: an ISO date/time, or a duration meaning "that long ago" (`2h`, `7d`). */
export function sinceOf(value: string, now = Date.now()): Date {
  if (DURATION_PATTERN.test(value) && !/^\s*\d+\s*$/.test(value)) return new Date(now - parseDuration(value));
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new CliError(
      `--since: expected a date like 2024-05-01 or 2024-05-01T12:00:00Z, or a duration like 2h or 7d`,
    );
  }
  return date;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list pipelines, newest first (from Temporal visibility)')
    .addOption(new Option('--status <status>', 'only pipelines in this status').choices(PIPELINE_STATUSES))
    .option('--name <name>', 'only pipelines with this definition name')
    .option('--since <when>', 'started at or after: a date/time, or a duration ago like 2h or 7d')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print a JSON array')
    .addHelpText(
      'after',
      examples(
        'stepline list',
        'stepline list --status awaiting_approval',
        'stepline list --status terminated --since 1d',
        'stepline list --name release --since 7d --json',
      ),
    )
    .action(
      action(async (flags: ListFlags, command: Command) => {
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit <= 0)
          throw new CliError('--limit: expected a positive whole number');
        const since = flags.since !== undefined ? sinceOf(flags.since) : undefined;
        await withClient(command, async (client) => {
          const pipelines = await client.list({
            limit,
            ...(flags.status ? { status: flags.status } : {}),
            ...(flags.name ? { name: flags.name } : {}),
            ...(since ? { since } : {}),
          });
          print(
            flags.json
              ? JSON.stringify(pipelines, null, 2)
              : listLines(pipelines, { color: processTerminal().color }),
          );
        });
      }),
    );
}
