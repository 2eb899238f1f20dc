/**
 * Reading definition text: hostile YAML and JSON (alias bombs, dangling and cyclic aliases, oversize
 * text, absurd nesting) are validation errors with a position, never a crash.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DefinitionError } from '../../src/pipeline/errors.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import { checkDefinitionValue, loadDefinition, parseDefinitionText } from '../../src/pipeline/load.js';
import { ALIAS_BOMB, deepDefinitionJson } from '../helpers/hostile-definitions.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DefinitionError, `expected a DefinitionError; got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected a DefinitionError');
}

describe('definition text that would crash or exhaust a parser is a DefinitionError', () => {
  test('a YAML alias bomb is refused, pointing at the alias that expands most', () => {
    const [issue, ...rest] = issuesOf(() => parseDefinitionText(ALIAS_BOMB));
    assert.equal(rest.length, 0);
    assert.match(issue!.message, /^invalid YAML: line \d+, column \d+: alias \*\w expands too much/);
  });

  test('an alias without an anchor before it names the alias and its position', () => {
    const issues = issuesOf(() => parseDefinitionText('name: p\nsteps: *later\nx: &later []\n'));
    assert.deepEqual(issues, [
      { path: '', message: 'invalid YAML: line 2, column 8: alias *later has no anchor &later before it' },
    ]);
  });

  test('an alias inside the node it names (a cycle) is refused', () => {
    const issues = issuesOf(() =>
      parseDefinitionText('name: p\nsteps: &s [{ id: a, activity: echo, input: *s }]\n'),
    );
    assert.match(
      issues[0]!.message,
      /^invalid YAML: line 2, column \d+: alias \*s refers to a node that contains it/,
    );
  });

  test('a few aliases of shared settings still load', () => {
    const definition = loadDefinition(
      [
        'name: shared',
        'steps:',
        '  - { id: a, activity: echo, retry: &retry { maxAttempts: 5 } }',
        '  - { id: b, activity: echo, retry: *retry }',
      ].join('\n'),
    );
    assert.deepEqual(
      definition.steps.map((s) => ('retry' in s ? s.retry?.maxAttempts : undefined)),
      [5, 5],
    );
  });

  test('text over maxDefinitionBytes is refused before parsing, with its size', () => {
    const text = `name: big\n# ${'x'.repeat(LIMITS.maxDefinitionBytes)}\nsteps: [{ id: a, activity: echo }]\n`;
    const issues = issuesOf(() => parseDefinitionText(text));
    assert.match(
      issues[0]!.message,
      /^the definition text is 256 KiB; the limit is 256 KiB \(maxDefinitionBytes\)$/,
    );
    // Multi-byte characters count as bytes, not characters.
    const wide = `{"name": "${'é'.repeat(LIMITS.maxDefinitionBytes / 2)}"}`;
    assert.match(issuesOf(() => parseDefinitionText(wide))[0]!.message, /the limit is 256 KiB/);
  });

  test('JSON nested 100,000 levels deep is a validation error with the path where it got too deep', () => {
    const text = deepDefinitionJson(100_000);
    const issues = issuesOf(() => loadDefinition(text));
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.path, /^steps\[0\]\.input(\[0\])+$/);
    assert.match(issues[0]!.message, /nested deeper than \d+ levels/);
    const objects = `{"name":"deep","steps":[{"id":"a","activity":"echo","input":${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}}]}`;
    assert.match(issuesOf(() => loadDefinition(objects))[0]!.message, /nested deeper than/);
  });

  test('deeply nested YAML (flow or block) is reported as a syntax problem with its line', () => {
    const deep = `name: deep\nsteps: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    const issues = issuesOf(() => parseDefinitionText(deep));
    assert.match(issues[0]!.message, /^invalid YAML: line 2, column \d+: nested too deeply$/);
  });

  test('checkDefinitionValue refuses cyclic values and values too large as JSON', () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    assert.match(issuesOf(() => checkDefinitionValue(cyclic))[0]!.message, /nested deeper than/);
    const large = {
      name: 'l',
      steps: [{ id: 'a', activity: 'echo', input: 'x'.repeat(LIMITS.maxDefinitionBytes) }],
    };
    assert.match(issuesOf(() => checkDefinitionValue(large))[0]!.message, /larger than 256 KiB as JSON/);
    checkDefinitionValue({ name: 'ok', steps: [{ id: 'a', activity: 'echo', input: { a: [1, 2] } }] });
  });
});
