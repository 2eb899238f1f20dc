import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { pipelineJsonSchema } from '../../src/pipeline/json-schema.js';

test('schema/pipeline.schema.json is up to date with the zod schema (regenerate: npx tsx scripts/write-schema.ts)', async () => {
  const committed = JSON.parse(
    await readFile(new URL('../../schema/pipeline.schema.json', import.meta.url), 'utf8'),
  );
  assert.deepEqual(committed, pipelineJsonSchema());
});

test('the JSON Schema describes what users write: durations as text or milliseconds, strict objects', () => {
  const schema = pipelineJsonSchema() as {
    additionalProperties: unknown;
    required: string[];
    $defs: Record<string, { anyOf?: Array<{ type: string }> }>;
  };
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required, ['name', 'steps']);
  assert.deepEqual(
    schema.$defs.Duration?.anyOf?.map((s) => s.type),
    ['string', 'number'],
  );
});
