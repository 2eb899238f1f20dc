import type { Command } from 'commander';
import { action, commandPrefix, print, processTerminal, withClient } from '../context.js';
import { exitCodeForStatus } from '../exit.js';
import { currentProgress } from '../remote.js';
import { statusLines } from '../render.js';
import { valueLines } from '../values.js';
import { examples } from './examples.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("show a pipeline's steps as a table (or its full progress as JSON)")
    .argument('<id>', 'pipeline id')
    .option('--json', 'print the PipelineProgress document')
    .option('--outputs', "also show each step's input and output (redacted; large ones by size)")
    .addHelpText(
      'after',
      '\nExit codes: 0 completed, running or waiting; 1 failed, rolled back, cancelled, terminated or timed out; 2 unknown pipeline.',
    )
    .addHelpText(
      'after',
      examples(
        'stepline status release-4f2a',
        "stepline status release-4f2a --json | jq '.steps[] | {id, status}'",
        'stepline status release-4f2a --outputs',
      ),
    )
    .action(
      action(async (id: string, flags: { json?: boolean; outputs?: boolean }, command: Command) =>
        withClient(command, async (client) => {
          const progress = await currentProgress(client, id);
          if (flags.json) print(JSON.stringify(progress, null, 2));
          else {
            const prefix = commandPrefix(command);
            print(statusLines(progress, { color: processTerminal().color, command: prefix }));
            if (flags.outputs) print(['', ...valueLines(progress, prefix)]);
          }
          return exitCodeForStatus(progress.status);
        }),
      ),
    );
}
