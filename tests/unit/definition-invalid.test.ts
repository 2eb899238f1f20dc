import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefinitionError, parseDefinition, validateDefinition } from '../../src/pipeline/index.js';
import { loadDefinition } from '../../src/pipeline/load.js';

const HANDLERS = ['echo', 'http.request', 'delay', 'fail'];

type Json = Record<string, unknown>;

/** A small valid definition that each case breaks in one way. */
function base(): Json & { steps: Json[] } {
  return {
    name: 'orders',
    steps: [
      { id: 'extract', activity: 'http.request', input: { url: '{{ params.url }}' } },
      { id: 'load', activity: 'echo', input: { rows: '{{ steps.extract.output.rows }}' } },
    ],
  };
}

/** `base()` changed by `edit`. */
function broken(edit: (def: ReturnType<typeof base>) => void): Json {
  const def = base();
  edit(def);
  return def;
}

function step(def: ReturnType<typeof base>, i: number): Json {
  const s = def.steps[i];
  assert.ok(s);
  return s;
}

interface Case {
  /** What is wrong, as the test name says it. */
  name: string;
  input: unknown;
  path: string;
  message: string;
  /** Issues expected in total (default 1: nothing else is reported). */
  count?: number;
}

const cases: Case[] = [
  // Fields and types
  {
    name: 'an unknown top-level field',
    input: broken((d) => (d.owner = 'me')),
    path: 'owner',
    message: 'unknown field "owner"',
  },
  {
    name: 'a misspelt step field, with a suggestion',
    input: broken((d) => (step(d, 1).depends_on = ['extract'])),
    path: 'steps[1].depends_on',
    message: 'unknown field "depends_on"; did you mean "dependsOn"?',
  },
  {
    name: 'a misspelt timeout field',
    input: broken((d) => (step(d, 0).timeouts = { startToclose: '1m' })),
    path: 'steps[0].timeouts.startToclose',
    message: 'unknown field "startToclose"; did you mean "startToClose"?',
  },
  {
    name: 'a prototype key in the definition',
    input: JSON.parse('{"name":"p","__proto__":{"polluted":true},"steps":[{"id":"a","activity":"echo"}]}'),
    path: '__proto__',
    message: 'unknown field "__proto__"',
  },
  {
    name: 'a definition that is not an object',
    input: null,
    path: '',
    message: 'expected an object; got null',
  },
  {
    name: 'a missing name',
    input: broken((d) => delete d.name),
    path: 'name',
    message: 'required field is missing: expected a string',
  },
  {
    name: 'a name with spaces',
    input: broken((d) => (d.name = 'nightly orders')),
    path: 'name',
    message: 'expected a name of 1 to 100 letters, digits, ".", "_" and "-"; got "nightly orders"',
  },
  {
    name: 'a name longer than 100 characters',
    input: broken((d) => (d.name = 'x'.repeat(101))),
    path: 'name',
    message: 'expected a name of 1 to 100',
  },
  {
    name: 'no steps',
    input: broken((d) => (d.steps = [])),
    path: 'steps',
    message: 'expected at least one step; got none',
  },
  {
    name: 'steps that are not a list',
    input: broken((d) => ((d as Json).steps = 'extract')),
    path: 'steps',
    message: 'expected a list; got "extract"',
  },
  {
    name: 'a step without an activity',
    input: broken((d) => delete step(d, 0).activity),
    path: 'steps[0].activity',
    message: 'required field is missing',
  },
  {
    name: 'a step id with a space',
    input: broken((d) => (step(d, 0).id = 'extract orders')),
    path: 'steps[0].id',
    message: 'expected an id of letters, digits, "_" and "-"; got "extract orders"',
    count: 2, // and steps[1] reads an unknown step
  },
  {
    name: 'an unknown step type',
    input: broken((d) => (step(d, 1).type = 'gate')),
    path: 'steps[1].type',
    message: 'expected one of task, approval; got "gate"',
  },
  {
    name: 'a weight of zero',
    input: broken((d) => (step(d, 0).weight = 0)),
    path: 'steps[0].weight',
    message: 'expected a positive number; got 0',
  },
  {
    name: 'a when that is a number',
    input: broken((d) => (step(d, 0).when = 1)),
    path: 'steps[0].when',
    message: 'expected a template like "{{ params.x }}" or true/false; got 1',
  },
  {
    name: 'recovery that is an object instead of a list',
    input: broken((d) => (step(d, 0).recovery = { strategy: 'skip' })),
    path: 'steps[0].recovery',
    message: 'expected a list; got an object',
  },
  {
    name: 'an unknown onFailure',
    input: broken((d) => (d.onFailure = 'explode')),
    path: 'onFailure',
    message: 'expected one of fail, rollback; got "explode"',
  },
  {
    name: 'an unknown onCancel',
    input: broken((d) => (d.onCancel = 'ignore')),
    path: 'onCancel',
    message: 'expected one of rollback, stop; got "ignore"',
  },

  // Durations and numbers
  {
    name: 'a duration in words',
    input: broken((d) => (step(d, 0).timeouts = { startToClose: '5 minutes' })),
    path: 'steps[0].timeouts.startToClose',
    message: 'expected a duration like 500ms, 30s, 5m, 1h, 2d or a number of milliseconds; got "5 minutes"',
  },
  {
    name: 'a negative duration',
    input: broken((d) => (d.defaults = { timeouts: { heartbeat: -1 } })),
    path: 'defaults.timeouts.heartbeat',
    message: 'expected a duration like 500ms, 30s, 5m, 1h, 2d or a number of milliseconds; got -1',
  },
  {
    name: 'a zero pipeline timeout',
    input: broken((d) => (d.timeout = '0s')),
    path: 'timeout',
    message: 'expected a duration greater than 0; got 0',
  },
  {
    name: 'a duration that is a boolean',
    input: broken((d) => (d.defaults = { retry: { maxInterval: true } })),
    path: 'defaults.retry.maxInterval',
    message: 'got true',
  },
  {
    name: 'zero attempts',
    input: broken((d) => (step(d, 0).retry = { maxAttempts: 0 })),
    path: 'steps[0].retry.maxAttempts',
    message: 'expected a whole number of attempts, at least 1; got 0',
  },
  {
    name: 'a backoff coefficient below 1',
    input: broken((d) => (d.defaults = { retry: { backoffCoefficient: 0.5 } })),
    path: 'defaults.retry.backoffCoefficient',
    message: 'expected a number of at least 1; got 0.5',
  },

  // Dependencies and ids
  {
    name: 'a duplicate step id',
    input: broken((d) => (step(d, 1).id = 'extract')),
    path: 'steps[1].id',
    message: 'duplicate id "extract": steps[0].id has it too',
  },
  {
    name: 'an alternative with the id of a step',
    input: broken((d) => (step(d, 0).alternative = [{ id: 'load', activity: 'echo' }])),
    path: 'steps[0].alternative[0].id',
    message: 'duplicate id "load": steps[1].id has it too',
  },
  {
    name: 'a dependency on an unknown step, with a suggestion',
    input: broken((d) => (step(d, 1).dependsOn = ['Extract'])),
    path: 'steps[1].dependsOn[0]',
    message: 'unknown step "Extract"; did you mean "extract"?',
    count: 2, // and load now reads extract, which is no longer its ancestor
  },
  {
    name: 'a dependency on an alternative',
    input: broken((d) => {
      step(d, 0).alternative = [{ id: 'mirror', activity: 'echo' }];
      step(d, 0).recovery = [{ strategy: 'alternative_path' }];
      step(d, 1).dependsOn = ['extract', 'mirror'];
    }),
    path: 'steps[1].dependsOn[1]',
    message: '"mirror" is an alternative of step "extract", not a step',
  },
  {
    name: 'a step that depends on itself',
    input: broken((d) => (step(d, 1).dependsOn = ['extract', 'load'])),
    path: 'steps[1].dependsOn[1]',
    message: 'step "load" depends on itself',
  },
  {
    name: 'a dependency listed twice',
    input: broken((d) => (step(d, 1).dependsOn = ['extract', 'extract'])),
    path: 'steps[1].dependsOn[1]',
    message: '"extract" is listed twice',
  },
  {
    name: 'a two-step dependency cycle, named',
    input: broken((d) => (step(d, 0).dependsOn = ['load'])),
    path: 'steps[0].dependsOn',
    message: 'dependency cycle: extract -> load -> extract',
  },
  {
    name: 'a three-step dependency cycle, named',
    input: {
      name: 'p',
      steps: [
        { id: 'a', activity: 'echo', dependsOn: ['c'] },
        { id: 'b', activity: 'echo' },
        { id: 'c', activity: 'echo' },
      ],
    },
    path: 'steps[0].dependsOn',
    message: 'dependency cycle: a -> c -> b -> a',
  },

  // Strategies
  {
    name: 'an unknown strategy',
    input: broken((d) => (step(d, 0).recovery = [{ strategy: 'pray' }])),
    path: 'steps[0].recovery[0].strategy',
    message:
      'expected one of fail_fast, retry, retry_with_backoff, skip, rollback, manual_intervention, alternative_path; got "pray"',
  },
  {
    name: 'a then that retries again',
    input: broken((d) => (d.recovery = [{ strategy: 'retry', then: 'retry_with_backoff' }])),
    path: 'recovery[0].then',
    message:
      'expected one of fail_fast, skip, rollback, manual_intervention, alternative_path; got "retry_with_backoff"',
  },
  {
    name: 'a then after a strategy that does not retry',
    input: broken((d) => (d.recovery = [{ strategy: 'skip', then: 'rollback' }])),
    path: 'recovery[0].then',
    message: 'then applies only after retry, retry_with_backoff or alternative_path; the strategy is "skip"',
  },
  {
    name: 'retry settings on a strategy that does not retry',
    input: broken((d) => (d.recovery = [{ strategy: 'fail_fast', retry: { maxAttempts: 2 } }])),
    path: 'recovery[0].retry',
    message: 'retry settings apply only to retry and retry_with_backoff',
  },
  {
    name: 'a backoff coefficient on fixed-interval retry',
    input: broken((d) => (d.recovery = [{ strategy: 'retry', retry: { backoffCoefficient: 2 } }])),
    path: 'recovery[0].retry.backoffCoefficient',
    message: 'use retry_with_backoff for a backoffCoefficient',
  },
  {
    name: 'a wait timeout on a rule that never waits',
    input: broken((d) => (d.recovery = [{ strategy: 'skip', timeout: '1h' }])),
    path: 'recovery[0].timeout',
    message: 'timeout applies only to manual_intervention',
  },
  {
    name: 'an unknown intervention timeout action',
    input: broken(
      (d) => (d.recovery = [{ strategy: 'manual_intervention', timeout: '1h', onTimeout: 'approve' }]),
    ),
    path: 'recovery[0].onTimeout',
    message: 'expected one of abort, skip, rollback; got "approve"',
  },
  {
    name: 'an unknown category in a list',
    input: broken((d) => (d.recovery = [{ match: { category: ['network', 'flaky'] }, strategy: 'retry' }])),
    path: 'recovery[0].match.category[1]',
    message:
      'expected one of network, timeout, rate_limit, validation, auth, not_found, conflict, resource, dependency, internal, unknown; got "flaky"',
  },
  {
    name: 'an unknown severity',
    input: broken((d) => (d.recovery = [{ match: { severity: 'fatal' }, strategy: 'manual_intervention' }])),
    path: 'recovery[0].match.severity',
    message: 'expected one of low, medium, high, critical; got "fatal"',
  },
  {
    name: 'a category that is neither a name nor a list',
    input: broken((d) => (d.recovery = [{ match: { category: 5 }, strategy: 'retry' }])),
    path: 'recovery[0].match.category',
    message:
      'expected one of network, timeout, rate_limit, validation, auth, not_found, conflict, resource, dependency, internal, unknown; got 5',
  },
  {
    name: 'an empty list of categories',
    input: broken((d) => (d.recovery = [{ match: { category: [] }, strategy: 'retry' }])),
    path: 'recovery[0].match.category',
    message: 'expected at least one value; got an empty list',
  },
  {
    name: 'alternative_path on a step without alternatives',
    input: broken((d) => (step(d, 0).recovery = [{ strategy: 'alternative_path' }])),
    path: 'steps[0].recovery[0].strategy',
    message: 'alternative_path needs the step to have an "alternative" list',
  },
  {
    name: 'alternative_path after retries on a step without alternatives',
    input: broken((d) => (step(d, 0).recovery = [{ strategy: 'retry', then: 'alternative_path' }])),
    path: 'steps[0].recovery[0].then',
    message: 'alternative_path needs the step to have an "alternative" list',
  },
  {
    name: 'a classification rule that matches nothing in particular',
    input: broken((d) => (d.classify = [{ match: {}, category: 'network' }])),
    path: 'classify[0].match',
    message: 'expected at least one of message, name, code; got none',
  },
  {
    name: 'a classification rule with an unknown category',
    input: broken((d) => (d.classify = [{ match: { code: 'E1' }, category: 'boom' }])),
    path: 'classify[0].category',
    message: 'got "boom"',
  },

  // Fan-out
  {
    name: 'maxConcurrency without forEach',
    input: broken((d) => (step(d, 1).maxConcurrency = 4)),
    path: 'steps[1].maxConcurrency',
    message: 'maxConcurrency applies only to forEach steps',
  },
  {
    name: 'toleratedFailures without forEach',
    input: broken((d) => (step(d, 1).toleratedFailures = 1)),
    path: 'steps[1].toleratedFailures',
    message: 'toleratedFailures applies only to forEach steps',
  },
  {
    name: 'a maxConcurrency of zero',
    input: broken((d) => Object.assign(step(d, 1), { forEach: [1], maxConcurrency: 0 })),
    path: 'steps[1].maxConcurrency',
    message: 'expected a whole number, at least 1; got 0',
  },
  {
    name: 'tolerated failures in words',
    input: broken((d) => Object.assign(step(d, 1), { forEach: [1], toleratedFailures: 'some' })),
    path: 'steps[1].toleratedFailures',
    message: 'expected a number of items like 3 or a percentage like 5%; got "some"',
  },
  {
    name: 'tolerated failures over 100%',
    input: broken((d) => Object.assign(step(d, 1), { forEach: [1], toleratedFailures: '150%' })),
    path: 'steps[1].toleratedFailures',
    message: 'expected a percentage up to 100%; got "150%"',
  },
  {
    name: 'tolerated failures as an object of the wrong shape',
    input: broken((d) => Object.assign(step(d, 1), { forEach: [1], toleratedFailures: { ratio: 0.1 } })),
    path: 'steps[1].toleratedFailures',
    message: 'expected a number of items like 3 or a percentage like 5%; got an object',
  },
  {
    name: 'a forEach that is text rather than a template',
    input: broken((d) => (step(d, 1).forEach = 'items')),
    path: 'steps[1].forEach',
    message: 'expected a single template like "{{ steps.<id>.output.items }}" or a list; got "items"',
  },

  // Templates
  {
    name: 'a template reading an unknown step',
    input: broken((d) => (step(d, 1).input = { rows: '{{ steps.extrct.output.rows }}' })),
    path: 'steps[1].input.rows',
    message: '{{ steps.extrct.output.rows }}: unknown step "extrct"; did you mean "extract"?',
  },
  {
    name: 'a template reading a later step',
    input: broken((d) => (step(d, 0).input = { url: '{{ steps.load.output }}' })),
    path: 'steps[0].input.url',
    message: 'step "load" is not an ancestor of "extract"',
  },
  {
    name: 'a template reading a step that runs in parallel',
    input: broken((d) => (step(d, 1).dependsOn = [])),
    path: 'steps[1].input.rows',
    message: 'step "extract" is not an ancestor of "load"',
  },
  {
    name: 'a template reading the step’s own output in its input',
    input: broken((d) => (step(d, 1).input = ['{{ steps.load.output }}'])),
    path: 'steps[1].input[0]',
    message: 'step "load" cannot read its own output here',
  },
  {
    name: 'a compensation reading a later step',
    input: broken((d) => (step(d, 0).compensate = { activity: 'echo', input: '{{ steps.load.output.id }}' })),
    path: 'steps[0].compensate.input',
    message: 'step "load" is not an ancestor of "extract"',
  },
  {
    name: 'an approval prompt reading an unknown step',
    input: broken((d) =>
      d.steps.push({ id: 'gate', type: 'approval', prompt: 'Publish {{ steps.transform.output.count }}?' }),
    ),
    path: 'steps[2].prompt',
    message: 'unknown step "transform"',
  },
  {
    name: 'a template reading something other than a step’s output',
    input: broken((d) => (step(d, 1).input = '{{ steps.extract.status }}')),
    path: 'steps[1].input',
    message: 'expected steps.extract.output, optionally followed by a path; got steps.extract.status',
  },
  {
    name: 'item outside a forEach step',
    input: broken((d) => (step(d, 1).input = { id: '{{ item.id }}' })),
    path: 'steps[1].input.id',
    message: '{{ item.id }}: item is only defined in the input of a forEach step',
  },
  {
    name: 'index in the condition of a forEach step',
    input: broken((d) => Object.assign(step(d, 1), { forEach: [1, 2], when: '{{ index }}' })),
    path: 'steps[1].when',
    message: '{{ index }}: index is only defined in the input of a forEach step',
  },
  {
    name: 'a template with an unknown root',
    input: broken((d) => (step(d, 0).input = { home: '{{ env.HOME }}' })),
    path: 'steps[0].input.home',
    message:
      '{{ env.HOME }}: unknown name "env"; expected one of params, steps, item, index, vars, output, event',
  },
  {
    name: 'an unclosed template',
    input: broken((d) => (step(d, 0).input = { url: 'https://x/{{ params.id' })),
    path: 'steps[0].input.url',
    message: 'unclosed "{{"',
  },
  {
    name: 'a template that is an expression, not a path',
    input: broken((d) => (step(d, 0).input = { n: '{{ params.n + 1 }}' })),
    path: 'steps[0].input.n',
    message: 'expected a path like params.name',
  },
  {
    name: 'a template reaching for a prototype',
    input: broken((d) => (step(d, 0).input = { x: '{{ params.constructor.name }}' })),
    path: 'steps[0].input.x',
    message: '"constructor" may not be read by a template',
  },

  // Handlers and approvals
  {
    name: 'an unregistered step handler, with a suggestion',
    input: broken((d) => (step(d, 0).activity = 'HTTP.request')),
    path: 'steps[0].activity',
    message: 'unknown step handler "HTTP.request"; did you mean "http.request"?',
  },
  {
    name: 'an unregistered compensation handler',
    input: broken((d) => (step(d, 0).compensate = { activity: 'undo' })),
    path: 'steps[0].compensate.activity',
    message: 'unknown step handler "undo"',
  },
  {
    name: 'an alternative without an activity',
    input: broken((d) => (step(d, 0).alternative = [{ id: 'mirror' }])),
    path: 'steps[0].alternative[0].activity',
    message: 'required field is missing',
  },
  {
    name: 'an approval step with an activity',
    input: broken((d) => {
      Object.assign(step(d, 1), { type: 'approval' });
      delete step(d, 1).input;
    }),
    path: 'steps[1].activity',
    message: 'unknown field "activity" (approval steps do not have it)',
  },
  {
    name: 'a prompt on a step that is not an approval',
    input: broken((d) => (step(d, 1).prompt = 'ok?')),
    path: 'steps[1].prompt',
    message: 'unknown field "prompt" (only approval steps have it: add type: approval)',
  },
  {
    name: 'an unknown approval timeout decision',
    input: broken((d) => d.steps.push({ id: 'gate', type: 'approval', timeout: '1h', onTimeout: 'abort' })),
    path: 'steps[2].onTimeout',
    message: 'expected one of reject, approve, skip; got "abort"',
  },
  {
    name: 'an escalation to nobody',
    input: broken((d) => d.steps.push({ id: 'gate', type: 'approval', escalate: { after: '4h', to: [] } })),
    path: 'steps[2].escalate.to',
    message: 'expected at least one name; got none',
  },
];

describe('every invalid definition is rejected with a path-precise message', () => {
  test(`there are at least 35 distinct cases (${cases.length})`, () => {
    assert.ok(cases.length >= 35);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
  });

  for (const c of cases) {
    test(`${c.name} is reported at ${c.path || '(root)'}`, () => {
      const result = validateDefinition(c.input, { handlers: HANDLERS });
      assert.equal(result.ok, false, 'expected the definition to be rejected');
      if (result.ok) return;
      const shown = JSON.stringify(result.issues, null, 2);
      const hit = result.issues.find((i) => i.path === c.path && i.message.includes(c.message));
      assert.ok(hit, `no issue at "${c.path}" containing ${JSON.stringify(c.message)}; got ${shown}`);
      assert.equal(result.issues.length, c.count ?? 1, `unexpected issue count: ${shown}`);
    });
  }
});

describe('a definition with several problems', () => {
  const input = {
    name: 'bad name',
    onCancel: 'never',
    recovery: [{ strategy: 'pray' }],
    steps: [
      { id: 'a', activity: 'echo', timeouts: { startToClose: '5 minutes' }, colour: 'red' },
      { id: 'a', activity: 'nope', dependsOn: ['ghost'] },
      {
        id: 'c',
        activity: 'echo',
        dependsOn: ['d'],
        input: '{{ steps.d.output }} {{ item }}',
        maxConcurrency: 3,
      },
      { id: 'd', activity: 'echo', dependsOn: ['c'], recovery: [{ strategy: 'alternative_path' }] },
    ],
  };

  test('reports every problem at once, each with its path', () => {
    const result = validateDefinition(input, { handlers: HANDLERS });
    assert.equal(result.ok, false);
    if (result.ok) return;
    const byPath = result.issues.map((i) => `${i.path}: ${i.message}`);
    const expected: Array<[string, string]> = [
      ['name', 'expected a name of 1 to 100'],
      ['onCancel', 'expected one of rollback, stop; got "never"'],
      ['recovery[0].strategy', 'got "pray"'],
      ['steps[0].timeouts.startToClose', 'got "5 minutes"'],
      ['steps[0].colour', 'unknown field "colour"'],
      ['steps[1].id', 'duplicate id "a"'],
      ['steps[1].activity', 'unknown step handler "nope"'],
      ['steps[1].dependsOn[0]', 'unknown step "ghost"'],
      ['steps[2].dependsOn', 'dependency cycle: c -> d -> c'],
      ['steps[2].input', 'item is only defined in the input of a forEach step'],
      ['steps[2].maxConcurrency', 'maxConcurrency applies only to forEach steps'],
      ['steps[3].recovery[0].strategy', 'alternative_path needs the step to have an "alternative" list'],
    ];
    for (const [path, fragment] of expected) {
      assert.ok(
        result.issues.some((i) => i.path === path && i.message.includes(fragment)),
        `missing ${path}: ${fragment}\n${byPath.join('\n')}`,
      );
    }
    assert.equal(result.issues.length, expected.length, byPath.join('\n'));
  });

  test('the thrown DefinitionError lists them all, one "path: message" line each', () => {
    assert.throws(
      () => parseDefinition(input, { handlers: HANDLERS }),
      (error: unknown) => {
        assert.ok(error instanceof DefinitionError);
        assert.equal(error.issues.length, 12);
        assert.match(error.message, /^invalid pipeline definition \(12 problems\):$/m);
        for (const issue of error.issues)
          assert.ok(error.message.includes(`\n${issue.path}: ${issue.message}`));
        return true;
      },
    );
  });
});

describe('definition text', () => {
  test('a YAML syntax error is a DefinitionError with line and column', () => {
    assert.throws(
      () => loadDefinition('name: p\nsteps:\n  - id: a\n    activity: [echo\n'),
      (error: unknown) =>
        error instanceof DefinitionError && /invalid YAML: line \d+, column \d+/.test(error.message),
    );
  });

  test('a duplicate YAML key is rejected', () => {
    assert.throws(
      () => loadDefinition('name: p\nname: q\nsteps: [{ id: a, activity: echo }]\n'),
      (error: unknown) => error instanceof DefinitionError && /invalid YAML: line 2/.test(error.message),
    );
  });

  test('a JSON syntax error is a DefinitionError naming where it is', () => {
    assert.throws(
      () => loadDefinition('{\n  "name": "p",\n  "steps": [,]\n}'),
      (error: unknown) =>
        error instanceof DefinitionError && /invalid JSON: line 3, column 13: /.test(error.message),
    );
  });

  test('YAML problems in the content are reported with definition paths', () => {
    assert.throws(
      () =>
        loadDefinition(
          'name: p\nsteps:\n  - id: a\n    activity: echo\n    timeouts: { startToClose: 5 minutes }\n',
        ),
      (error: unknown) =>
        error instanceof DefinitionError &&
        error.issues.length === 1 &&
        error.issues[0]?.path === 'steps[0].timeouts.startToClose',
    );
  });
});
