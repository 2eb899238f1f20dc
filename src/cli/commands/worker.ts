import type { Command } from 'commander';
import { action, settingsOf } from '../context.js';
import { examples } from './examples.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a pipeline worker: the pipeline workflow plus the built-in and your step handlers')
    .option(
      '--steps <modules>',
      'comma-separated module paths exporting extra step handlers (env STEPLINE_STEPS)',
    )
    .addHelpText(
      'after',
      examples(
        'stepline worker',
        'stepline worker --steps ./steps/orders.ts,./steps/billing.ts --task-queue etl',
        'TEMPORAL_ADDRESS=temporal.internal:7233 stepline worker',
      ),
    )
    .action(
      action(async (flags: { steps?: string }, command: Command) => {
        const settings = settingsOf(command);
        const { runPipelineWorker } = await import('../../worker.js'); // loaded only here: it is heavy
        await runPipelineWorker({
          ...process.env,
          TEMPORAL_ADDRESS: settings.address,
          TEMPORAL_NAMESPACE: settings.namespace,
          STEPLINE_TASK_QUEUE: settings.taskQueue,
          ...(flags.steps !== undefined ? { STEPLINE_STEPS: flags.steps } : {}),
        });
      }),
    );
}
