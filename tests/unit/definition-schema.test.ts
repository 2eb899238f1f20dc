import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { pipelineJsonSchema } from '../../src/pipeline/json-schema.js';
import { LIMITS } from '../../src/pipeline/limits.js';

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

test('the JSON Schema carries the limits table: maxima, maxLength and maxItems', () => {
  const schema = pipelineJsonSchema() as {
    properties: Record<string, { maxItems?: number; maxLength?: number }>;
    $defs: Record<
      string,
      { properties?: Record<string, Record<string, unknown>>; anyOf?: Array<Record<string, unknown>> }
    >;
  };
  const defs = schema.$defs;
  assert.equal(schema.properties.steps?.maxItems, LIMITS.maxSteps);
  assert.equal(schema.properties.classify?.maxItems, LIMITS.maxClassifyRules);
  assert.equal(schema.properties.recovery?.maxItems, LIMITS.maxRecoveryRules);
  assert.equal(schema.properties.description?.maxLength, LIMITS.maxTextLength);
  assert.equal(defs.RetrySettings?.properties?.maxAttempts?.maximum, LIMITS.maxAttempts);
  assert.equal(defs.RetrySettings?.properties?.backoffCoefficient?.maximum, LIMITS.maxBackoffCoefficient);
  assert.equal(defs.Duration?.anyOf?.[1]?.maximum, LIMITS.maxDurationMs);
  const task = defs.TaskStep?.properties ?? {};
  assert.equal(task.id?.maxLength, LIMITS.maxStepIdLength);
  assert.equal(task.activity?.maxLength, LIMITS.maxHandlerNameLength);
  assert.equal(task.weight?.maximum, LIMITS.maxWeight);
  assert.equal(task.maxConcurrency?.maximum, LIMITS.maxForEachItems);
  assert.equal(task.alternative?.maxItems, LIMITS.maxAlternatives);
  assert.equal(defs.ApprovalStep?.properties?.approvers?.maxItems, LIMITS.maxApprovers);
});
