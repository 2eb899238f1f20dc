/** The safe pattern subset's syntax: a recursive-descent parser from pattern text to a `Node` tree. */

/** Largest count in `{n}` / `{n,m}`. */
export const MAX_REPEAT = 100;

export type Pred = (c: number) => boolean;

export type Node =
  | { k: 'char'; test: Pred }
  | { k: 'cat'; items: Node[] }
  | { k: 'alt'; items: Node[] }
  | { k: 'rep'; node: Node; min: number; max: number }
  | { k: 'bol' }
  | { k: 'eol' };

export class PatternError extends Error {}

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

export class Parser {
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
