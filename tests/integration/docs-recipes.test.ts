/**
 * Every ```yaml block of docs/recovery.md is a complete pipeline that validates (with the built-in
 * handlers only) and, run on the real server, ends as its `# expect: <status>` line says.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { builtinSteps } from '../../src/activities/builtins/index.js';
import { PipelineFailedError } from '../../src/client.js';
import { validateDefinition } from '../../src/pipeline/validate.js';
import { testId, useTestEnv } from '../helpers/harness.js';

const text = readFileSync(new URL('../../docs/recovery.md', import.meta.url), 'utf8');
const blocks = [...text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

interface Recipe {
  name: string;
  expect: string;
  definition: unknown;
}

const recipes: Recipe[] = blocks.map((yaml, i) => {
  const expected = /^# expect: (\w+)$/m.exec(yaml)?.[1];
  const definition = parse(yaml) as { name?: string };
  return { name: definition.name ?? `block ${i + 1}`, expect: expected ?? '(no # expect: line)', definition };
});

describe('docs/recovery.md recipes', () => {
  const env = useTestEnv();

  test('the cookbook has a recipe per strategy, each with an # expect: line', () => {
    assert.ok(recipes.length >= 8, `found ${recipes.length} yaml blocks`);
    for (const recipe of recipes)
      assert.match(recipe.expect, /^(completed|failed|rolled_back)$/, `${recipe.name}: # expect: line`);
    for (const strategy of [
      'fail_fast',
      'retry',
      'retry_with_backoff',
      'skip',
      'rollback',
      'manual_intervention',
      'alternative_path',
    ])
      assert.ok(
        blocks.some((b) => b.includes(`strategy: ${strategy}\n`)),
        `no recipe uses strategy ${strategy}`,
      );
    assert.ok(
      blocks.some((b) => b.includes('\nclassify:')),
      'no recipe uses classify',
    );
  });

  for (const recipe of recipes) {
    test(`${recipe.name} validates and ends ${recipe.expect}`, async () => {
      const handlers = builtinSteps.map((s) => s.name);
      const validation = validateDefinition(recipe.definition, { handlers });
      assert.deepEqual(validation.ok ? [] : validation.issues, []);
      let status: string | undefined;
      try {
        status = (await env.pipelines.startAndWait(recipe.definition, { id: testId(recipe.name) })).status;
      } catch (err) {
        if (!(err instanceof PipelineFailedError)) throw err;
        status = err.details?.status;
      }
      assert.equal(status, recipe.expect);
    });
  }
});
