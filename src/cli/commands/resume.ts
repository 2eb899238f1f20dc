import type { Command } from 'commander';
import { action, withClient } from '../context.js';
import { parseJsonValue } from '../input.js';
import { examples } from './examples.js';
import { reportStarted, type FollowFlags } from './following.js';

interface ResumeFlags extends FollowFlags {
  fromStep?: string;
  input?: string;
}

export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('run a failed, rolled back or cancelled pipeline again from where it stopped (same id)')
    .argument('<id>', 'pipeline id')
    .option('--from-step <step>', 'run this step and everything that depends on it again')
    .option('--input <json|@file>', 'new input for --from-step (JSON, or @file)')
    .option('-w, --watch', 'follow it live until it ends')
    .option('--until-blocked', 'follow it until it ends or waits for a person (exit 3); implies --watch')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nCompleted steps are kept; the failed step (or --from-step and everything that depends on it) runs\n' +
        'again with a fresh retry budget, optionally with edited input.\n' +
        examples(
          'stepline resume nightly-1 --watch',
          `stepline resume nightly-1 --from-step extract --input '{"url":"https://mirror.example/orders"}'`,
        ),
    )
    .action(
      action(async (id: string, flags: ResumeFlags, command: Command) => {
        const input = flags.input !== undefined ? parseJsonValue(flags.input, '--input') : undefined;
        return await withClient(command, async (client) => {
          const started = await client.resume(id, {
            ...(flags.fromStep !== undefined ? { fromStep: flags.fromStep } : {}),
            ...(input !== undefined ? { input } : {}),
          });
          return await reportStarted(client, started, 'resumed', command, flags);
        });
      }),
    );
}
