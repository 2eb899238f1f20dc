import type { Command } from 'commander';
import { StepValueError, type PipelineClient } from '../../client.js';
import type { StepValueKind } from '../../pipeline/step-values.js';
import type { OmittedOutput } from '../../pipeline/contract.js';
import { isTerminalStatus } from '../../pipeline/vocabulary.js';
import { action, printErr, withClient } from '../context.js';
import { CliError, EXIT } from '../exit.js';
import { currentProgress } from '../remote.js';
import { examples } from './examples.js';

/** Whether a value is what stands in the result for an output left out of it (contract.ts). */
export function isOmittedOutput(value: unknown): value is OmittedOutput {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { $stepline?: unknown }).$stepline === 'omitted_output'
  );
}

/**
 * Prints JSON and resolves once stdout took it: outputs may be megabytes, and the CLI exits right after
 * its command (a pipe would otherwise lose the tail).
 */
async function printJson(value: unknown): Promise<void> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(text, (err) => (err ? reject(err) : resolve())),
  );
}

export function registerResult(program: Command): void {
  program
    .command('result')
    .description("print a completed pipeline's step outputs as JSON (or one step's with --step)")
    .argument('<id>', 'pipeline id')
    .option(
      '--step <step>',
      "print only this step's output (the whole of it, also when the result left it out)",
    )
    .option(
      '--input',
      "with --step: print the step's whole rendered input, redacted (also while the pipeline runs)",
    )
    .option(
      '--output',
      "with --step: print the step's whole output, redacted like progress (also while the pipeline runs)",
    )
    .option('--wait', 'wait for a running pipeline to end (default: exit 1 if it has not ended)')
    .addHelpText(
      'after',
      '\nOutputs too big for the result stand as { "$stepline": "omitted_output", "stepId", "bytes", "query": "output" };\n' +
        '--step <id> reads such an output with the `output` query (a worker must be running).\n' +
        '--step <id> --input / --output print the value the `stepValue` query returns: whole, with fields named\n' +
        'like secrets and URL credentials redacted.\n' +
        '\nExit codes: 0 completed; 1 failed, rolled back, cancelled, terminated, timed out or not ended yet\n' +
        '(the reason on stderr); 2 unknown pipeline or step.',
    )
    .addHelpText(
      'after',
      examples(
        'stepline result release-4f2a',
        'stepline result release-4f2a --step build | jq .version',
        'stepline result release-4f2a --wait',
        'stepline result release-4f2a --step deploy --input',
      ),
    )
    .action(
      action(
        async (
          id: string,
          flags: { step?: string; wait?: boolean; input?: boolean; output?: boolean },
          command: Command,
        ) =>
          withClient(command, async (client) => {
            const which = flags.input ? 'input' : flags.output ? 'output' : undefined;
            if (which && (flags.step === undefined || (flags.input && flags.output)))
              throw new CliError('--input and --output need --step <id>, and only one of them', EXIT.invalid);
            const progress = await currentProgress(client, id);
            if (which && flags.step !== undefined) {
              if (!progress.steps.some((s) => s.id === flags.step))
                throw new CliError(
                  `pipeline "${id}" has no step "${flags.step}"; its steps: ${progress.steps.map((s) => s.id).join(', ')}`,
                  EXIT.invalid,
                );
              await printJson(await stepValue(client, id, flags.step, which));
              return EXIT.ok;
            }
            if (!flags.wait && !isTerminalStatus(progress.status))
              throw new CliError(
                `pipeline "${id}" has not ended (status: ${progress.status}); wait for it with --wait or follow it with: stepline watch ${id}`,
                EXIT.failed,
              );
            if (flags.step !== undefined && !progress.steps.some((s) => s.id === flags.step))
              throw new CliError(
                `pipeline "${id}" has no step "${flags.step}"; its steps: ${progress.steps.map((s) => s.id).join(', ')}`,
                EXIT.invalid,
              );
            // A failed, rolled back or cancelled pipeline throws PipelineFailedError: exit 1 with its reason.
            const result = await client.result(id);
            if (flags.step !== undefined) {
              await printJson(await stepOutput(client, id, flags.step, result.outputs));
              return EXIT.ok;
            }
            await printJson(result.outputs);
            const omitted = Object.values(result.outputs).filter(isOmittedOutput);
            for (const marker of omitted)
              printErr(
                `note: step "${marker.stepId}"'s output (${marker.bytes} bytes) was left out of the result; read it with: stepline result ${id} --step ${marker.stepId}`,
              );
            return EXIT.ok;
          }),
      ),
    );
}

/** A step's output: from the result, or from the `output` query when the result left it out. */
async function stepOutput(
  client: PipelineClient,
  id: string,
  stepId: string,
  outputs: Record<string, unknown>,
): Promise<unknown> {
  const value = outputs[stepId];
  if (!isOmittedOutput(value)) return value ?? null;
  const { outputQuery } = await import('../../workflows/messages.js');
  try {
    return await client.handle(id).query(outputQuery, stepId);
  } catch (err) {
    throw new CliError(
      `step "${stepId}"'s output (${value.bytes} bytes) is not in the result and the \`output\` query failed: ${err instanceof Error ? err.message : String(err)} (is a worker running on the pipeline's task queue?)`,
      EXIT.failed,
    );
  }
}

/** A step's whole input or output (query `stepValue`, redacted). */
async function stepValue(
  client: PipelineClient,
  id: string,
  stepId: string,
  which: StepValueKind,
): Promise<unknown> {
  try {
    return await client.stepValue(id, stepId, which);
  } catch (err) {
    if (err instanceof StepValueError) throw new CliError(err.message, EXIT.failed);
    throw err;
  }
}
