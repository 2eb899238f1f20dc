import { parseDocument } from 'yaml';
import { DefinitionError } from './errors.js';
import type { PipelineDefinition } from './definition.js';
import { parseDefinition, type ValidateOptions } from './validate.js';

/**
 * Reading definitions from text (JSON or YAML). Not part of the workflow bundle: the workflow
 * receives an already-parsed definition, and this module pulls in the `yaml` package.
 */

/** The text formats {@link parseDefinitionText} reads. `auto`: JSON if the text starts with `{`, else YAML. */
export type DefinitionFormat = 'json' | 'yaml' | 'auto';

/** Options for {@link loadDefinition}. */
export interface LoadOptions extends ValidateOptions {
  /** The text's format. Default: `auto` (JSON if the text starts with `{`, else YAML). */
  format?: DefinitionFormat;
}

/**
 * Parses definition text into plain data, without validating it.
 *
 * @throws DefinitionError when the text is not valid JSON/YAML; the message gives line and column.
 */
export function parseDefinitionText(text: string, format: DefinitionFormat = 'auto'): unknown {
  const json = format === 'json' || (format === 'auto' && text.trimStart().startsWith('{'));
  return json ? parseJson(text) : parseYaml(text);
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
  if (offset !== undefined) {
    const before = text.slice(0, Number(offset));
    return `line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
  }
  const start = parseDocument(text).errors[0]?.linePos?.[0];
  return start ? `line ${start.line}, column ${start.col}` : undefined;
}

function parseYaml(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new DefinitionError(
      doc.errors.map((error) => {
        const start = error.linePos?.[0];
        const where = start ? `line ${start.line}, column ${start.col}: ` : '';
        const reason =
          error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
        return { path: '', message: `invalid YAML: ${where}${reason}` };
      }),
    );
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}
