import type { Command } from 'commander';
import { action, withClient } from '../context.js';
import { examples } from './examples.js';
import { followToExit, type FollowFlags } from './following.js';

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description('follow a pipeline live: step bars, overall percent and ETA, events, what it waits for')
    .argument('<id>', 'pipeline id')
    .option('--until-blocked', 'stop when it waits for an approval or intervention (exit 3)')
    .option('--json', 'one progress JSON document per line, per change')
    .option('--interval <ms>', 'poll interval in milliseconds', '500')
    .addHelpText(
      'after',
      [
        '\nOn a terminal the view redraws in place; piped or redirected, it prints one line per change.',
        'Exit codes: 0 completed, 1 failed/rolled back/cancelled/terminated/timed out, 2 unknown pipeline, 3 waiting for a person',
        '(with --until-blocked), 130 interrupted (the pipeline goes on).',
        examples(
          'stepline watch release-4f2a',
          'stepline watch release-4f2a --until-blocked && echo done',
          'stepline watch release-4f2a | tee release.log',
        ),
      ].join('\n'),
    )
    .action(
      action(async (id: string, flags: FollowFlags, command: Command) =>
        withClient(command, (client) => followToExit(client, id, command, flags)),
      ),
    );
}
