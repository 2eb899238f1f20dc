import type { Command } from 'commander';
import type { PipelineClient } from '../../client.js';
import { APPROVAL_DECISIONS, isTerminalStatus, type ApprovalDecision } from '../../pipeline/progress.js';
import { action, defaultActor, print, withClient } from '../context.js';
import { CliError, EXIT } from '../exit.js';
import { examples } from './examples.js';

interface DecideFlags {
  by?: string;
  comment?: string;
}

function registerDecision(program: Command, decision: ApprovalDecision): void {
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
          let state;
          try {
            state =
              decision === 'approve'
                ? await client.approve(id, step, options)
                : await client.reject(id, step, options);
          } catch (err) {
            throw await closedPipelineError(client, id, err);
          }
          print(`${step} of ${id} ${past}${by ? ` by ${by}` : ''}; step is now ${state.status}`);
        }),
      ),
    );
}

/**
 * An update on a closed run fails as "not found": when the pipeline exists and is closed, say so
 * (exit 2) instead. Anything else is returned as it is.
 */
async function closedPipelineError(client: PipelineClient, id: string, err: unknown): Promise<unknown> {
  if ((err as { name?: unknown } | null)?.name !== 'PipelineNotFoundError') return err;
  try {
    const { status } = await client.progress(id);
    if (!isTerminalStatus(status)) return err;
    return new CliError(`pipeline "${id}" is ${status} (closed): it takes no decisions`, EXIT.invalid);
  } catch {
    return err;
  }
}

export function registerDecisions(program: Command): void {
  for (const decision of APPROVAL_DECISIONS) registerDecision(program, decision);
}
