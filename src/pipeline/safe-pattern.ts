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

/** Most NFA instructions a pattern may compile to (bounds matching to O(text × this)). */
export const MAX_PROGRAM = 2_000;
/** Largest count in `{n}` / `{n,m}`. */
export const MAX_REPEAT = 100;

/** A compiled pattern. */
export interface SafePattern {
  /** Whether the pattern matches somewhere in `text`. */
  test(text: string): boolean;
}

type Pred = (c: number) => boolean;

type Node =
  | { k: 'char'; test: Pred }
  | { k: 'cat'; items: Node[] }
  | { k: 'alt'; items: Node[] }
  | { k: 'rep'; node: Node; min: number; max: number }
  | { k: 'bol' }
  | { k: 'eol' };

class PatternError extends Error {}

const isDigit: Pred = (c) => c >= 48 && c <= 57;
const isWord: Pred = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const SPACES = new Set([9, 10, 11, 12, 13, 32, 160, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]);
const isSpace: Pred = (c) => SPACES.has(c) || (c >= 0x2000 && c <= 0x200a);
const LINE_TERMINATORS = new Set([10, 13, 0x2028, 0x2029]);
const not =
  (p: Pred): Pred =>
  (c) =>
    !p(c);
/** Characters that may follow `\\` to stand for themselves. */
const ESCAPABLE = '^$\\.*+?()[]{}|/- "\'#&,:;<>=!@%~`';
const CONTROL_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, b: 8 };

class Parser {
  at = 0;
  constructor(private readonly src: string) {}

  fail(message: string): never {
    throw new PatternError(`${message} at position ${this.at} of the pattern`);
  }

  peek(): string | undefined {
    return this.src[this.at];
  }

  parse(): Node {
    const node = this.alternation();
    if (this.at < this.src.length) this.fail(`unexpected "${this.src[this.at]}"`);
    return node;
  }

  alternation(): Node {
    const items = [this.sequence()];
    while (this.peek() === '|') {
      this.at++;
      items.push(this.sequence());
    }
    return items.length === 1 ? (items[0] as Node) : { k: 'alt', items };
  }

  sequence(): Node {
    const items: Node[] = [];
    while (this.at < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      items.push(this.quantified(this.atom()));
    }
    return { k: 'cat', items };
  }

  atom(): Node {
    const c = this.src[this.at++] as string;
    switch (c) {
      case '^':
        return { k: 'bol' };
      case '$':
        return { k: 'eol' };
      case '.':
        return { k: 'char', test: (x) => !LINE_TERMINATORS.has(x) };
      case '(': {
        if (this.src.startsWith('?:', this.at)) this.at += 2;
        else if (this.peek() === '?') this.fail('lookaround and named groups are not supported');
        const inner = this.alternation();
        if (this.peek() !== ')') this.fail('unclosed "("');
        this.at++;
        return inner;
      }
      case ')':
        return this.fail('unmatched ")"');
      case '[':
        return { k: 'char', test: this.charClass() };
      case '\\':
        return { k: 'char', test: this.escape(false) };
      case '*':
      case '+':
      case '?':
        return this.fail(`nothing to repeat before "${c}"`);
      case '{':
        if (/^\d/.test(this.src.slice(this.at))) this.fail('nothing to repeat before "{"');
        return literal(c);
      default:
        return literal(c);
    }
  }

  /** The predicate of an escape (after `\`). */
  escape(inClass: boolean): Pred {
    const c = this.src[this.at++];
    if (c === undefined) return this.fail('"\\" at the end');
    switch (c) {
      case 'd':
        return isDigit;
      case 'D':
        return not(isDigit);
      case 'w':
        return isWord;
      case 'W':
        return not(isWord);
      case 's':
        return isSpace;
      case 'S':
        return not(isSpace);
      case 'n':
        return literalPred(10);
      case 'r':
        return literalPred(13);
      case 't':
        return literalPred(9);
      case 'b':
        return inClass ? literalPred(8) : this.fail('"\\b" (word boundary) is not supported');
      default:
        if (ESCAPABLE.includes(c)) return literalPred(c.charCodeAt(0));
        if (/[0-9]/.test(c)) return this.fail('backreferences are not supported');
        return this.fail(`unsupported escape "\\${c}"`);
    }
  }

  charClass(): Pred {
    const negated = this.peek() === '^';
    if (negated) this.at++;
    const parts: Pred[] = [];
    let first = true;
    while (this.peek() !== ']' || first) {
      first = false;
      if (this.at >= this.src.length) this.fail('unclosed "["');
      const start = this.classAtom();
      if (this.peek() === '-' && this.src[this.at + 1] !== ']' && this.at + 1 < this.src.length) {
        this.at++;
        const end = this.classAtom();
        if (typeof start !== 'number' || typeof end !== 'number')
          this.fail('a range needs single characters');
        if (start > end) this.fail('a range out of order');
        parts.push((x) => x >= start && x <= end);
      } else {
        parts.push(typeof start === 'number' ? literalPred(start) : start);
      }
    }
    this.at++;
    const any: Pred = (x) => parts.some((p) => p(x));
    return negated ? not(any) : any;
  }

  /** One character (its code) or a class escape (its predicate) inside `[…]`. */
  classAtom(): number | Pred {
    const c = this.src[this.at++] as string;
    if (c !== '\\') return c.charCodeAt(0);
    const next = this.peek();
    if (next === undefined) return this.fail('"\\" at the end');
    if ('dDwWsS'.includes(next)) return this.escape(true);
    const code = CONTROL_ESCAPES[next] ?? (ESCAPABLE.includes(next) ? next.charCodeAt(0) : undefined);
    if (code === undefined) return this.escape(true);
    this.at++;
    return code;
  }

  quantified(node: Node): Node {
    let min: number;
    let max: number;
    const c = this.peek();
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.src.slice(this.at));
      if (!m) return node;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT))
        this.fail(`a repeat count over ${MAX_REPEAT}`);
      if (max < min) this.fail('a repeat range out of order');
      this.at += m[0].length - 1;
    } else return node;
    this.at++;
    if (node.k === 'bol' || node.k === 'eol') this.fail('nothing to repeat');
    if (this.peek() === '?') this.at++;
    if (this.peek() === '*' || this.peek() === '+' || this.peek() === '?' || this.peek() === '{') {
      if (this.peek() !== '{' || /^\{\d/.test(this.src.slice(this.at)))
        this.fail('a quantifier after a quantifier');
    }
    return { k: 'rep', node, min, max };
  }
}

function literalPred(code: number): Pred {
  return (x) => x === code;
}

function literal(c: string): Node {
  return { k: 'char', test: literalPred(c.charCodeAt(0)) };
}

// ---- the program: a Pike VM without captures ---------------------------------------------------------

type Instr =
  | { op: 'char'; test: Pred }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; to: number }
  | { op: 'bol' }
  | { op: 'eol' }
  | { op: 'match' };

class Emitter {
  readonly prog: Instr[] = [];

  push(instr: Instr): number {
    if (this.prog.length >= MAX_PROGRAM)
      throw new PatternError(
        `the pattern is too complex (over ${MAX_PROGRAM} steps once repeats are expanded)`,
      );
    this.prog.push(instr);
    return this.prog.length - 1;
  }

  emit(node: Node): void {
    switch (node.k) {
      case 'char':
        this.push({ op: 'char', test: node.test });
        return;
      case 'bol':
      case 'eol':
        this.push({ op: node.k });
        return;
      case 'cat':
        for (const item of node.items) this.emit(item);
        return;
      case 'alt': {
        const jumps: number[] = [];
        node.items.forEach((item, i) => {
          if (i === node.items.length - 1) return this.emit(item);
          const split = this.push({ op: 'split', a: 0, b: 0 });
          (this.prog[split] as { a: number }).a = this.prog.length;
          this.emit(item);
          jumps.push(this.push({ op: 'jmp', to: 0 }));
          (this.prog[split] as { b: number }).b = this.prog.length;
        });
        for (const j of jumps) (this.prog[j] as { to: number }).to = this.prog.length;
        return;
      }
      case 'rep': {
        for (let i = 0; i < node.min; i++) this.emit(node.node);
        if (node.max === Infinity) {
          const split = this.push({ op: 'split', a: 0, b: 0 });
          (this.prog[split] as { a: number }).a = this.prog.length;
          this.emit(node.node);
          this.push({ op: 'jmp', to: split });
          (this.prog[split] as { b: number }).b = this.prog.length;
          return;
        }
        const splits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          const split = this.push({ op: 'split', a: 0, b: 0 });
          (this.prog[split] as { a: number }).a = this.prog.length;
          splits.push(split);
          this.emit(node.node);
        }
        for (const s of splits) (this.prog[s] as { b: number }).b = this.prog.length;
        return;
      }
      default: {
        const never: never = node;
        return never;
      }
    }
  }
}

function run(prog: Instr[], text: string): boolean {
  let current: number[] = [];
  let next: number[] = [];
  const seen = new Int32Array(prog.length).fill(-1);
  // Adds a thread and everything reachable from it without reading a character, at position `at`.
  const add = (list: number[], pc: number, at: number, mark: number): boolean => {
    const stack = [pc];
    while (stack.length > 0) {
      const p = stack.pop() as number;
      if (seen[p] === mark) continue;
      seen[p] = mark;
      const instr = prog[p] as Instr;
      switch (instr.op) {
        case 'match':
          return true;
        case 'jmp':
          stack.push(instr.to);
          break;
        case 'split':
          stack.push(instr.b, instr.a);
          break;
        case 'bol':
          if (at === 0) stack.push(p + 1);
          break;
        case 'eol':
          if (at === text.length) stack.push(p + 1);
          break;
        case 'char':
          list.push(p);
          break;
        default: {
          const never: never = instr;
          return never;
        }
      }
    }
    return false;
  };
  for (let at = 0; at <= text.length; at++) {
    // A match may start anywhere: a fresh thread at every position.
    if (add(current, 0, at, at)) return true;
    if (at === text.length) return false;
    const c = text.charCodeAt(at);
    next = [];
    for (const pc of current) {
      const instr = prog[pc] as { op: 'char'; test: Pred };
      if (instr.test(c) && add(next, pc + 1, at + 1, at + 1)) return true;
    }
    current = next;
  }
  return false;
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
