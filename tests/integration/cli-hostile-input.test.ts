/**
 * `stepline validate` and `stepline run` on definition text built to exhaust a parser: each is an invalid
 * definition (exit 2) with a message that says where, never a crash (exit 1) or a hang.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { LIMITS } from '../../src/pipeline/limits.js';
import { cli } from '../cli/run-cli.js';
import { ALIAS_BOMB, deepDefinitionJson } from '../helpers/hostile-definitions.js';

describe('stepline validate/run on hostile definition files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepline-hostile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  test('a YAML alias bomb exits 2 naming the alias line and column', async () => {
    const bomb = file('bomb.yaml', ALIAS_BOMB);
    const result = await cli(['validate', bomb]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stdout, /invalid YAML: line \d+, column \d+: alias \*\w expands too much/);
    const run = await cli(['run', bomb]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /expands too much/);
  });

  test('an unresolved alias exits 2 with its position', async () => {
    const result = await cli(['validate', file('dangling.yaml', 'name: p\nsteps: *missing\n')]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stdout, /line 2, column 8: alias \*missing has no anchor &missing before it/);
  });

  test('a definition over maxDefinitionBytes exits 2 with its size', async () => {
    const big = file('big.yaml', `name: big\n# ${'x'.repeat(LIMITS.maxDefinitionBytes + 10)}\nsteps: []\n`);
    const result = await cli(['validate', big, '--json']);
    assert.equal(result.code, 2, result.stderr);
    const report = JSON.parse(result.stdout) as { valid: boolean; issues: { message: string }[] };
    assert.equal(report.valid, false);
    assert.match(report.issues[0]?.message ?? '', /the definition text is 256 KiB; the limit is 256 KiB/);
  });

  test('JSON nested 100,000 levels deep exits 2 with the path where it got too deep', async () => {
    const result = await cli(['validate', file('deep.json', deepDefinitionJson(100_000))]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stdout, /steps\[0\]\.input(\[0\])+: nested deeper than \d+ levels/);
  });

  test('params from a YAML file with an alias bomb exit 2', async () => {
    const params = file('params.yaml', ALIAS_BOMB);
    const definition = file('ok.yaml', 'name: ok\nsteps: [{ id: a, activity: echo }]\n');
    const result = await cli(['run', definition, '--params', `@${params}`]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--params .*invalid YAML/);
  });
});
