import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readFileSync, readdirSync, statSync } from 'node:fs';
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

test('the README and every doc link only to files inside the repository (or to web pages)', () => {
  const root = new URL('../../', import.meta.url);
  const docs = readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  for (const file of ['README.md', ...docs]) {
    const at = new URL(file, root);
    const text = readFileSync(at, 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^https:\/\//.test(target!)) continue;
      assert.doesNotMatch(target!, /^[a-z]+:/i, `${file} links outside the repository: ${target}`);
      const resolved = new URL(target!, at);
      assert.ok(resolved.href.startsWith(root.href), `${file} links outside the repository: ${target}`);
      assert.doesNotThrow(() => statSync(resolved), `${file}: ${target} does not exist`);
    }
  }
});
