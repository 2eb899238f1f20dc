import { Option, type Command } from 'commander';
import type { InterventionPayload } from '../../pipeline/contract.js';
import { INTERVENTION_ACTIONS } from '../../pipeline/vocabulary.js';
import { action, defaultActor, print, withClient } from '../context.js';
import { CliError } from '../exit.js';
import { parseJsonValue } from '../input.js';
import { examples } from './examples.js';

interface InterveneFlags {
  action: InterventionPayload['action'];
  input?: string;
  output?: string;
  by?: string;
  reason?: string;
}

export function registerIntervene(program: Command): void {
  program
    .command('intervene')
    .description(
      'repair a step waiting for an intervention: retry (with new input), skip (with an output), rollback, abort',
    )
    .argument('<id>', 'pipeline id')
    .argument('<step>', 'id of the waiting step')
    .addOption(
      new Option('--action <action>', 'what to do').choices(INTERVENTION_ACTIONS).makeOptionMandatory(),
    )
    .option('--input <json|@file>', "retry: the step's new input (JSON, or @file)")
    .option('--output <json|@file>', 'skip: the output dependents see (JSON, or @file; default null)')
    .option('--by <name>', 'who intervenes (default: $STEPLINE_USER or your login name)')
    .option('--reason <text>', 'why; recorded with the intervention')
    .addHelpText(
      'after',
      examples(
        `stepline intervene nightly-1 extract --action retry --input '{"url":"https://mirror.example/orders"}'`,
        `stepline intervene nightly-1 enrich --action skip --output '[]' --reason 'enrichment API down, not needed today'`,
        'stepline intervene nightly-1 load --action rollback --by alice',
      ),
    )
    .action(
      action(async (id: string, step: string, flags: InterveneFlags, command: Command) => {
        if (flags.input !== undefined && flags.action !== 'retry')
          throw new CliError('--input goes with --action retry');
        if (flags.output !== undefined && flags.action !== 'skip')
          throw new CliError('--output goes with --action skip');
        const by = flags.by ?? defaultActor();
        const payload: InterventionPayload = {
          stepId: step,
          action: flags.action,
          ...(flags.input !== undefined ? { input: parseJsonValue(flags.input, '--input') } : {}),
          ...(flags.output !== undefined ? { output: parseJsonValue(flags.output, '--output') } : {}),
          ...(by ? { by } : {}),
          ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
        };
        await withClient(command, async (client) => {
          const state = await client.intervene(id, payload);
          print(`${step} of ${id}: ${flags.action}${by ? ` by ${by}` : ''}; step is now ${state.status}`);
        });
      }),
    );
}
