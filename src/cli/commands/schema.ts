import type { Command } from 'commander';
import { pipelineJsonSchema } from '../../pipeline/json-schema.js';
import { action, print } from '../context.js';
import { examples } from './examples.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of pipeline definitions (for editors and other tools)')
    .addHelpText(
      'after',
      examples(
        'stepline schema > pipeline.schema.json',
        '# then, at the top of a YAML definition:  # yaml-language-server: $schema=./pipeline.schema.json',
      ),
    )
    .action(
      action(async () => {
        print(JSON.stringify(pipelineJsonSchema(), null, 2));
      }),
    );
}
