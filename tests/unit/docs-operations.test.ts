import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { formattedOperations, OPERATIONS_PATH } from '../../scripts/write-reference.js';
import { ENVIRONMENT } from '../../src/config.js';
import { METRICS } from '../../src/telemetry/workflow/names.js';

test('docs/operations.md lists the environment exactly as ENVIRONMENT in src/config.ts (regenerate: npx tsx scripts/write-reference.ts)', async () => {
  const text = await readFile(OPERATIONS_PATH, 'utf8');
  assert.equal(text, await formattedOperations(text));
  for (const name of Object.keys(ENVIRONMENT)) assert.ok(text.includes(`| \`${name}\``), name);
});

test('docs/operations.md names every Stepline metric, and only those', async () => {
  const text = await readFile(OPERATIONS_PATH, 'utf8');
  const documented = new Set(text.match(/stepline_[a-z_]+/g));
  assert.deepEqual([...documented].sort(), Object.values(METRICS).sort());
});

test('the generated and written docs link only to files in the repository', () => {
  const docs = new URL('../../docs/', import.meta.url);
  for (const file of ['definition.md', 'recovery.md', 'operations.md']) {
    const text = readFileSync(new URL(file, docs), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      assert.doesNotMatch(target!, /^[a-z]+:/i, `${file} links outside the repository: ${target}`);
      assert.doesNotThrow(() => readFileSync(new URL(target!, new URL(file, docs))), `${file}: ${target}`);
    }
  }
});
