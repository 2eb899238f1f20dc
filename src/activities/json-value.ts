/**
 * `jsonSize` (src/pipeline/limits.ts) for values a handler hands back: its output, heartbeat details and
 * failure details.
 *
 * A linear depth walk runs first: `jsonSize` builds the path of a problem from closures that call their
 * parent twice per object level, so naming the path of an object nested 64 levels deep (or of a cycle
 * through objects) takes 2^64 calls and wedges the worker. The walk below finds a too-deep value (or a
 * cycle) itself, with its path, before `jsonSize` ever needs to name one.
 */
import { jsonSize, JsonValueError, LIMITS } from '../pipeline/limits.js';

interface Node {
  value: unknown;
  depth: number;
  parent: Node | undefined;
  key: string | number;
}

/**
 * UTF-8 size of `value` as JSON, as {@link jsonSize}: throws a {@link JsonValueError} naming the path
 * of the first thing that is not JSON (or nested deeper than `maxDepth`); stops counting past `stopAfter`.
 */
export function measureJson(value: unknown, options: { maxDepth?: number; stopAfter?: number } = {}): number {
  const maxDepth = options.maxDepth ?? LIMITS.maxNestingDepth;
  // Same visiting order as jsonSize, which counts at least a byte per value: it never gets further.
  checkDepth(value, maxDepth, (options.stopAfter ?? Number.POSITIVE_INFINITY) + 1);
  return jsonSize(value, {
    maxDepth,
    ...(options.stopAfter === undefined ? {} : { stopAfter: options.stopAfter }),
  });
}

function checkDepth(value: unknown, maxDepth: number, maxVisits: number): void {
  const stack: Node[] = [{ value, depth: 0, parent: undefined, key: '' }];
  for (let visits = 0; stack.length > 0 && visits < maxVisits; visits++) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v !== 'object' || v === null) continue;
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') continue;
    if (node.depth >= maxDepth)
      throw new JsonValueError(`nested deeper than ${maxDepth} levels`, pathOf(node));
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i], depth: node.depth + 1, parent: node, key: i });
      }
    } else {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        stack.push({ value: child, depth: node.depth + 1, parent: node, key });
      }
    }
  }
}

/** `items[3].b`, as `jsonSize` writes paths; built once, from the root down. */
function pathOf(node: Node): string {
  const keys: Array<string | number> = [];
  for (let at: Node | undefined = node; at?.parent; at = at.parent) keys.push(at.key);
  let path = '';
  for (const key of keys.reverse()) {
    path += typeof key === 'number' ? `[${key}]` : path ? `.${key}` : key;
  }
  return path;
}
