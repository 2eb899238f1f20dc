import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compiledDefinition, validateDefinitionCached } from '../../src/workflows/compiled-definitions.js';
import { validateDefinition } from '../../src/pipeline/validate.js';

const definition = (name: string) => ({
  name,
  steps: [
    { id: 'a', activity: 'echo', input: { n: 1 } },
    { id: 'b', activity: 'echo', dependsOn: ['a'], input: '{{ steps.a.output }}' },
  ],
});

test('equal definitions (as JSON) compile once: the same frozen result, equal to a fresh validation', () => {
  const first = validateDefinitionCached(definition('cached'));
  const second = validateDefinitionCached(JSON.parse(JSON.stringify(definition('cached'))));
  assert.ok(first.ok && second.ok);
  assert.equal(second.definition, first.definition);
  const fresh = validateDefinition(definition('cached'));
  assert.ok(fresh.ok);
  assert.deepEqual(first.definition, fresh.definition);
  assert.ok(Object.isFrozen(first.definition) && Object.isFrozen(first.definition.steps[1]));
  assert.throws(() => {
    (first.definition.steps as unknown[]).push({});
  }, TypeError);
  const compiled = compiledDefinition(first.definition);
  assert.deepEqual(compiled.order, ['a', 'b']);
  assert.deepEqual({ ...compiled.dependencies }, { a: [], b: ['a'] });
});

test('a different definition compiles on its own; an invalid one reports its issues every time', () => {
  const a = validateDefinitionCached(definition('one'));
  const b = validateDefinitionCached(definition('two'));
  assert.ok(a.ok && b.ok);
  assert.notEqual(a.definition, b.definition);
  const bad = { name: 'bad', steps: [{ id: 'a', activity: 42 }] };
  for (let i = 0; i < 2; i++) {
    const result = validateDefinitionCached(bad);
    assert.ok(!result.ok);
    assert.equal(result.issues[0]?.path, 'steps[0].activity');
  }
});

test('the cache keeps a bounded number of definitions (the oldest compile again)', () => {
  const first = validateDefinitionCached(definition('lru-0'));
  for (let i = 1; i <= 100; i++) validateDefinitionCached(definition(`lru-${i}`));
  const again = validateDefinitionCached(definition('lru-0'));
  assert.ok(first.ok && again.ok);
  assert.notEqual(again.definition, first.definition);
  assert.deepEqual(again.definition, first.definition);
});
