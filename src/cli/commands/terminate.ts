import type { Command } from 'commander';
import { MAX_TERMINATE_REASON_LENGTH, terminateReasonProblem } from '../../terminate-reason.js';
import { action, commandPrefix, print, withClient } from '../context.js';
import { CliError } from '../exit.js';
import { examples } from './examples.js';

export function registerTerminate(program: Command): void {
  program
    .command('terminate')
    .description(
      "the operator's last resort: stop a pipeline's run at once; compensations do NOT run (use cancel for a clean stop)",
    )
    .argument('<id>', 'pipeline id')
    .requiredOption(
      '--reason <text>',
      `why (required; at most ${MAX_TERMINATE_REASON_LENGTH} characters): recorded in the history and the progress events`,
    )
    .addHelpText(
      'after',
      [
        '\nTerminate ends the run without running any compensation or cleanup: steps in flight are abandoned,',
        'the pipeline reads "terminated" everywhere, and the exit code of status/watch for it is 1.',
        'Prefer `stepline cancel` (it runs compensations unless the definition says onCancel: stop).',
        'Exit codes: 0 terminated; 2 bad usage, unknown pipeline, or a pipeline that is not running.',
        examples("stepline terminate release-4f2a --reason 'stuck on a dead worker; INC-1234'"),
      ].join('\n'),
    )
    .action(
      action(async (id: string, flags: { reason: string }, command: Command) => {
        const problem = terminateReasonProblem(flags.reason);
        if (problem) throw new CliError(`--reason: ${problem}`);
        const reason = flags.reason;
        await withClient(command, async (client) => {
          await client.terminate(id, reason);
        });
        print(`terminated ${id}; compensations did not run`);
        print(`see where it stopped: ${commandPrefix(command)} status ${id}`);
      }),
    );
}
