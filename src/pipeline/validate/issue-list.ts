import type { z } from 'zod';
import { formatPath, type DefinitionIssue } from '../errors.js';
import { truncateText } from '../limits.js';

/** Turns zod's issues into definition issues, and bounds, orders and de-duplicates the final list. */

/**
 * Most issues reported for one definition; past it, the last one says how many more there were. Keeps a
 * rejection (which the workflow's failure carries too) small whatever the input.
 */
export const MAX_DEFINITION_ISSUES = 100;

/** Longest issue path and message: long keys, ids and templates are cut, saying how much was left out. */
export const MAX_ISSUE_TEXT_LENGTH = 500;

/** The issues as reported: duplicates dropped, grouped by step, at most {@link MAX_DEFINITION_ISSUES}. */
export function finalIssues(issues: DefinitionIssue[]): DefinitionIssue[] {
  return bounded(sortByStep(dedupe(issues)));
}

export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  base: readonly PropertyKey[],
): DefinitionIssue[] {
  const out: DefinitionIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, i) =>
        out.push({ path: formatPath([...path, key]), message: lines[i] ?? `unknown field "${key}"` }),
      );
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branch = likelyBranch(issue.errors);
      if (branch) {
        for (const inner of fromZodIssues(branch, path)) out.push(inner);
        continue;
      }
    }
    out.push({ path: formatPath(path), message: issue.message });
  }
  return out;
}

/**
 * Picks the union option the user most likely meant: the one whose problems are not a type mismatch
 * of the value itself, or else the one that got furthest into the value. None if that is unclear
 * (the union's own message is used then).
 */
function likelyBranch(branches: readonly z.core.$ZodIssue[][]): z.core.$ZodIssue[] | undefined {
  const candidates = branches.filter((b) => !b.some((i) => i.path.length === 0 && i.code === 'invalid_type'));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) return undefined;
  const depth = (b: z.core.$ZodIssue[]) => b.reduce((most, i) => Math.max(most, i.path.length), 0);
  const deepest = candidates.reduce((most, b) => Math.max(most, depth(b)), 0);
  const best = candidates.filter((b) => depth(b) === deepest);
  return best.length === 1 ? best[0] : undefined;
}

/** At most {@link MAX_DEFINITION_ISSUES} issues, each at most {@link MAX_ISSUE_TEXT_LENGTH} characters per field. */
function bounded(issues: DefinitionIssue[]): DefinitionIssue[] {
  const cut = (issue: DefinitionIssue): DefinitionIssue => ({
    path: truncateText(issue.path, MAX_ISSUE_TEXT_LENGTH),
    message: truncateText(issue.message, MAX_ISSUE_TEXT_LENGTH),
  });
  if (issues.length <= MAX_DEFINITION_ISSUES) return issues.map(cut);
  const kept = issues.slice(0, MAX_DEFINITION_ISSUES - 1).map(cut);
  const more = issues.length - kept.length;
  kept.push({ path: '', message: `and ${more} more problems (${issues.length} in all)` });
  return kept;
}

function dedupe(issues: DefinitionIssue[]): DefinitionIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Groups issues by step (pipeline-level ones first), keeping their order otherwise. */
function sortByStep(issues: DefinitionIssue[]): DefinitionIssue[] {
  const stepOf = (issue: DefinitionIssue) => Number(/^steps\[(\d+)\]/.exec(issue.path)?.[1] ?? -1);
  return issues
    .map((issue, i) => ({ issue, i, step: stepOf(issue) }))
    .sort((a, b) => a.step - b.step || a.i - b.i)
    .map((x) => x.issue);
}
