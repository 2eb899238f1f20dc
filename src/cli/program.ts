/**
 * The `stepline` command line: one commander program with a subcommand per file in `commands/`.
 * `runCli(argv)` parses, runs the command and resolves to the exit code; it never exits the process.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCancel } from './commands/cancel.js';
import { registerCompletion } from './commands/completion.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDecisions } from './commands/decide.js';
import { registerCluster } from './commands/cluster.js';
import { registerDev } from './commands/dev.js';
import { registerIntervene } from './commands/intervene.js';
import { registerList } from './commands/list.js';
import { registerResult } from './commands/result.js';
import { registerResume } from './commands/resume.js';
import { registerRun } from './commands/run.js';
import { registerSchema } from './commands/schema.js';
import { registerStatus } from './commands/status.js';
import { registerTerminate } from './commands/terminate.js';
import { registerValidate } from './commands/validate.js';
import { registerWatch } from './commands/watch.js';
import { registerWorker } from './commands/worker.js';
import { globalOptions, outcome, printErr } from './context.js';
import { describeError, EXIT } from './exit.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  completed, or the command did what it was asked
  1  the pipeline failed, was rolled back, cancelled, terminated or timed out (or Temporal could not be reached)
  2  invalid input: bad definition or JSON, unknown pipeline or step, a request the pipeline refused
  3  the pipeline waits for a person (with --until-blocked)

Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, STEPLINE_TASK_QUEUE (defaults for the flags above),
STEPLINE_USER (default --by), NO_COLOR.

Examples:
  $ stepline dev                                   # local Temporal server + worker
  $ stepline validate examples/release.yaml
  $ stepline run examples/release.yaml -p '{"version":"1.2.3","previousVersion":"1.2.2"}' --watch
  $ stepline approve release-4f2a go-live --comment 'looks good'
  $ stepline list --status awaiting_approval
`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The program, with every command registered. */
export function buildProgram(): Command {
  const program = new Command('stepline')
    .description('Durable pipelines of steps on Temporal: validate, run, watch, approve, repair, resume.')
    .version(version(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage and examples)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addHelpText('after', EXIT_CODES_HELP);
  for (const option of globalOptions()) program.addOption(option);
  registerValidate(program);
  registerRun(program);
  registerStatus(program);
  registerResult(program);
  registerWatch(program);
  registerDecisions(program);
  registerIntervene(program);
  registerCancel(program);
  registerTerminate(program);
  registerResume(program);
  registerList(program);
  registerSchema(program);
  registerWorker(program);
  registerDev(program);
  registerCluster(program);
  registerDashboard(program);
  registerCompletion(program);
  return program;
}

/** Runs the CLI on `argv` (as `process.argv`: node, script, args…) and resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  outcome.exitCode = EXIT.ok;
  try {
    await program.parseAsync(argv);
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExitCode(err);
    const opts = program.opts<{ address?: string }>();
    const { lines, exitCode } = describeError(err, { address: opts.address });
    printErr(lines.map((line, i) => (i === 0 ? `stepline: ${line}` : line)));
    return exitCode;
  }
}

/** Help and version exit 0; usage errors (commander already printed them) exit 2. */
function commanderExitCode(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
  return EXIT.invalid;
}
