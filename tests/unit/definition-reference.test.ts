import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { formattedReference, REFERENCE_PATH, referenceSections } from '../../scripts/write-reference.js';
import { pipelineJsonSchema } from '../../src/pipeline/json-schema.js';
import { validateDefinition } from '../../src/pipeline/validate.js';

test('docs/definition.md is up to date with the zod schema (regenerate: npx tsx scripts/write-reference.ts)', async () => {
  assert.equal(await readFile(REFERENCE_PATH, 'utf8'), await formattedReference());
});

test('every field of every object in the JSON Schema has a description', () => {
  const missing: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const properties = record.properties as Record<string, Record<string, unknown>> | undefined;
    for (const [key, field] of Object.entries(properties ?? {})) {
      // `{ count }` / `{ percent }`: the normalised forms of toleratedFailures, described on the field.
      if (typeof field.description !== 'string' && !/toleratedFailures/.test(path))
        missing.push(`${path}.${key}`);
      visit(field, `${path}.${key}`);
    }
    for (const [key, value] of Object.entries(record))
      if (key !== 'properties') visit(value, `${path}/${key}`);
  };
  visit(pipelineJsonSchema(), '');
  assert.deepEqual(missing, []);
});

test('the reference covers every section and its pipeline example is a valid definition', async () => {
  const text = await readFile(REFERENCE_PATH, 'utf8');
  for (const heading of [
    'Pipeline',
    'defaults',
    'Task step',
    'Approval step',
    'Recovery rule',
    'Classify rule',
    'Compensation',
    'Alternative step',
    'Timeouts',
    'Retry',
  ])
    assert.match(text, new RegExp(`^## ${heading}$`, 'm'));
  const first = /```yaml\n([\s\S]*?)```/.exec(text)?.[1];
  assert.ok(first);
  const result = validateDefinition(parse(first));
  assert.deepEqual(result.ok ? [] : result.issues, []);
});

test("each section's example shows every field of the section", () => {
  for (const section of referenceSections().sections) {
    const example = parse(section.example) as unknown;
    const keys = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value !== null && typeof value === 'object')
        for (const [key, inner] of Object.entries(value)) {
          keys.add(key);
          collect(inner);
        }
    };
    collect(example);
    const missing = Object.keys(section.node.properties ?? {}).filter((name) => !keys.has(name));
    assert.deepEqual(missing, [], `${section.title}: example lacks ${missing.join(', ')}`);
  }
});
