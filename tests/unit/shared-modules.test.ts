import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warmUpPipelineModel } from '../../src/workflows/shared-modules.js';
import { validateDefinition } from '../../src/pipeline/validate.js';

test('the preloaded warm-up exercises the whole model without an error', () => {
  assert.equal(warmUpPipelineModel(), undefined);
});

test('validation still reports every problem after the model is deep-frozen as the SDK does', () => {
  // The SDK freezes preloaded modules after loading them; validation must not rely on mutating them.
  const freeze = (o: unknown, seen = new WeakSet<object>()): void => {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) return;
    seen.add(o);
    for (const key of Reflect.ownKeys(o)) {
      try {
        freeze((o as Record<string | symbol, unknown>)[key], seen);
      } catch {
        // getters that throw
      }
    }
    Object.freeze(o);
  };
  assert.equal(warmUpPipelineModel(), undefined);
  return import('../../src/pipeline/definition.js').then((definitionModule) => {
    freeze(definitionModule.PipelineDefinitionSchema);
    const result = validateDefinition({
      name: 'x',
      steps: [
        { id: 'a', activity: 'echo', retry: { maxAttempts: 0 } },
        { id: 'a', activity: 'echo' },
      ],
    });
    assert.equal(result.ok, false);
    assert.ok(
      !result.ok && result.issues.some((i) => i.path.includes('maxAttempts')),
      JSON.stringify(result),
    );
    assert.ok(!result.ok && result.issues.some((i) => /duplicate/i.test(i.message)), JSON.stringify(result));
    const ok = validateDefinition({
      name: 'y',
      steps: [{ id: 'b', activity: 'echo', timeouts: { startToClose: '2s' } }],
    });
    assert.ok(ok.ok, JSON.stringify(ok));
  });
});
