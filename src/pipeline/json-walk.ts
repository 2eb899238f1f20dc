/**
 * One iterative pass over a value that should be JSON data: its UTF-8 size as JSON and the first thing
 * that is not JSON (or nested too deep), with its path. Everything that measures or checks a free value
 * uses it — the validator, the text loader, the interpreter's budgets, the worker's outputs, failures and
 * heartbeats — so there is one definition of "JSON data within limits". No recursion: any depth, any
 * cycle (a cycle is too deep), no stack overflow. Pure: runs in the workflow sandbox too.
 */

/** Why a value is not JSON data within the depth limit. */
export type JsonProblemKind =
  'function' | 'symbol' | 'bigint' | 'undefined_in_list' | 'not_finite' | 'too_deep';

/** The first problem {@link inspectJson} met. */
export interface JsonProblem {
  /** Where in the value, as keys and list indices; empty for the value itself. */
  path: PropertyKey[];
  kind: JsonProblemKind;
  /** `not_finite`: the number. */
  number?: number;
  /** `too_deep`: what was nested deeper. */
  container?: 'list' | 'object';
}

/** Options of {@link inspectJson} and {@link jsonSize}. */
export interface JsonWalkOptions {
  /** Deepest nesting of lists and objects (the value itself is level 0). */
  maxDepth: number;
  /** Stop counting once the size passes this many bytes (the answer is then just over it). Default: never. */
  stopAfter?: number;
}

/** A list or object met on the way, with how it was reached (a linked path: O(1) per level). */
interface Container {
  value: object;
  depth: number;
  key: PropertyKey | undefined;
  parent: Container | undefined;
}

interface Walk {
  bytes: number;
  problem: JsonProblem | undefined;
  stack: Container[];
  maxDepth: number;
}

/**
 * The UTF-8 size of `value` as `JSON.stringify` writes it, and its first problem (the walk stops there;
 * `bytes` is then partial). `undefined` as an object field counts as `null` (an upper bound: JSON drops
 * it); objects with `toJSON` (dates) count as what they write.
 */
export function inspectJson(
  value: unknown,
  options: JsonWalkOptions,
): { bytes: number; problem?: JsonProblem } {
  if (value === undefined) return { bytes: 0 };
  const stopAfter = options.stopAfter ?? Number.POSITIVE_INFINITY;
  const walk: Walk = { bytes: 0, problem: undefined, stack: [], maxDepth: options.maxDepth };
  if (visit(walk, value, undefined, undefined, false)) {
    while (walk.stack.length > 0 && walk.bytes <= stopAfter) {
      const container = walk.stack.pop()!;
      const v = container.value;
      let ok = true;
      if (Array.isArray(v)) {
        walk.bytes += 2 + Math.max(0, v.length - 1);
        for (let i = 0; ok && i < v.length && walk.bytes <= stopAfter; i++)
          ok = visit(walk, v[i], container, i, true);
      } else {
        const keys = Object.keys(v);
        walk.bytes += 2 + Math.max(0, keys.length - 1);
        for (let i = 0; ok && i < keys.length && walk.bytes <= stopAfter; i++) {
          const key = keys[i]!;
          walk.bytes += jsonStringBytes(key) + 1;
          ok = visit(walk, (v as Record<string, unknown>)[key], container, key, false);
        }
      }
      if (!ok) break;
    }
  }
  return walk.problem ? { bytes: walk.bytes, problem: walk.problem } : { bytes: walk.bytes };
}

/** Counts one value (queueing lists and objects); false, with `walk.problem` set, when it is not JSON. */
function visit(
  walk: Walk,
  v: unknown,
  parent: Container | undefined,
  key: PropertyKey | undefined,
  inList: boolean,
): boolean {
  const fail = (problem: Omit<JsonProblem, 'path'>): false => {
    walk.problem = { path: pathTo(parent, key), ...problem };
    return false;
  };
  switch (typeof v) {
    case 'string':
      walk.bytes += jsonStringBytes(v);
      return true;
    case 'number':
      if (!Number.isFinite(v)) return fail({ kind: 'not_finite', number: v });
      walk.bytes += String(v).length;
      return true;
    case 'boolean':
      walk.bytes += v ? 4 : 5;
      return true;
    case 'undefined':
      if (inList) return fail({ kind: 'undefined_in_list' });
      walk.bytes += 4;
      return true;
    case 'bigint':
    case 'symbol':
    case 'function':
      return fail({ kind: typeof v as 'bigint' | 'symbol' | 'function' });
    default:
      break;
  }
  if (v === null) {
    walk.bytes += 4;
    return true;
  }
  const depth = parent ? parent.depth + 1 : 0;
  const list = Array.isArray(v);
  if (depth >= walk.maxDepth) return fail({ kind: 'too_deep', container: list ? 'list' : 'object' });
  if (!list && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    const json = JSON.stringify(v) as string | undefined;
    walk.bytes += json === undefined ? 4 : utf8Length(json);
    return true;
  }
  walk.stack.push({ value: v as object, depth, key, parent });
  return true;
}

/** Keys from the value down to `key` inside `container`. */
function pathTo(container: Container | undefined, key: PropertyKey | undefined): PropertyKey[] {
  const path: PropertyKey[] = key === undefined ? [] : [key];
  for (let c = container; c?.key !== undefined; c = c.parent) path.push(c.key);
  return path.reverse();
}

/** `steps[2].recovery[0]`, `a["odd key"]`: a path for messages. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'symbol') out += `[${String(segment)}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A formatted path (`input.url`, `[0].id`) put under a formatted prefix (`steps[1]`): `steps[1].input.url`. */
export function joinPaths(prefix: string, inner: string): string {
  if (!inner) return prefix;
  return inner.startsWith('[') ? prefix + inner : `${prefix}.${inner}`;
}

/** What a problem is, for people: `a function is not JSON`, `nested deeper than 64 levels`. */
export function describeJsonProblem(problem: JsonProblem, maxDepth: number): string {
  switch (problem.kind) {
    case 'function':
      return 'a function is not JSON';
    case 'symbol':
      return 'a Symbol is not JSON';
    case 'bigint':
      return 'a BigInt is not JSON';
    case 'undefined_in_list':
      return 'undefined is not JSON (in a list)';
    case 'not_finite':
      return `${String(problem.number)} is not a JSON number`;
    case 'too_deep':
      return `nested deeper than ${maxDepth} levels`;
    default: {
      const never: never = problem.kind;
      return never;
    }
  }
}

/** What {@link jsonSize} found wrong with a value. */
export class JsonValueError extends Error {
  override readonly name = 'JsonValueError';
  constructor(
    message: string,
    /** Where in the value: `items[3].b`; `''` for the value itself. */
    readonly path: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

/** UTF-8 bytes of a string written as JSON: its quotes, characters and escapes. */
export function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) bytes += 2;
    else if (code < 0x20)
      bytes += code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
    else if (code >= 0xd800 && code <= 0xdfff && !startsSurrogatePair(text, i, code))
      bytes += 6; // a lone surrogate: JSON writes \udXXX
    else {
      const width = utf8CharBytes(text, i, code);
      bytes += width;
      if (width === 4) i += 1;
    }
  }
  return bytes;
}

/**
 * UTF-8 byte length of a string, without Node's Buffer (this module runs in the workflow sandbox too).
 * Lone surrogates count 3 bytes, as their U+FFFD replacement does.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const width = utf8CharBytes(text, i, text.charCodeAt(i));
    bytes += width;
    if (width === 4) i += 1;
  }
  return bytes;
}

/** UTF-8 bytes of the character whose UTF-16 code is `code` at `i`: 4 for a surrogate pair (two units). */
function utf8CharBytes(text: string, i: number, code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  return startsSurrogatePair(text, i, code) ? 4 : 3;
}

function startsSurrogatePair(text: string, i: number, code: number): boolean {
  if (code < 0xd800 || code > 0xdbff || i + 1 >= text.length) return false;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}
