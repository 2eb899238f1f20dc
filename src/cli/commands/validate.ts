import type { Command } from 'commander';
import { parseDuration } from '../../pipeline/duration.js';
import { DefinitionError } from '../../pipeline/errors.js';
import { parseDefinitionText } from '../../pipeline/load.js';
import { validateDefinition } from '../../pipeline/validate.js';
import { action, print, withClient } from '../context.js';
import { CliError, EXIT, issueLines } from '../exit.js';
import { formatOfFile, readText } from '../input.js';
import { examples } from './examples.js';

interface FileReport {
  file: string;
  valid: boolean;
  name?: string;
  steps?: number;
  issues: Array<{ path: string; message: string }>;
}

function check(file: string, handlers?: readonly string[]): FileReport {
  let data: unknown;
  try {
    // Parsed here, not with readDefinitionFile: its error already lists the issues, and they would
    // print twice (once inside the message, once as issues).
    data = parseDefinitionText(readText(file, 'definition'), formatOfFile(file));
  } catch (err) {
    if (err instanceof DefinitionError) return { file, valid: false, issues: err.issues };
    if (!(err instanceof CliError)) throw err;
    return {
      file,
      valid: false,
      issues: [{ path: '', message: [err.message, ...err.details.map((d) => d.trim())].join(' ') }],
    };
  }
  const result = validateDefinition(data, handlers ? { handlers } : {});
  if (!result.ok) return { file, valid: false, issues: result.issues };
  return {
    file,
    valid: true,
    name: result.definition.name,
    steps: result.definition.steps.length,
    issues: [],
  };
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check pipeline definitions (YAML or JSON) and print every problem with its path')
    .argument('<files...>', 'definition files (.yaml, .yml, .json; "-" for stdin)')
    .option('--json', 'print a JSON report')
    .option(
      '--worker',
      'also check every activity name against the step handlers a running worker of the task queue has',
    )
    .option('--worker-timeout <duration>', 'how long to wait for a worker to answer (--worker)', '20s')
    .addHelpText(
      'after',
      examples(
        'stepline validate examples/release.yaml',
        'stepline validate pipelines/*.yaml --json',
        'stepline validate pipeline.yaml --worker --task-queue images   # activity names a running worker knows',
        '# exit 0: all valid; exit 2: at least one problem (each printed as "path: message")',
      ),
    )
    .action(
      action(
        async (
          files: string[],
          opts: { json?: boolean; worker?: boolean; workerTimeout: string },
          command: Command,
        ) => {
          let timeoutMs: number;
          try {
            timeoutMs = parseDuration(opts.workerTimeout);
          } catch (err) {
            throw new CliError(`--worker-timeout: ${(err as Error).message}`);
          }
          const handlers = opts.worker
            ? (await withClient(command, (client) => client.workerHandlers({ timeoutMs }))).handlers
            : undefined;
          const reports = files.map((file) => check(file, handlers));
          if (opts.json) {
            print(JSON.stringify(files.length === 1 ? reports[0] : reports, null, 2));
          } else {
            for (const report of reports) {
              if (report.valid) {
                print(
                  `${report.file}: valid pipeline "${report.name}" (${report.steps} step${report.steps === 1 ? '' : 's'})`,
                );
              } else {
                const count = report.issues.length === 1 ? '1 problem' : `${report.issues.length} problems`;
                print([
                  `${report.file}: invalid pipeline definition (${count}):`,
                  ...issueLines(report.issues),
                ]);
              }
            }
          }
          return reports.every((r) => r.valid) ? EXIT.ok : EXIT.invalid;
        },
      ),
    );
}
