/**
 * Exit codes and error reporting: every failure becomes one clear line on stderr (validation problems
 * add one line per issue) and a meaningful exit code. No stack traces, no environment values.
 */
import { DefinitionError } from '../pipeline/errors.js';
import { isTerminalStatus, WAITING_PIPELINE_STATUSES, type PipelineStatus } from '../pipeline/progress.js';

export const EXIT = {
  /** Completed, or the command did what it was asked. */
  ok: 0,
  /**
   * The pipeline failed, was rolled back, cancelled, terminated or timed out; or the command failed
   * (e.g. Temporal unreachable).
   */
  failed: 1,
  /** Invalid input: bad definition, bad JSON, unknown pipeline or step, a request the pipeline refused, bad usage. */
  invalid: 2,
  /** `--until-blocked`: the pipeline waits for a person (approval or intervention). */
  blocked: 3,
  /** Interrupted by Ctrl-C. */
  interrupted: 130,
} as const;

/** An error the CLI reports as it is, with its exit code (default: invalid input) and extra lines. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.invalid,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** Exit code for where a pipeline stands once a command stops following it. */
export function exitCodeForStatus(status: PipelineStatus, untilBlocked = false): number {
  if (status === 'completed') return EXIT.ok;
  if (isTerminalStatus(status)) return EXIT.failed;
  if ((WAITING_PIPELINE_STATUSES as readonly string[]).includes(status))
    return untilBlocked ? EXIT.blocked : EXIT.ok;
  return EXIT.ok;
}

/** The lines to print and the exit code for an error thrown by a command. */
export function describeError(
  err: unknown,
  context: { address?: string } = {},
): { lines: string[]; exitCode: number } {
  if (err instanceof CliError) return { lines: [err.message, ...err.details], exitCode: err.exitCode };
  if (err instanceof DefinitionError) {
    const count = err.issues.length === 1 ? '1 problem' : `${err.issues.length} problems`;
    return {
      lines: [`invalid pipeline definition (${count}):`, ...issueLines(err.issues)],
      exitCode: EXIT.invalid,
    };
  }
  if (isNamed(err, 'PipelineNotFoundError') || isNamed(err, 'PipelineRequestRejectedError')) {
    return { lines: [oneLine(err.message)], exitCode: EXIT.invalid };
  }
  if (isNamed(err, 'PipelineFailedError')) return { lines: [oneLine(err.message)], exitCode: EXIT.failed };
  return { lines: [connectionHint(err, context.address) ?? oneLine(messageOf(err))], exitCode: EXIT.failed };
}

/**
 * Whether `err` is one of the client's typed errors, by its stable `name` (so the CLI need not load the
 * Temporal client just to report an error).
 */
export function isNamed(err: unknown, name: string): err is Error {
  return err instanceof Error && err.name === name;
}

/** `  path: message` per issue (`(definition)` for the root). */
export function issueLines(issues: ReadonlyArray<{ path: string; message: string }>): string[] {
  return issues.map((issue) => `  ${issue.path || '(definition)'}: ${issue.message}`);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function oneLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}

/** gRPC errors say "14 UNAVAILABLE: …" or "Failed to connect before the deadline": say where we tried. */
function connectionHint(err: unknown, address: string | undefined): string | undefined {
  const message = messageOf(err);
  if (!/UNAVAILABLE|Failed to connect|ECONNREFUSED|DEADLINE_EXCEEDED|TransportError/i.test(message))
    return undefined;
  const where = address ? ` at ${address}` : '';
  return `cannot reach Temporal${where}: ${oneLine(message)} (start one with \`stepline dev\`, or pass --address / set TEMPORAL_ADDRESS)`;
}
