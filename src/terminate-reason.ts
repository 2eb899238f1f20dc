/**
 * The terminate reason every door accepts (SDK, CLI, dashboard): required, trimmed, bounded. It is
 * recorded in the run's history and shown in progress events, so it stays short and printable. Light on
 * purpose (no Temporal imports): the CLI checks it before connecting.
 */

/** Longest terminate reason accepted (characters, after trimming). */
export const MAX_TERMINATE_REASON_LENGTH = 1000;

/** What is wrong with a terminate reason, or undefined when it is fine. Never echoes the reason. */
export function terminateReasonProblem(reason: unknown): string | undefined {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (!text) return 'a reason is required to terminate a pipeline';
  if (text.length > MAX_TERMINATE_REASON_LENGTH)
    return `the reason is ${text.length} characters; at most ${MAX_TERMINATE_REASON_LENGTH} are allowed`;
  return undefined;
}

/** The reason as recorded: trimmed, control characters other than line breaks and tabs replaced by spaces. */
export function normalizeTerminateReason(reason: string): string {
  // eslint-disable-next-line no-control-regex
  return reason.trim().replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
}
