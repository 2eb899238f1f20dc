import { z } from 'zod';

/**
 * A string that must match `pattern`, reported as zod's own regex issue (`invalid_format`, `format: 'regex'`)
 * with `message`, and exported to JSON Schema as `pattern`.
 *
 * Not zod's `.regex()`: that resets the pattern's `lastIndex` on every check, which throws once the
 * workflow sandbox has deep-frozen the preloaded model (src/workflows/shared-modules.ts). A pattern without
 * the `g` or `y` flag never touches `lastIndex`.
 */
export function stringMatching(
  pattern: RegExp,
  message: (input: string) => string,
  /** Longest string allowed (reported as zod's `too_big`, exported as `maxLength`). Default: no limit. */
  maxLength?: number,
) {
  if (pattern.global || pattern.sticky)
    throw new Error(`stringMatching: ${String(pattern)} must not be g or y`);
  const base = maxLength === undefined ? z.string() : z.string().max(maxLength);
  return base
    .check((ctx) => {
      // Over the length limit: that is the problem to report (and the pattern need not scan it all).
      if (maxLength !== undefined && ctx.value.length > maxLength) return;
      if (pattern.test(ctx.value)) return;
      ctx.issues.push({
        code: 'invalid_format',
        format: 'regex',
        pattern: String(pattern),
        input: ctx.value,
        message: message(ctx.value),
      });
    })
    .register(stringPatterns, { pattern: pattern.source });
}

/** The pattern of each {@link stringMatching} schema, for the JSON Schema export. */
export const stringPatterns = z.registry<{ pattern: string }>();
