import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseDefinitionText } from '../../src/pipeline/load.js';
import { paramsIssues, withParamDefaults, type DeclaredParams } from '../../src/pipeline/params.js';
import { compileSafePattern } from '../../src/pipeline/safe-pattern.js';
import { validateDefinition } from '../../src/pipeline/validate.js';
import { validateRequest } from '../../src/pipeline/validate-request.js';

const declare = (params: Record<string, unknown>, steps?: unknown[]) => ({
  name: 'p',
  params,
  steps: steps ?? [{ id: 'a', activity: 'echo' }],
});

function parsedParams(params: Record<string, unknown>): DeclaredParams {
  const result = validateDefinition(declare(params));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return result.definition.params!;
}

const issuesOf = (definition: unknown) => {
  const result = validateDefinition(definition);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('checking a run against declared params', () => {
  const declared = parsedParams({
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$', description: 'the version' },
    replicas: { type: 'integer', minimum: 1, maximum: 10, default: 2 },
    ratio: { type: 'number', maximum: 1 },
    dryRun: { type: 'boolean', required: false },
    env: { type: 'string', enum: ['staging', 'production'], default: 'staging' },
    name: { type: 'string', minLength: 2, maxLength: 5, required: false },
    regions: {
      type: 'array',
      minItems: 1,
      maxItems: 2,
      items: { type: 'string', enum: ['eu', 'us'] },
      required: false,
    },
    options: { type: 'object', required: false },
  });

  test('a missing required param is "required, missing" at params.<name>, with its type and description', () => {
    assert.deepEqual(paramsIssues(declared, { ratio: 0.5 }), [
      { path: 'params.version', message: 'required, missing (string: the version)' },
    ]);
  });

  test('every wrong value is reported with its path, all at once', () => {
    const issues = paramsIssues(declared, {
      version: '1.2',
      replicas: 2.5,
      ratio: 2,
      dryRun: 'yes',
      env: 'prod',
      name: 'x',
      regions: ['eu', 'mars', 'us'],
      options: [],
      verison: '1.2.3',
    });
    assert.deepEqual(
      issues.map((i) => `${i.path}: ${i.message}`),
      [
        'params.version: expected text matching /^\\d+\\.\\d+\\.\\d+$/; got "1.2"',
        'params.replicas: expected a whole number; got 2.5',
        'params.ratio: expected a number <= 1; got 2',
        'params.dryRun: expected true or false; got "yes"',
        'params.env: expected one of "staging", "production"; got "prod"',
        'params.name: expected at least 2 character(s); got 1',
        'params.regions: expected at most 2 item(s); got 3',
        'params.regions[1]: expected one of "eu", "us"; got "mars"',
        'params.options: expected an object; got an empty list',
        'params.verison: not a declared param; did you mean "version"? (declared: version, replicas, ratio, dryRun, env, name, regions, options)',
      ],
    );
  });

  test('valid params pass, and defaults are filled in without changing the given object', () => {
    const given = { version: '1.2.3', ratio: 0.5 };
    assert.deepEqual(paramsIssues(declared, given), []);
    assert.deepEqual(withParamDefaults(declared, given), { ...given, replicas: 2, env: 'staging' });
    assert.deepEqual(given, { version: '1.2.3', ratio: 0.5 });
  });

  test('without a declaration any params pass unchanged', () => {
    const params = { anything: [1, 2] };
    assert.deepEqual(paramsIssues(undefined, params), []);
    assert.equal(withParamDefaults(undefined, params), params);
  });

  test('the workflow argument check applies the declaration too, and hands back params with defaults', () => {
    const definition = declare({ v: { type: 'string' }, n: { type: 'number', default: 1 } });
    const refused = validateRequest({ definition, params: {} });
    assert.equal(refused.ok, false);
    assert.deepEqual(!refused.ok && refused.issues, [
      { path: 'params.v', message: 'required, missing (string)' },
    ]);
    const accepted = validateRequest({ definition, params: { v: 'x' } });
    assert.ok(accepted.ok);
    assert.deepEqual(accepted.params, { v: 'x', n: 1 });
  });

  test('a string too long to match against a pattern is refused, not scanned', () => {
    const issues = paramsIssues(parsedParams({ s: { type: 'string', pattern: 'a' } }), {
      s: 'b'.repeat(5_000),
    });
    assert.match(issues[0]!.message, /expected at most 4000 characters to match against \/a\//);
  });
});

describe('validating a params declaration', () => {
  test('declarations that cannot work are issues with their paths', () => {
    assert.deepEqual(
      issuesOf(
        declare({
          'bad-name': { type: 'string' },
          a: { type: 'text' },
          b: { type: 'string', minimum: 1, items: { type: 'string' } },
          c: { type: 'integer', minimum: 5, maximum: 1, default: 3 },
          d: { type: 'string', default: 'x', required: true },
          e: { type: 'string', enum: ['x', 1] },
          f: { type: 'string', pattern: '(a)\\1' },
          g: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
          h: { type: 'string', unknown: 1 },
        }),
      ),
      [
        'params["bad-name"]: expected a name of a letter or "_" then letters, digits and "_" (at most 64; not __proto__, constructor or prototype); got "bad-name"',
        'params.a.type: expected one of string, number, integer, boolean, object, array; got "text"',
        'params.g.items.items: unknown field "items"',
        'params.h.unknown: unknown field "unknown"',
        'params.b.minimum: minimum applies only to type number or integer; the type is "string"',
        'params.b.items: items applies only to type array; the type is "string"',
        'params.c.minimum: expected minimum <= maximum; got 5 > 1',
        'params.c.default: expected a number >= 5; got 3',
        'params.c.default: expected a number <= 1; got 3',
        'params.d.required: a param with a default is never missing: drop required or the default',
        'params.e.enum[1]: expected a string; got 1',
        'params.f.pattern: unsupported pattern: backreferences are not supported at position 5 of the pattern',
      ],
    );
  });

  test('more than 100 declared params is an issue', () => {
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, { type: 'string' }]));
    assert.ok(
      issuesOf(declare(many)).some((i) => /^params: expected at most 100 declared params; got 101/.test(i)),
    );
  });

  test('with params declared, a template reading an undeclared param is an issue at its path', () => {
    assert.deepEqual(
      issuesOf(
        declare({ version: { type: 'string' } }, [
          { id: 'a', activity: 'echo', input: { v: '{{ params.verison }}', all: '{{ params }}' } },
          { id: 'g', type: 'approval', prompt: 'ok {{ params.version }} {{ params.who }}?' },
          { id: 'b', activity: 'echo', when: '{{ params.flag }}', forEach: '{{ params.items }}' },
        ]),
      ),
      [
        'steps[0].input.v: {{ params.verison }}: param "verison" is not declared in params; did you mean "version"? (declared: version)',
        'steps[1].prompt: {{ params.who }}: param "who" is not declared in params (declared: version)',
        'steps[2].when: {{ params.flag }}: param "flag" is not declared in params (declared: version)',
        'steps[2].forEach: {{ params.items }}: param "items" is not declared in params (declared: version)',
      ],
    );
  });

  test("a notify step's input may read only declared params too", () => {
    assert.deepEqual(
      issuesOf({
        ...declare({ version: { type: 'string' } }),
        notify: [{ on: ['failed'], step: { activity: 'echo', input: { v: '{{ params.channel }}' } } }],
      }),
      [
        'notify[0].step.input.v: {{ params.channel }}: param "channel" is not declared in params (declared: version)',
      ],
    );
  });

  test('without params declared, templates may read any param (as before)', () => {
    assert.deepEqual(
      issuesOf({ name: 'p', steps: [{ id: 'a', activity: 'echo', input: '{{ params.x }}' }] }),
      [],
    );
  });
});

describe('safe patterns', () => {
  test('patterns of the subset agree with RegExp on generated text', () => {
    const patterns = [
      '^\\d+\\.\\d+\\.\\d+$',
      '^v?[0-9]+(\\.[0-9]+){2}(-[a-z0-9.]+)?$',
      '^[a-z][a-z0-9_-]{2,15}$',
      'ab|cd',
      '^(a|b)*c$',
      '^[^x]{2,3}$',
      '\\s\\w+\\S',
      '^(?:foo|bar)+$',
      'a.c',
      '^$',
    ];
    for (const source of patterns) {
      const compiled = compileSafePattern(source);
      assert.ok(compiled.ok, source);
      const regex = new RegExp(source);
      fc.assert(
        fc.property(
          fc.stringMatching(/^[a-dxv0-9._ -]{0,20}$/),
          (text) => compiled.pattern.test(text) === regex.test(text),
        ),
        { numRuns: 300, seed: 11 },
      );
      fc.assert(
        fc.property(fc.stringMatching(regex), (text) => compiled.pattern.test(text)),
        { numRuns: 100, seed: 12 },
      );
    }
  });

  test('patterns a backtracking engine takes exponential time on are answered (linear matching)', () => {
    for (const source of ['^(a+)+b$', '^(a|a)*b$', '^(a*)*b$', '(x+x+)+y']) {
      const compiled = compileSafePattern(source);
      assert.ok(compiled.ok, source);
      assert.equal(compiled.pattern.test('a'.repeat(4_000) + 'x'.repeat(4_000)), false);
    }
  });

  test('what the subset leaves out is refused with the reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['(a)\\1', /backreferences/],
      ['(?=a)', /lookaround/],
      ['(?<n>a)', /lookaround and named groups/],
      ['\\bword', /word boundary/],
      ['a{1,1000}', /repeat count over 100/],
      ['*a', /nothing to repeat/],
      ['a**', /a quantifier after a quantifier/],
      ['(a', /unclosed "\("/],
      ['[a', /unclosed "\["/],
      ['\\p{L}', /unsupported escape/],
      ['((a{50}){50}){50}', /too complex/],
    ];
    for (const [source, reason] of cases) {
      const compiled = compileSafePattern(source);
      assert.ok(!compiled.ok && reason.test(compiled.error), `${source}: ${JSON.stringify(compiled)}`);
    }
  });
});

test('every yaml example of docs/params-and-variables.md is a valid definition', () => {
  const text = readFileSync(new URL('../../docs/params-and-variables.md', import.meta.url), 'utf8');
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.equal(blocks.length, 2);
  for (const block of blocks) assert.deepEqual(issuesOf(parseDefinitionText(block, 'yaml')), [], block);
});
