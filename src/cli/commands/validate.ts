import type { Command } from 'commander';
import { parseDuration } from '../../pipeline/duration.js';
import { DefinitionError } from '../../pipeline/errors.js';
import { parseDefinitionText } from '../../pipeline/load.js';
import { validateDefinition } from '../../pipeline/validate.js';
import { action, print, withClient } from '../context.js';
import { CliError, EXIT, issueLines } from '../exit.js';
import { formatOfFile, parseJsonObject, readText } from '../input.js';
import { paramsIssues } from '../../pipeline/params.js';
import { examples } from './examples.js';

interface FileReport {
  file: string;
  valid: boolean;
  name?: string;
  steps?: number;
  issues: Array<{ path: string; message: string }>;
}

function check(file: string, handlers?: readonly string[], params?: Record<string, unknown>): FileReport {
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
  const paramProblems = params ? paramsIssues(result.definition.params, params) : [];
  if (paramProblems.length > 0) return { file, valid: false, issues: paramProblems };
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
      '-p, --params <json|@file>',
      "also check these params against each definition's declared params (a JSON object, or @file.json / @file.yaml)",
    )
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
        `stepline validate examples/release.yaml -p '{"version":"1.2.3","previousVersion":"1.2.2"}'`,
        'stepline validate pipeline.yaml --worker --task-queue images   # activity names a running worker knows',
        '# exit 0: all valid; exit 2: at least one problem (each printed as "path: message")',
      ),
    )
    .action(
      action(
        async (
          files: string[],
          opts: { json?: boolean; worker?: boolean; workerTimeout: string; params?: string },
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
          const params = opts.params !== undefined ? parseJsonObject(opts.params, '--params') : undefined;
          const reports = files.map((file) => check(file, handlers, params));
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
