import { Option, type Command } from 'commander';
import { validateDefinition } from '../../pipeline/validate.js';
import { DefinitionError } from '../../pipeline/errors.js';
import { action, withClient } from '../context.js';
import { parseJsonObject, readDefinitionFile } from '../input.js';
import { examples } from './examples.js';
import { reportStarted, type FollowFlags } from './following.js';

interface RunFlags extends FollowFlags {
  params?: string;
  id?: string;
  ifRunning: 'fail' | 'use-existing';
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('validate a pipeline definition and start it; optionally follow it live')
    .argument('<file>', 'definition file (.yaml, .yml or .json; "-" for stdin)')
    .option('-p, --params <json|@file>', 'pipeline params: a JSON object, or @file.json / @file.yaml')
    .option('--id <id>', 'pipeline id (default: <name>-<uuid>)')
    .addOption(
      new Option('--if-running <what>', 'when the id is already running')
        .choices(['fail', 'use-existing'])
        .default('fail'),
    )
    .option(
      '-w, --watch',
      'follow it live until it ends (exit 0 completed, 1 failed/rolled back/cancelled/terminated/timed out)',
    )
    .option('--until-blocked', 'follow it until it ends or waits for a person (then exit 3); implies --watch')
    .option('--json', 'machine-readable output: {pipelineId, runId}; with --watch one progress JSON per line')
    .addHelpText(
      'after',
      examples(
        `stepline run examples/release.yaml --params '{"version":"1.2.3","previousVersion":"1.2.2"}' --watch`,
        'stepline run nightly.yaml --params @params.json --id nightly-2024-05-01',
        'stepline run release.yaml -p @params.yaml --until-blocked || echo "exit $?: 3 means someone must approve"',
        'stepline run release.yaml --json | jq -r .pipelineId',
      ),
    )
    .action(
      action(async (file: string, flags: RunFlags, command: Command) => {
        const definition = readDefinitionFile(file);
        const checked = validateDefinition(definition);
        if (!checked.ok) throw new DefinitionError(checked.issues);
        const params = flags.params !== undefined ? parseJsonObject(flags.params, '--params') : {};
        return await withClient(command, async (client) => {
          const started = await client.start(definition, {
            params,
            ifRunning: flags.ifRunning,
            ...(flags.id !== undefined ? { id: flags.id } : {}),
          });
          return await reportStarted(client, started, 'started', command, flags);
        });
      }),
    );
}
