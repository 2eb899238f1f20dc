/**
 * Property-based: whatever a definition looks like, the validator answers (never throws, never overflows
 * the stack), every rejection says what is wrong, and what it accepts is stable and within every limit.
 * Fixed seeds, so a failure reproduces; the counterexample is printed by fast-check.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DefinitionError } from '../../src/pipeline/errors.js';
import { LIMITS, jsonSize } from '../../src/pipeline/limits.js';
import {
  checkJson,
  parseDefinition,
  validateDefinition,
  type ValidationResult,
} from '../../src/pipeline/validate.js';
import { limitViolations, mutate, mutationArb, nest, seedDefinitions } from '../fixtures/fuzz/definitions.js';

const HANDLERS = ['echo', 'delay', 'fail', 'http.request'];
const SEEDS = seedDefinitions();
const SEED = 20_261_202;

/** The validator's answer to anything: a result, with a non-empty message for every issue. */
function answer(input: unknown, withHandlers: boolean): ValidationResult {
  let result: ValidationResult;
  try {
    result = validateDefinition(input, withHandlers ? { handlers: HANDLERS } : {});
  } catch (error) {
    assert.fail(`validateDefinition threw ${String(error)}`);
  }
  if (!result.ok) {
    assert.ok(result.issues.length > 0, 'a rejection lists its issues');
    for (const issue of result.issues) {
      assert.equal(typeof issue.path, 'string');
      assert.ok(typeof issue.message === 'string' && issue.message.length > 0, JSON.stringify(issue));
    }
  }
  return result;
}

/** JSON of a value, as a comparable form (drops undefined fields, as the wire does). */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Everything the tests promise about one input. */
function checkInput(input: unknown, withHandlers: boolean): 'accepted' | 'rejected' {
  const result = answer(input, withHandlers);
  try {
    parseDefinition(input, withHandlers ? { handlers: HANDLERS } : {});
  } catch (error) {
    assert.ok(error instanceof DefinitionError, `parseDefinition threw ${String(error)}`);
  }
  if (!result.ok) return 'rejected';

  // Accepted: JSON-safe, within the size limit and every other limit.
  const bytes = jsonSize(input, { maxDepth: LIMITS.maxNestingDepth + 8 });
  assert.ok(bytes <= LIMITS.maxDefinitionBytes, `accepted ${bytes} bytes`);
  assert.deepEqual(limitViolations(result.definition), []);
  // The same after a JSON round trip of what was given...
  const again = answer(wire(input), withHandlers);
  assert.ok(again.ok, JSON.stringify(!again.ok && again.issues));
  assert.deepEqual(wire(again.definition), wire(result.definition));
  // ...and what it was parsed to validates again to itself (the workflow re-validates).
  const normalised = answer(wire(result.definition), withHandlers);
  assert.ok(normalised.ok, JSON.stringify(!normalised.ok && normalised.issues));
  assert.deepEqual(wire(normalised.definition), wire(result.definition));
  return 'accepted';
}

describe('fuzzing validateDefinition', () => {
  test(`every seed definition is accepted (${SEEDS.length} seeds)`, () => {
    for (const [name, def] of SEEDS) {
      if (name.endsWith('invalid.yaml')) assert.equal(checkInput(def, false), 'rejected', name);
      else assert.equal(checkInput(def, false), 'accepted', name);
    }
  });

  test('the validator measures a definition exactly as jsonSize does (the run-time measure)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 8 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        (value, text) => {
          for (const v of [value, text, { [text]: value }]) {
            const inspected = checkJson(v, 64);
            if (inspected.problem) assert.throws(() => jsonSize(v, { maxDepth: 64 }));
            else assert.equal(inspected.bytes, jsonSize(v, { maxDepth: 64 }));
          }
        },
      ),
      { seed: SEED, numRuns: 1_000 },
    );
    for (const seed of SEEDS) assert.equal(checkJson(seed[1], 72).bytes, jsonSize(seed[1], { maxDepth: 72 }));
  });

  test('random JSON values (and a few non-JSON ones) are answered, never thrown', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.anything({ maxDepth: 4 })),
        fc.boolean(),
        (input, h) => {
          checkInput(input, h);
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  test('random objects shaped roughly like definitions are answered, never thrown', () => {
    const step = fc.record(
      {
        id: fc.oneof(fc.constantFrom('a', 'b', '__proto__', 'constructor'), fc.string({ maxLength: 8 })),
        activity: fc.constantFrom('echo', 'fail', 'nope', ''),
        type: fc.constantFrom('task', 'approval', 'other'),
        dependsOn: fc.array(fc.constantFrom('a', 'b', '__proto__', 'zzz'), { maxLength: 3 }),
        input: fc.jsonValue({ maxDepth: 3 }),
        timeout: fc.oneof(fc.constantFrom('1s', '99999999d', 1e300, -5, '3650d'), fc.double()),
        forEach: fc.oneof(fc.constant('{{ steps.a.output }}'), fc.array(fc.integer(), { maxLength: 5 })),
        retry: fc.record(
          { maxAttempts: fc.oneof(fc.integer(), fc.constantFrom(2_147_483_648, 1e300)) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['id'] },
    );
    fc.assert(
      fc.property(
        fc.record({ name: fc.constantFrom('p', 'bad name'), steps: fc.array(step, { maxLength: 6 }) }),
        (def) => {
          checkInput(def, true);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('mutated seed definitions: dropped, duplicated, replaced, retyped, deeply nested fields and weird keys', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: SEEDS.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (which, mutations, h) => {
          const input = mutate(SEEDS[which]![1], mutations);
          if (checkInput(input, h) === 'accepted') accepted += 1;
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
    // The mutations are not all fatal: some accepted definitions are checked for stability and limits.
    assert.ok(accepted >= 25, `only ${accepted} mutated definitions were accepted`);
  });

  test('values nested thousands of levels deep anywhere are reported, not a stack overflow', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: SEEDS.length - 1 }),
        fc.integer({ min: 1_000, max: 20_000 }),
        fc.constantFrom('list' as const, 'object' as const),
        fc.nat(),
        (which, levels, kind, at) => {
          const input = mutate(SEEDS[which]![1], [{ op: 'nest', at, levels, kind }]);
          assert.equal(checkInput(input, false), 'rejected');
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
    assert.equal(
      checkInput(
        { name: 'p', steps: [{ id: 'a', activity: 'echo', input: nest(100_000, 1, 'list') }] },
        false,
      ),
      'rejected',
    );
  });
});
