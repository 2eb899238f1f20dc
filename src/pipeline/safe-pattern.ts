/**
 * Regular expressions for param `pattern`s, in a safe subset matched in linear time (a Thompson NFA run
 * over the text, never backtracking), so no pattern and no param can stall the client, the dashboard or a
 * workflow task. Pure and deterministic.
 *
 * The subset: literal characters, `.`, classes `[a-z0-9_]` / `[^…]`, escapes `\d \D \w \W \s \S` and
 * escaped punctuation (`\.`, `\-`, `\/`, …), `\n \r \t`, groups `(…)` / `(?:…)`, alternation `|`,
 * quantifiers `* + ? {n} {n,} {n,m}` (a trailing lazy `?` is accepted; it changes nothing for a test),
 * anchors `^` and `$`. Like `RegExp.prototype.test` without flags: a match anywhere counts, over UTF-16
 * code units. Refused, with a message saying why: backreferences, lookaround, `\b`, flags, `{n,m}` past
 * 100, and patterns that compile to more than {@link MAX_PROGRAM} instructions.
 */
import { Emitter, run } from './safe-pattern/program.js';
import { Parser, PatternError } from './safe-pattern/syntax.js';

export { MAX_PROGRAM } from './safe-pattern/program.js';
export { MAX_REPEAT } from './safe-pattern/syntax.js';

/** A compiled pattern. */
export interface SafePattern {
  /** Whether the pattern matches somewhere in `text`. */
  test(text: string): boolean;
}

/** Compiles a pattern of the safe subset, or says why it is not one. */
export function compileSafePattern(
  source: string,
): { ok: true; pattern: SafePattern } | { ok: false; error: string } {
  try {
    const emitter = new Emitter();
    emitter.emit(new Parser(source).parse());
    emitter.push({ op: 'match' });
    const prog = emitter.prog;
    return { ok: true, pattern: { test: (text) => run(prog, text) } };
  } catch (err) {
    if (err instanceof PatternError) return { ok: false, error: `unsupported pattern: ${err.message}` };
    throw err;
  }
}
