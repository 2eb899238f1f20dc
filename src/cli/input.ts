/**
 * Reading what users hand the CLI: definition files (YAML or JSON) and `JSON|@file` option values.
 * Every problem is a {@link CliError} (exit 2) that names the option or file and says what is wrong,
 * without echoing the value (it may hold secrets).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { MAX_YAML_ALIAS_COUNT, parseDefinitionText, type DefinitionFormat } from '../pipeline/load.js';
import { DefinitionError } from '../pipeline/errors.js';
import { CliError, issueLines } from './exit.js';

/** Reads a file (`-` is stdin), turning I/O errors into one clear line. */
export function readText(file: string, what: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? (err as Error).message);
    throw new CliError(`${what}: cannot read ${JSON.stringify(file)}: ${reason}`);
  }
}

/** `json` for `.json`, `yaml` for `.yaml`/`.yml`, otherwise sniffed from the text. */
export function formatOfFile(file: string): DefinitionFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return 'auto';
}

/** A definition file as plain data (not validated yet). Syntax errors come with line and column. */
export function readDefinitionFile(file: string): unknown {
  const text = readText(file, 'definition');
  try {
    return parseDefinitionText(text, formatOfFile(file));
  } catch (err) {
    if (err instanceof DefinitionError) {
      throw new CliError(`${file}: not a readable pipeline definition:`, 2, issueLines(err.issues));
    }
    throw err;
  }
}

/**
 * An option value that is JSON text, or `@path` to a JSON (or YAML, by extension) file, or `@-` for stdin.
 * `option` names it in errors, e.g. `--params`.
 */
export function parseJsonValue(value: string, option: string): unknown {
  if (value.startsWith('@')) {
    const file = value.slice(1);
    if (!file) throw new CliError(`${option}: "@" must be followed by a file name (or "-" for stdin)`);
    const text = readText(file, option);
    if (formatOfFile(file) === 'yaml') return parseYamlText(text, `${option} ${file}`);
    return parseJsonText(text, `${option} ${file}`);
  }
  return parseJsonText(value, option);
}

/** Like {@link parseJsonValue}, but the value must be a JSON object (pipeline params). */
export function parseJsonObject(value: string, option: string): Record<string, unknown> {
  const parsed = parseJsonValue(value, option);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const found = parsed === null ? 'null' : Array.isArray(parsed) ? 'a list' : typeof parsed;
    throw new CliError(`${option}: expected a JSON object like '{"key": "value"}'; got ${found}`);
  }
  return parsed as Record<string, unknown>;
}

function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    // Node quotes the input in some messages (`…, "abc" is not valid JSON`): keep only the reason.
    const reason = message
      .replace(/,\s.*is not valid JSON$/s, '')
      .replace(/\s+in JSON at position \d+.*$/s, '');
    const offset = /position (\d+)/.exec(message)?.[1];
    const where = offset !== undefined ? ` at ${position(text, Number(offset))}` : '';
    throw new CliError(`${what}: invalid JSON${where}: ${reason}`);
  }
}

function parseYamlText(text: string, what: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const start = error.linePos?.[0];
    throw new CliError(`${what}: invalid YAML${start ? ` at line ${start.line}, column ${start.col}` : ''}`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) as unknown;
  } catch (err) {
    // Unresolved aliases and alias bombs ("billion laughs") are bad input, not a crash.
    if (err instanceof ReferenceError) throw new CliError(`${what}: invalid YAML: ${err.message}`);
    throw err;
  }
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
}
