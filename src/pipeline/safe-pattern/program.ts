/** The compiled form of a safe pattern: a Pike VM without captures, linear in the text's length. */
import { PatternError, type Node, type Pred } from './syntax.js';

/** Most NFA instructions a pattern may compile to (bounds matching to O(text × this)). */
export const MAX_PROGRAM = 2_000;

type Instr =
  | { op: 'char'; test: Pred }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; to: number }
  | { op: 'bol' }
  | { op: 'eol' }
  | { op: 'match' };

export class Emitter {
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

export function run(prog: Instr[], text: string): boolean {
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
