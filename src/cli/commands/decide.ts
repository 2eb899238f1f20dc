import type { Command } from 'commander';
import { action, defaultActor, print, withClient } from '../context.js';
import { examples } from './examples.js';

interface DecideFlags {
  by?: string;
  comment?: string;
}

function registerDecision(program: Command, decision: 'approve' | 'reject'): void {
  const past = decision === 'approve' ? 'approved' : 'rejected';
  program
    .command(decision)
    .description(
      `${decision} a step waiting at an approval gate (refused, exit 2, when it does not apply now)`,
    )
    .argument('<id>', 'pipeline id')
    .argument('<step>', 'id of the approval step')
    .option(
      '--by <name>',
      "who decides, checked against the step's approvers (default: $STEPLINE_USER or your login name)",
    )
    .option('--comment <text>', 'why; recorded with the decision')
    .addHelpText(
      'after',
      examples(
        `stepline ${decision} release-4f2a go-live --by alice${decision === 'reject' ? ` --comment 'tests are flaky'` : ''}`,
        `stepline ${decision} release-4f2a go-live --comment 'checked the dashboards'`,
      ),
    )
    .action(
      action(async (id: string, step: string, flags: DecideFlags, command: Command) =>
        withClient(command, async (client) => {
          const by = flags.by ?? defaultActor();
          const options = {
            ...(by ? { by } : {}),
            ...(flags.comment !== undefined ? { comment: flags.comment } : {}),
          };
          const state =
            decision === 'approve'
              ? await client.approve(id, step, options)
              : await client.reject(id, step, options);
          print(`${step} of ${id} ${past}${by ? ` by ${by}` : ''}; step is now ${state.status}`);
        }),
      ),
    );
}

export function registerDecisions(program: Command): void {
  registerDecision(program, 'approve');
  registerDecision(program, 'reject');
}
