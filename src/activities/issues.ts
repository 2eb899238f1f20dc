/** Renders zod issues as `path: what was expected, what was found`. */
import type { z } from 'zod';
import { formatPath } from '../pipeline/json-walk.js';

/** How many issues a message lists before saying how many more there are. */
const MAX_LISTED = 10;

/** Formats zod issues, `; `-separated: `ms: expected number, got string; items[0].id: ...`. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  const listed = issues.slice(0, MAX_LISTED).map((issue) => {
    const path = formatPath(issue.path);
    const message = tidy(issue.message);
    return path ? `${path}: ${message}` : message;
  });
  if (issues.length > MAX_LISTED) listed.push(`and ${issues.length - MAX_LISTED} more`);
  return listed.join('; ');
}

/** zod says `Invalid input: expected number, received string`; we say `expected number, got string`. */
function tidy(message: string): string {
  return message.replace(/^Invalid input: /, '').replace(/, received /, ', got ');
}
