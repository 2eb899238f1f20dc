/**
 * Property-based: templates, scopes and values of any shape make rendering, scanning and conditions
 * either answer or throw a TemplateError (a RenderSizeError being one) — never anything else, never a
 * stack overflow — and a render within a budget is never bigger than the budget.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RenderSizeError, TemplateError } from '../../src/pipeline/errors.js';
import { utf8Length } from '../../src/pipeline/limits.js';
import {
  evaluateCondition,
  renderTemplates,
  scanTemplates,
  type TemplateScope,
} from '../../src/pipeline/templates.js';

const SEED = 20_261_202;

/** Pieces templates are made of: well-formed paths, near misses, prototype keys, stray braces. */
const piece = fc.oneof(
  fc.constantFrom(
    '{{ params.a }}',
    '{{ params.blob }}',
    '{{ params.list[0] }}',
    '{{ params["a b"] }}',
    '{{ steps.s.output }}',
    '{{ steps.s.output.rows[1].id }}',
    '{{ steps.__proto__.output }}',
    '{{ steps.constructor.output }}',
    '{{ params.__proto__ }}',
    '{{ params.constructor.name }}',
    '{{ item }}',
    '{{ item.id }}',
    '{{ index }}',
    '{{ index.x }}',
    '{{ nope.x }}',
    '{{ }}',
    '{{',
    '}}',
    '{{ params.a + 1 }}',
    '{{ params..a }}',
    '{{ params[99999999999999999999] }}',
    '{{ params.deep }}',
  ),
  fc.string({ maxLength: 12 }),
  fc
    .array(fc.constantFrom('a', '.', '[', ']', '"', "'", '0', '_', '$', '-', ' ', '{{', '}}'), {
      maxLength: 10,
    })
    .map((parts) => `{{ ${parts.join('')} }}`),
);
const templateText = fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));

/** A value holding templates at any depth (sometimes past the nesting limit). */
const templatedValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    templateText,
    fc.jsonValue({ maxDepth: 1 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'constructor', 'x y'), tie('value'), { maxKeys: 3 }),
  ),
})).value;

function deep(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

const scopeArb: fc.Arbitrary<TemplateScope> = fc
  .record({
    params: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
    blobSize: fc.constantFrom(0, 10, 5_000, 100_000),
    deepLevels: fc.constantFrom(1, 63, 64, 65, 3_000),
    stepsOutput: fc.jsonValue({ maxDepth: 3 }),
    item: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    protoStep: fc.boolean(),
  })
  .map(({ params, blobSize, deepLevels, stepsOutput, item, protoStep }) => {
    const steps = Object.create(null) as TemplateScope['steps'];
    steps.s = { output: stepsOutput };
    if (protoStep) steps['__proto__'] = { output: { from: 'proto-step' } };
    const scope: TemplateScope = {
      params: {
        ...params,
        a: 'A',
        blob: 'b'.repeat(blobSize),
        list: [1, 2],
        'a b': 1,
        deep: deep(deepLevels, 1),
      },
      steps,
    };
    if (item !== undefined) {
      scope.item = item;
      scope.index = 0;
    }
    return scope;
  });

/** Runs `fn`; anything thrown must be a TemplateError. */
function onlyTemplateErrors<T>(fn: () => T): T | TemplateError {
  try {
    return fn();
  } catch (error) {
    assert.ok(error instanceof TemplateError, `threw ${String(error)}`);
    assert.ok(error.message.length > 0);
    return error;
  }
}

describe('fuzzing templates', () => {
  test('renderTemplates throws nothing but TemplateError, and stays within maxBytes', () => {
    fc.assert(
      fc.property(
        templatedValue,
        scopeArb,
        fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
        fc.constantFrom('throw' as const, 'undefined' as const),
        (value, scope, maxBytes, missing) => {
          const options = maxBytes === undefined ? { missing } : { missing, maxBytes };
          const rendered = onlyTemplateErrors(() => renderTemplates(value, scope, options));
          if (rendered instanceof RenderSizeError) {
            assert.equal(maxBytes !== undefined && rendered.bytes > maxBytes, true);
            assert.equal(rendered.limit, maxBytes);
          } else if (!(rendered instanceof TemplateError) && maxBytes !== undefined) {
            const json = JSON.stringify(rendered);
            if (json !== undefined)
              assert.ok(utf8Length(json) <= maxBytes, `${utf8Length(json)} > ${maxBytes}`);
          }
        },
      ),
      { seed: SEED, numRuns: 1_500, endOnFailure: true },
    );
  });

  test('scanTemplates never throws, whatever the value', () => {
    fc.assert(
      fc.property(
        fc.oneof(templatedValue, fc.anything()),
        fc.integer({ min: 0, max: 5_000 }),
        (value, levels) => {
          const found = scanTemplates(deep(levels % 3 === 0 ? levels : 0, value));
          for (const t of found) assert.ok(t.parsed !== undefined || (t.error ?? '').length > 0);
        },
      ),
      { seed: SEED, numRuns: 500, endOnFailure: true },
    );
  });

  test('evaluateCondition throws nothing but TemplateError', () => {
    fc.assert(
      fc.property(fc.oneof(templateText, fc.boolean(), fc.constant(undefined)), scopeArb, (when, scope) => {
        const result = onlyTemplateErrors(() => evaluateCondition(when, scope));
        if (!(result instanceof TemplateError)) assert.equal(typeof result, 'boolean');
      }),
      { seed: SEED, numRuns: 1_000, endOnFailure: true },
    );
  });

  test('a value nested far past the limit is a TemplateError from renderTemplates, with or without a budget', () => {
    for (const levels of [65, 1_000, 50_000]) {
      const value = deep(levels, '{{ params.a }}');
      const scope: TemplateScope = { params: { a: 1 }, steps: {} };
      assert.throws(() => renderTemplates(value, scope), TemplateError);
      assert.throws(() => renderTemplates(value, scope, { maxBytes: 1_000 }), TemplateError);
    }
  });
});
