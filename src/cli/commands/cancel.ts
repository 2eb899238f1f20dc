import type { Command } from 'commander';
import { action, commandPrefix, print, withClient } from '../context.js';
import { examples } from './examples.js';
import { followToExit, type FollowFlags } from './following.js';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('cancel a pipeline; its compensations run unless the definition says onCancel: stop')
    .argument('<id>', 'pipeline id')
    .option('-w, --watch', 'follow it until it has stopped (exit 1: cancelled)')
    .addHelpText('after', examples('stepline cancel release-4f2a', 'stepline cancel release-4f2a --watch'))
    .action(
      action(async (id: string, flags: FollowFlags, command: Command) =>
        withClient(command, async (client) => {
          await client.cancel(id);
          print(`cancellation of ${id} requested`);
          if (flags.watch) return await followToExit(client, id, command, {});
          print(`follow it: ${commandPrefix(command)} watch ${id}`);
          return undefined;
        }),
      ),
    );
}
