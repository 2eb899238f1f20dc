import { isAlias, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import { DefinitionError, type DefinitionIssue } from './errors.js';
import type { PipelineDefinition } from './definition.js';
import { describeJsonProblem, formatPath, inspectJson, utf8Length } from './json-walk.js';
import { formatBytes, LIMITS } from './limits.js';
import { parseDefinition, type ValidateOptions } from './validate.js';

/**
 * Reading definitions from text (JSON or YAML). Not part of the workflow bundle: the workflow
 * receives an already-parsed definition, and this module pulls in the `yaml` package.
 *
 * Hostile text is a validation error, never a crash: text over {@link LIMITS.maxDefinitionBytes} is
 * refused before parsing; YAML aliases that do not resolve, refer to their own node or expand
 * exponentially ("billion laughs") are reported with line and column; a parsed value nested deeper
 * than {@link MAX_DEFINITION_DEPTH} (or expanding past the size limit) is refused before the
 * validator walks it.
 */

/** The text formats {@link parseDefinitionText} reads. `auto`: JSON if the text starts with `{`, else YAML. */
export type DefinitionFormat = 'json' | 'yaml' | 'auto';

/** Options for {@link loadDefinition}. */
export interface LoadOptions extends ValidateOptions {
  /** The text's format. Default: `auto` (JSON if the text starts with `{`, else YAML). */
  format?: DefinitionFormat;
}

/**
 * Deepest nesting accepted in a whole definition: the deepest place a value sits in the definition's
 * own structure (`steps[i].alternative[j].compensate.input`) plus {@link LIMITS.maxNestingDepth} for
 * the value itself. The validator reports the precise limits with their paths; this only keeps
 * absurd nesting from reaching it. (A candidate for the limits table: `maxDefinitionDepth`.)
 */
export const MAX_DEFINITION_DEPTH = LIMITS.maxNestingDepth + 8;

/**
 * How many times YAML aliases may be expanded (the `yaml` library's own count: an alias of a node that
 * holds aliases counts for all of them). Real definitions use a handful; a "billion laughs" needs
 * thousands.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/**
 * Parses definition text into plain data, without validating it.
 *
 * @throws DefinitionError when the text is larger than {@link LIMITS.maxDefinitionBytes}, is not valid
 *   JSON/YAML (the message gives line and column), has YAML aliases that do not resolve or expand too
 *   much, or is nested deeper than {@link MAX_DEFINITION_DEPTH}.
 */
export function parseDefinitionText(text: string, format: DefinitionFormat = 'auto'): unknown {
  checkDefinitionTextSize(text);
  const json = format === 'json' || (format === 'auto' && text.trimStart().startsWith('{'));
  const value = json ? parseJson(text) : parseYaml(text);
  checkDefinitionValue(value);
  return value;
}

/**
 * Parses and validates definition text.
 *
 * @throws DefinitionError listing every problem (syntax, schema, and cross-field).
 */
export function loadDefinition(text: string, options: LoadOptions = {}): PipelineDefinition {
  const { format, ...validateOptions } = options;
  return parseDefinition(parseDefinitionText(text, format), validateOptions);
}

/**
 * Refuses a definition value that the validator should never walk: nested deeper than
 * {@link MAX_DEFINITION_DEPTH} (or cyclic), not JSON data, or larger than
 * {@link LIMITS.maxDefinitionBytes} as JSON. Iterative, so no input can overflow the stack; stops
 * measuring as soon as the size is passed.
 *
 * @throws DefinitionError with the path of the problem.
 */
export function checkDefinitionValue(value: unknown): void {
  const max = LIMITS.maxDefinitionBytes;
  const { bytes, problem } = inspectJson(value, { maxDepth: MAX_DEFINITION_DEPTH, stopAfter: max });
  if (problem) {
    const message = describeJsonProblem(problem, MAX_DEFINITION_DEPTH);
    throw new DefinitionError([
      {
        path: formatPath(problem.path),
        message: problem.kind === 'too_deep' ? `${message} (or a value that contains itself)` : message,
      },
    ]);
  }
  if (bytes > max) {
    throw new DefinitionError([
      {
        path: '',
        message: `the definition is larger than ${formatBytes(max)} as JSON (limit maxDefinitionBytes)`,
      },
    ]);
  }
}

function checkDefinitionTextSize(text: string): void {
  const max = LIMITS.maxDefinitionBytes;
  // Each UTF-16 unit is at most 3 bytes: only count when the text could be over the limit.
  if (text.length * 3 <= max) return;
  const bytes = utf8Length(text);
  if (bytes > max) {
    throw new DefinitionError([
      {
        path: '',
        message: `the definition text is ${formatBytes(bytes)}; the limit is ${formatBytes(max)} (maxDefinitionBytes)`,
      },
    ]);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message.replace(/\s+/g, ' ');
    const where = jsonErrorPosition(text, message);
    throw new DefinitionError([
      { path: '', message: `invalid JSON: ${where ? `${where}: ` : ''}${message}` },
    ]);
  }
}

/** `line L, column C` of a JSON syntax error, from the engine's message or else from the YAML parser's view. */
function jsonErrorPosition(text: string, message: string): string | undefined {
  const offset = /at position (\d+)/.exec(message)?.[1];
  if (offset !== undefined) return where(text, Number(offset));
  const start = parseDocument(text).errors[0]?.linePos?.[0];
  return start ? `line ${start.line}, column ${start.col}` : undefined;
}

function where(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
}

function parseYaml(text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    const messages = doc.errors.map((error) => {
      const start = error.linePos?.[0];
      const at = start ? `line ${start.line}, column ${start.col}: ` : '';
      const reason = (
        error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message
      ).replace(/^Maximum call stack size exceeded$/, 'nested too deeply');
      return `invalid YAML: ${at}${reason}`;
    });
    // The parser may report one overflow at several places: each distinct message once.
    throw new DefinitionError([...new Set(messages)].map((message) => ({ path: '', message })));
  }
  const at = (node: YamlNode) => {
    const pos = node.range ? lineCounter.linePos(node.range[0]) : undefined;
    return pos ? `line ${pos.line}, column ${pos.col}: ` : '';
  };
  const aliasIssues = checkAliases(doc, at);
  if (aliasIssues.length > 0) throw new DefinitionError(aliasIssues);
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) as unknown;
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    // Unresolved and self-referring aliases were reported above: what is left is the expansion count.
    const culprit = largestAlias(doc);
    const alias = culprit ? `${at(culprit.node)}alias *${culprit.node.source} ` : 'aliases ';
    throw new DefinitionError([
      {
        path: '',
        message: /Excessive alias count/.test(error.message)
          ? `invalid YAML: ${alias}expands too much (more than ${MAX_YAML_ALIAS_COUNT} alias expansions; nested aliases multiply)`
          : `invalid YAML: ${error.message}`,
      },
    ]);
  }
}

type AliasNode = YamlNode & { source: string };

/**
 * Every alias must name an anchor set before it, and must not sit inside the node it names (that would
 * make the value cyclic). Reported with line and column, in document order.
 */
function checkAliases(doc: Document, at: (node: YamlNode) => string): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const anchors = new Map<string, unknown>();
  visit(doc, {
    Node(_key, node, path) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target === undefined) {
          issues.push({
            path: '',
            message: `invalid YAML: ${at(node)}alias *${node.source} has no anchor &${node.source} before it`,
          });
        } else if (path.includes(target as never)) {
          issues.push({
            path: '',
            message: `invalid YAML: ${at(node)}alias *${node.source} refers to a node that contains it (a cycle)`,
          });
        }
        return;
      }
      if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return issues;
}

/** The alias whose expansion is largest (in nodes), to point at when the expansion count is exceeded. */
function largestAlias(doc: Document): { node: AliasNode; size: number } | undefined {
  const anchored = new Map<string, number>();
  let largest: { node: AliasNode; size: number } | undefined;
  // Sizes of anchored nodes, in document order (an alias only names an earlier anchor).
  const sizeOf = (node: unknown): number => {
    let size = 0;
    visit(node as YamlNode, {
      Node(_key, inner) {
        if (isAlias(inner)) {
          const expanded = anchored.get(inner.source) ?? 1;
          if (!largest || expanded > largest.size) largest = { node: inner as AliasNode, size: expanded };
          size = Math.min(Number.MAX_SAFE_INTEGER, size + expanded);
          return;
        }
        size += 1;
        if (inner.anchor && inner !== node) {
          anchored.set(inner.anchor, sizeOf(inner));
          size = Math.min(Number.MAX_SAFE_INTEGER, size + (anchored.get(inner.anchor) ?? 0) - 1);
          return visit.SKIP;
        }
        return undefined;
      },
    });
    return size;
  };
  sizeOf(doc.contents);
  return largest;
}
