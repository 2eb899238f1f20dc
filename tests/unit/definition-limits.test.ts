import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  descendantsOf,
  resolveDependencies,
  topologicalOrder,
  validateDefinition,
} from '../../src/pipeline/index.js';
import { LIMITS, jsonSize } from '../../src/pipeline/limits.js';

const HANDLERS = ['echo', 'http.request', 'delay', 'fail', 'h'.repeat(LIMITS.maxHandlerNameLength)];

type Json = Record<string, unknown>;
type Def = Json & { steps: Json[] };

/** A small valid definition that each case grows to its limit (and one past it). */
function base(): Def {
  return {
    name: 'limits',
    steps: [
      { id: 'a', activity: 'echo', input: { x: 1 } },
      { id: 'b', activity: 'echo', forEach: [1, 2], input: '{{ item }}' },
      { id: 'gate', type: 'approval', approvers: ['ops'] },
    ],
  };
}

const task = (d: Def) => d.steps[0] as Json;
const fan = (d: Def) => d.steps[1] as Json;
const gate = (d: Def) => d.steps[2] as Json;

/** A value nested `levels` deep: `levels` lists (or objects) around `leaf`. */
function nested(levels: number, kind: 'list' | 'object' = 'list', leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = kind === 'list' ? [value] : { a: value };
  return value;
}

/** The path of the outermost container past the depth limit, below `prefix`. */
const deepPath = (prefix: string, kind: 'list' | 'object' = 'list') =>
  prefix + (kind === 'list' ? '[0]' : '.a').repeat(LIMITS.maxNestingDepth);

const names = (n: number, length = 3) => Array.from({ length: n }, (_, i) => `n${i}`.padEnd(length, 'x'));
const rules = (n: number) => Array.from({ length: n }, () => ({ strategy: 'fail_fast' }));

interface LimitCase {
  /** The limit, as the test name says it. */
  name: string;
  /** Sets the field to `value`; the case calls it with the limit (accepted) and one past it (rejected). */
  set: (d: Def, over: boolean) => void;
  path: string;
  message: string;
  /** Issues expected in total past the limit (default 1). */
  count?: number;
}

const tooLong = (n: number) => `expected at most ${n} character(s); got ${n + 1} characters`;
const tooMany = (n: number) => `expected at most ${n} item(s); got ${n + 1} items`;
const tooBig = (n: number, got: string) => `expected a number <= ${n}; got ${got}`;
const TOO_LONG_DURATION = `expected a duration of at most 3650d (${LIMITS.maxDurationMs} ms); got`;

const cases: LimitCase[] = [
  // Durations
  {
    name: 'a duration string of more than 3650 days ("99999999d")',
    set: (d, over) => (d.timeout = over ? '99999999d' : '3650d'),
    path: 'timeout',
    message: `${TOO_LONG_DURATION} "99999999d"`,
  },
  {
    name: 'a compound duration that adds up past the limit',
    set: (d, over) => (d.timeout = over ? '3649d24h1ms' : '3649d24h'),
    path: 'timeout',
    message: `${TOO_LONG_DURATION} "3649d24h1ms"`,
  },
  {
    name: 'a duration of 1e300 milliseconds on an approval gate',
    set: (d, over) => (gate(d).timeout = over ? 1e300 : LIMITS.maxDurationMs),
    path: 'steps[2].timeout',
    message: `${TOO_LONG_DURATION} 1e+300`,
  },
  {
    name: 'an intervention wait of 1e300 milliseconds',
    set: (d, over) =>
      (task(d).recovery = [{ strategy: 'manual_intervention', timeout: over ? 1e300 : '3650d' }]),
    path: 'steps[0].recovery[0].timeout',
    message: `${TOO_LONG_DURATION} 1e+300`,
  },
  {
    name: 'a digit string of milliseconds past the limit',
    set: (d, over) => (task(d).timeouts = { startToClose: String(LIMITS.maxDurationMs + (over ? 1 : 0)) }),
    path: 'steps[0].timeouts.startToClose',
    message: `${TOO_LONG_DURATION} "${LIMITS.maxDurationMs + 1}"`,
  },
  {
    name: 'an escalation after more than the longest duration',
    set: (d, over) => (gate(d).escalate = { after: LIMITS.maxDurationMs + (over ? 1 : 0), to: ['x'] }),
    path: 'steps[2].escalate.after',
    message: TOO_LONG_DURATION,
  },
  // Integers
  {
    name: 'maxAttempts past int32 (2147483648)',
    set: (d, over) => (task(d).retry = { maxAttempts: over ? 2_147_483_648 : 2_147_483_647 }),
    path: 'steps[0].retry.maxAttempts',
    message: tooBig(LIMITS.maxAttempts, '2147483648'),
  },
  {
    name: 'a backoff coefficient over 100',
    set: (d, over) => ((d.defaults = { retry: { backoffCoefficient: over ? 100.5 : 100 } }), undefined),
    path: 'defaults.retry.backoffCoefficient',
    message: tooBig(LIMITS.maxBackoffCoefficient, '100.5'),
  },
  {
    name: 'a weight over 1,000,000',
    set: (d, over) => (task(d).weight = LIMITS.maxWeight + (over ? 1 : 0)),
    path: 'steps[0].weight',
    message: tooBig(LIMITS.maxWeight, '1000001'),
  },
  {
    name: 'a maxConcurrency over 5,000',
    set: (d, over) => (fan(d).maxConcurrency = LIMITS.maxForEachItems + (over ? 1 : 0)),
    path: 'steps[1].maxConcurrency',
    message: tooBig(LIMITS.maxForEachItems, '5001'),
  },
  {
    name: 'a toleratedFailures count over 5,000',
    set: (d, over) => (fan(d).toleratedFailures = LIMITS.maxForEachItems + (over ? 1 : 0)),
    path: 'steps[1].toleratedFailures',
    message: tooBig(LIMITS.maxForEachItems, '5001'),
  },
  {
    name: 'a normalised toleratedFailures count over 5,000',
    set: (d, over) => (fan(d).toleratedFailures = { count: LIMITS.maxForEachItems + (over ? 1 : 0) }),
    path: 'steps[1].toleratedFailures.count',
    message: tooBig(LIMITS.maxForEachItems, '5001'),
  },
  // Counts
  {
    name: 'a literal forEach list of more than 5,000 items',
    set: (d, over) =>
      (fan(d).forEach = Array.from({ length: LIMITS.maxForEachItems + (over ? 1 : 0) }, (_, i) => i)),
    path: 'steps[1].forEach',
    message: tooMany(LIMITS.maxForEachItems),
  },
  {
    name: 'more than 500 steps (501)',
    set: (d, over) =>
      (d.steps = Array.from({ length: LIMITS.maxSteps + (over ? 1 : 0) }, (_, i) => ({
        id: `s${i}`,
        activity: 'echo',
        input: i > 0 ? `{{ steps.s${i - 1}.output }}` : null,
      }))),
    path: 'steps',
    message: tooMany(LIMITS.maxSteps),
  },
  {
    name: 'more than 20 alternatives',
    set: (d, over) =>
      (task(d).alternative = names(LIMITS.maxAlternatives + (over ? 1 : 0)).map((id) => ({
        id,
        activity: 'echo',
      }))),
    path: 'steps[0].alternative',
    message: tooMany(LIMITS.maxAlternatives),
  },
  {
    name: 'more than 50 recovery rules on a step',
    set: (d, over) => (task(d).recovery = rules(LIMITS.maxRecoveryRules + (over ? 1 : 0))),
    path: 'steps[0].recovery',
    message: tooMany(LIMITS.maxRecoveryRules),
  },
  {
    name: 'more than 50 pipeline recovery rules',
    set: (d, over) => (d.recovery = rules(LIMITS.maxRecoveryRules + (over ? 1 : 0))),
    path: 'recovery',
    message: tooMany(LIMITS.maxRecoveryRules),
  },
  {
    name: 'more than 100 classify rules',
    set: (d, over) =>
      (d.classify = Array.from({ length: LIMITS.maxClassifyRules + (over ? 1 : 0) }, (_, i) => ({
        match: { code: `E${i}` },
        category: 'network',
      }))),
    path: 'classify',
    message: tooMany(LIMITS.maxClassifyRules),
  },
  {
    name: 'more than 100 approvers',
    set: (d, over) => (gate(d).approvers = names(LIMITS.maxApprovers + (over ? 1 : 0))),
    path: 'steps[2].approvers',
    message: tooMany(LIMITS.maxApprovers),
  },
  {
    name: 'more than 100 escalation targets',
    set: (d, over) => (gate(d).escalate = { after: '1h', to: names(LIMITS.maxApprovers + (over ? 1 : 0)) }),
    path: 'steps[2].escalate.to',
    message: tooMany(LIMITS.maxApprovers),
  },
  // Lengths
  {
    name: 'an approver name over 200 characters',
    set: (d, over) => (gate(d).approvers = ['x'.repeat(LIMITS.maxNameLength + (over ? 1 : 0))]),
    path: 'steps[2].approvers[0]',
    message: tooLong(LIMITS.maxNameLength),
  },
  {
    name: 'an escalation target name over 200 characters',
    set: (d, over) =>
      (gate(d).escalate = { after: '1h', to: ['y'.repeat(LIMITS.maxNameLength + (over ? 1 : 0))] }),
    path: 'steps[2].escalate.to[0]',
    message: tooLong(LIMITS.maxNameLength),
  },
  {
    name: 'a step id over 100 characters',
    set: (d, over) => (gate(d).id = 'g'.repeat(LIMITS.maxStepIdLength + (over ? 1 : 0))),
    path: 'steps[2].id',
    message: tooLong(LIMITS.maxStepIdLength),
  },
  {
    name: 'an alternative id over 100 characters',
    set: (d, over) =>
      (task(d).alternative = [{ id: 'm'.repeat(LIMITS.maxStepIdLength + (over ? 1 : 0)), activity: 'echo' }]),
    path: 'steps[0].alternative[0].id',
    message: tooLong(LIMITS.maxStepIdLength),
  },
  {
    name: 'an activity name over 200 characters',
    set: (d, over) => (task(d).activity = 'h'.repeat(LIMITS.maxHandlerNameLength + (over ? 1 : 0))),
    path: 'steps[0].activity',
    message: tooLong(LIMITS.maxHandlerNameLength),
    count: 2, // and it is no registered handler
  },
  {
    name: 'a compensation activity name over 200 characters',
    set: (d, over) =>
      (task(d).compensate = { activity: 'h'.repeat(LIMITS.maxHandlerNameLength + (over ? 1 : 0)) }),
    path: 'steps[0].compensate.activity',
    message: tooLong(LIMITS.maxHandlerNameLength),
    count: 2, // and it is no registered handler
  },
  {
    name: 'a step display name over 200 characters',
    set: (d, over) => (task(d).name = 'N'.repeat(LIMITS.maxNameLength + (over ? 1 : 0))),
    path: 'steps[0].name',
    message: tooLong(LIMITS.maxNameLength),
  },
  {
    name: 'a classify match field over 200 characters',
    set: (d, over) =>
      (d.classify = [
        { match: { message: 'q'.repeat(LIMITS.maxNameLength + (over ? 1 : 0)) }, category: 'rate_limit' },
      ]),
    path: 'classify[0].match.message',
    message: tooLong(LIMITS.maxNameLength),
  },
  {
    name: 'a description over 4,000 characters',
    set: (d, over) => (d.description = 'd'.repeat(LIMITS.maxTextLength + (over ? 1 : 0))),
    path: 'description',
    message: tooLong(LIMITS.maxTextLength),
  },
  {
    name: 'a prompt over 4,000 characters',
    set: (d, over) => (gate(d).prompt = 'p'.repeat(LIMITS.maxTextLength + (over ? 1 : 0))),
    path: 'steps[2].prompt',
    message: tooLong(LIMITS.maxTextLength),
  },
  {
    name: 'a when template over 4,000 characters',
    set: (d, over) => (task(d).when = '{{ params.go }}'.padEnd(LIMITS.maxTextLength + (over ? 1 : 0), ' ')),
    path: 'steps[0].when',
    message: tooLong(LIMITS.maxTextLength),
  },
  {
    name: 'a forEach template over 4,000 characters',
    set: (d, over) =>
      (fan(d).forEach = `{{ ${'params.items'.padEnd(LIMITS.maxTextLength - 6 + (over ? 1 : 0), ' ')} }}`),
    path: 'steps[1].forEach',
    message: tooLong(LIMITS.maxTextLength),
  },
  // Nesting depth of free JSON values
  {
    name: 'a step input nested more than 64 levels',
    set: (d, over) => (task(d).input = nested(LIMITS.maxNestingDepth + (over ? 1 : 0))),
    path: deepPath('steps[0].input'),
    message: 'expected JSON nested at most 64 levels deep; got a list nested deeper',
  },
  {
    name: 'a compensation input nested more than 64 levels',
    set: (d, over) =>
      (task(d).compensate = {
        activity: 'echo',
        input: nested(LIMITS.maxNestingDepth + (over ? 1 : 0), 'object'),
      }),
    path: deepPath('steps[0].compensate.input', 'object'),
    message: 'expected JSON nested at most 64 levels deep; got an object nested deeper',
  },
  {
    name: 'an alternative input nested more than 64 levels',
    set: (d, over) =>
      (task(d).alternative = [
        { id: 'alt', activity: 'echo', input: nested(LIMITS.maxNestingDepth + (over ? 1 : 0)) },
      ]),
    path: deepPath('steps[0].alternative[0].input'),
    message: 'expected JSON nested at most 64 levels deep',
  },
  {
    name: 'a skip output nested more than 64 levels',
    set: (d, over) =>
      (d.recovery = [{ strategy: 'skip', output: nested(LIMITS.maxNestingDepth + (over ? 1 : 0)) }]),
    path: deepPath('recovery[0].output'),
    message: 'expected JSON nested at most 64 levels deep',
  },
  {
    name: 'a literal forEach item nested more than 63 levels (the list is one)',
    set: (d, over) => (fan(d).forEach = [nested(LIMITS.maxNestingDepth - 1 + (over ? 1 : 0))]),
    path: deepPath('steps[1].forEach'),
    message: 'expected JSON nested at most 64 levels deep',
  },
];

function issuesOf(input: unknown) {
  const result = validateDefinition(input, { handlers: HANDLERS });
  return result.ok ? [] : result.issues;
}

describe('every limit of the limits table is enforced with a path-precise message', () => {
  test(`base definition is valid and there are at least 35 limit cases (${cases.length})`, () => {
    assert.deepEqual(issuesOf(base()), []);
    assert.ok(cases.length >= 35);
  });

  for (const c of cases) {
    test(`${c.name}: at the limit it is accepted, past it reported at ${c.path.slice(0, 60)}`, () => {
      const atLimit = base();
      c.set(atLimit, false);
      assert.deepEqual(issuesOf(atLimit), [], 'at the limit');
      const over = base();
      c.set(over, true);
      const issues = issuesOf(over);
      const shown = JSON.stringify(issues, null, 2).slice(0, 2000);
      assert.ok(
        issues.some((i) => i.path === c.path && i.message.includes(c.message)),
        `no issue at "${c.path}" containing ${JSON.stringify(c.message)}; got ${shown}`,
      );
      assert.equal(issues.length, c.count ?? 1, `unexpected issue count: ${shown}`);
    });
  }
});

describe('values built to crash a validator are reported, never thrown', () => {
  test('an input nested 2,000 lists deep is one issue at the 65th level, without a stack overflow', () => {
    const def = base();
    task(def).input = { rows: nested(2_000) };
    const issues = issuesOf(def);
    assert.deepEqual(issues, [
      {
        path: 'steps[0].input.rows' + '[0]'.repeat(LIMITS.maxNestingDepth - 1),
        message: 'expected JSON nested at most 64 levels deep; got a list nested deeper',
      },
    ]);
  });

  test('a template string 2,000 levels down is never looked at, and the depth is still reported', () => {
    const def = base();
    task(def).input = nested(2_000, 'object', '{{ steps.nope.output }}');
    const issues = issuesOf(def);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /^expected JSON nested at most 64 levels deep/);
  });

  test('a value nested 2,000 levels under an unknown field: the unknown field and the depth', () => {
    const def = base() as Json;
    def.extra = nested(2_000);
    const issues = issuesOf(def);
    assert.ok(issues.some((i) => i.path === 'extra' && i.message === 'unknown field "extra"'));
    assert.ok(issues.some((i) => i.path.startsWith('extra[0]') && i.message.includes('levels deep')));
  });

  test('a definition of 300 KB is reported at the root with its size; 256 KiB exactly is accepted', () => {
    const def = base();
    task(def).input = '';
    const room = LIMITS.maxDefinitionBytes - jsonSize(def);
    task(def).input = 'x'.repeat(room);
    assert.equal(jsonSize(def), LIMITS.maxDefinitionBytes);
    assert.deepEqual(issuesOf(def), []);
    task(def).input = 'x'.repeat(300_000);
    const bytes = jsonSize(def);
    assert.deepEqual(issuesOf(def), [
      {
        path: '',
        message: `expected a definition of at most 256 KiB as JSON; got ${Math.round((bytes / 1024) * 10) / 10} KiB (${bytes} bytes)`,
      },
    ]);
  });

  test('a cycle inside an input is reported as too deep', () => {
    const def = base();
    const loop: Json = {};
    loop.self = loop;
    task(def).input = loop;
    const issues = issuesOf(def);
    assert.equal(issues.length, 1);
    assert.ok(issues[0]!.path.startsWith('steps[0].input.self.self'));
  });

  test('values that are not JSON are reported where they are', () => {
    for (const [value, got] of [
      [Number.NaN, 'NaN, which is not a JSON number'],
      [() => 1, 'a function'],
      [10n, 'a BigInt'],
      [[undefined], 'undefined in a list'],
    ] as const) {
      const def = base();
      task(def).input = { v: value };
      const issues = issuesOf(def);
      const path = Array.isArray(value) ? 'steps[0].input.v[0]' : 'steps[0].input.v';
      assert.deepEqual(issues, [{ path, message: `expected JSON data; got ${got}` }], String(got));
    }
  });

  test('a getter that throws is an issue, not an exception', () => {
    const def = base();
    Object.defineProperty(task(def), 'input', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const result = validateDefinition(def);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.issues[0]!.message, /boom/);
  });

  test('a huge unknown dependency name gets no suggestion and costs no quadratic time', () => {
    const def = base();
    fan(def).dependsOn = ['z'.repeat(200_000)];
    const t0 = performance.now();
    const issues = issuesOf(def);
    assert.ok(performance.now() - t0 < 2_000);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /^unknown step "z+ … \(\d+ more characters\)$/);
    assert.ok(issues[0]!.message.length <= 500);
  });
});

describe('a step id that is also a property of Object.prototype is an ordinary id', () => {
  const def = {
    name: 'proto',
    steps: [
      { id: '__proto__', activity: 'echo', input: { v: 1 } },
      { id: 'constructor', activity: 'echo', input: '{{ steps.__proto__.output }}' },
      {
        id: 'last',
        activity: 'echo',
        dependsOn: ['__proto__', 'constructor'],
        input: '{{ steps.constructor.output }}',
      },
    ],
  };

  test('__proto__ and constructor are valid step ids that templates and dependsOn can name', () => {
    const result = validateDefinition(def);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  });

  test('resolveDependencies keeps a step called __proto__ (an own key, no prototype)', () => {
    const result = validateDefinition(def);
    assert.ok(result.ok);
    const deps = resolveDependencies(result.definition);
    assert.equal(Object.getPrototypeOf(deps), null);
    assert.deepEqual(Object.keys(deps), ['__proto__', 'constructor', 'last']);
    assert.deepEqual(deps['__proto__'], []);
    assert.deepEqual(deps['constructor'], ['__proto__']);
    assert.deepEqual(topologicalOrder(result.definition), ['__proto__', 'constructor', 'last']);
    assert.deepEqual(descendantsOf(result.definition, '__proto__'), ['constructor', 'last']);
  });
});

describe('a rejection stays small whatever the input', () => {
  test('at most 100 issues, the last one counting the rest', () => {
    const def = base() as Json;
    for (let i = 0; i < 500; i++) def[`unknown${i}`] = i;
    const issues = issuesOf(def);
    assert.equal(issues.length, 100);
    assert.deepEqual(issues[99], { path: '', message: 'and 401 more problems (500 in all)' });
  });

  test('a 100,000-character unknown field is named, cut to 500 characters', () => {
    const def = base() as Json;
    def['k'.repeat(100_000)] = 1;
    const [issue] = issuesOf(def);
    assert.ok(issue && issue.path.length <= 500 && issue.message.length <= 500);
    assert.match(issue.message, /^unknown field "kkk/);
  });
});
