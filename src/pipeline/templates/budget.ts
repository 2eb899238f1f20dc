import { RenderSizeError, TemplateError } from '../errors.js';
import { describeJsonProblem, formatPath, inspectJson } from '../json-walk.js';
import { LIMITS } from '../limits.js';

/** The byte budget of one rendering: JSON bytes counted as values are inserted, never by building them first. */

/** Counts the rendered value's JSON bytes against `maxBytes`, remembering which template added most. */
export class Budget {
  private bytes = 0;
  private readonly byTemplate = new Map<string, { bytes: number; times: number }>();

  constructor(
    private readonly limit: number,
    /** What is rendered, for messages: `input`, `prompt`. */
    readonly what: string,
  ) {}

  /** Bytes left before the budget is passed (at least 0). */
  get left(): number {
    return Math.max(0, this.limit - this.bytes);
  }

  /** Adds bytes (those of `template`'s value, when given); throws once the total passes the limit. */
  add(bytes: number, template?: string): void {
    this.bytes += bytes;
    if (template !== undefined) {
      const seen = this.byTemplate.get(template);
      if (seen) {
        seen.bytes += bytes;
        seen.times += 1;
      } else this.byTemplate.set(template, { bytes, times: 1 });
    }
    if (this.bytes > this.limit) this.fail();
  }

  private fail(): never {
    let culprit: { template: string; bytes: number; times: number } | undefined;
    for (const [template, seen] of this.byTemplate) {
      if (!culprit || seen.bytes > culprit.bytes) culprit = { template, ...seen };
    }
    throw new RenderSizeError({
      what: this.what,
      bytes: this.bytes,
      limit: this.limit,
      ...(culprit ? { template: culprit.template, templateBytes: culprit.bytes, times: culprit.times } : {}),
    });
  }
}

/**
 * JSON bytes of a template's value inserted `depth` levels down, counted until they pass what is left of
 * the budget ({@link inspectJson}: iterative, any depth).
 *
 * @throws TemplateError when the value would nest the result past `LIMITS.maxNestingDepth` levels or is not
 *   JSON data.
 */
export function measureValue(value: unknown, depth: number, budget: Budget, template: string): number {
  const { bytes, problem } = inspectJson(value, {
    maxDepth: Math.max(0, LIMITS.maxNestingDepth - depth),
    stopAfter: budget.left,
  });
  if (problem) {
    const where = problem.path.length > 0 ? ` at ${formatPath(problem.path)}` : '';
    const reason = describeJsonProblem(problem, LIMITS.maxNestingDepth);
    throw new TemplateError(template, `its value cannot be part of the ${budget.what}${where}: ${reason}`);
  }
  return bytes;
}

/** Bytes a scalar (not a string) adds to the JSON: `null`, `true`, `12.5`. */
export function scalarSize(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'boolean') return value ? 4 : 5;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).length : 4;
  return 4;
}
