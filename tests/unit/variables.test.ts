import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LIMITS } from '../../src/pipeline/limits.js';
import { validateDefinition } from '../../src/pipeline/validate.js';
import { Variables } from '../../src/pipeline/variables.js';

const scope = (output: unknown) => ({ params: {}, steps: {}, output });

function assigned(variables: Variables, stepId: string, assign: Record<string, unknown>, output: unknown) {
  const result = variables.evaluate(stepId, assign, scope(output));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problem));
  variables.assign(stepId, result.values);
}

const issuesOf = (definition: unknown) => {
  const result = validateDefinition(definition);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('variables: assign and undo', () => {
  test('assign renders templates against the step output; literals are kept', () => {
    const variables = new Variables();
    assigned(
      variables,
      'a',
      { rows: '{{ output.count }}', label: 'rows: {{ output.count }}', fixed: [1] },
      { count: 3 },
    );
    assert.deepEqual({ ...variables.current() }, { rows: 3, label: 'rows: 3', fixed: [1] });
  });

  test('undoing a step restores what each variable was before it; a later value set by another step stays', () => {
    const variables = new Variables();
    assigned(variables, 'a', { x: '{{ output }}' }, 1);
    assigned(variables, 'b', { x: '{{ output }}', y: '{{ output }}' }, 2);
    assigned(variables, 'c', { x: '{{ output }}' }, 3);
    assert.deepEqual(variables.undo('b'), [{ name: 'y' }], 'x was set again by c: only y changes');
    assert.deepEqual({ ...variables.current() }, { x: 3 });
    assert.deepEqual(variables.undo('c'), [{ name: 'x', value: 1 }], 'c undone: x goes back to a, not b');
    assert.deepEqual(variables.undo('a'), [{ name: 'x' }]);
    assert.deepEqual({ ...variables.current() }, {});
    assert.equal(variables.isEmpty, true);
  });

  test('a step that assigns again replaces its earlier assignment (its undo goes back to before it)', () => {
    const variables = new Variables();
    assigned(variables, 'a', { x: '{{ output }}' }, 'a');
    assigned(variables, 'b', { x: '{{ output }}' }, 'b1');
    assigned(variables, 'b', { x: '{{ output }}' }, 'b2');
    assert.equal(variables.state().assignments.length, 2);
    variables.undo('b');
    assert.deepEqual({ ...variables.current() }, { x: 'a' });
  });

  test('the state round-trips through a checkpoint', () => {
    const variables = new Variables();
    assigned(variables, 'a', { x: '{{ output }}' }, 1);
    assigned(variables, 'b', { x: '{{ output }}' }, 2);
    const copy = new Variables(JSON.parse(JSON.stringify(variables.state())));
    copy.undo('b');
    assert.deepEqual({ ...copy.current() }, { x: 1 });
  });

  test('a value over maxVariableBytes, or all of them over maxVariablesBytes, is a resource problem', () => {
    const variables = new Variables();
    const big = variables.evaluate('a', { big: '{{ output }}' }, scope('x'.repeat(LIMITS.maxVariableBytes)));
    assert.ok(!big.ok && big.problem.category === 'resource' && big.problem.code === 'VARIABLE_TOO_LARGE');
    const piece = 'x'.repeat(LIMITS.maxVariableBytes - 100);
    for (const step of ['a', 'b', 'c', 'd']) assigned(variables, step, { [step]: '{{ output }}' }, piece);
    const over = variables.evaluate('e', { e: '{{ output }}' }, scope(piece));
    assert.ok(!over.ok && over.problem.code === 'VARIABLES_TOO_LARGE', 'the fifth value passes 64 KiB');
  });

  test('a path the output does not have is a validation problem naming the variable and template', () => {
    const result = new Variables().evaluate('a', { rows: '{{ output.count }}' }, scope({}));
    assert.ok(!result.ok);
    assert.equal(result.problem.category, 'validation');
    assert.match(
      result.problem.message,
      /^assign rows of step "a": \{\{ output\.count \}\}: "count" not found in output/,
    );
  });
});

describe('variables: validation', () => {
  test('a vars read that no ancestor assigns is an issue with its path; output only in assign', () => {
    assert.deepEqual(
      issuesOf({
        name: 'v',
        steps: [
          { id: 'a', activity: 'echo', assign: { rows: '{{ output.count }}', bad: '{{ item }}' } },
          {
            id: 'b',
            activity: 'echo',
            input: { r: '{{ vars.rows }}', q: '{{ vars.rowz }}', o: '{{ output }}' },
          },
          { id: 'c', activity: 'echo', dependsOn: [], when: '{{ vars.rows }}' },
          {
            id: 'd',
            activity: 'echo',
            dependsOn: [],
            assign: { mine: 1 },
            input: '{{ vars.mine }}',
            compensate: { activity: 'echo', input: '{{ vars.mine }}' },
          },
        ],
      }),
      [
        'steps[0].assign.bad: {{ item }}: item is only defined in the input of a forEach step',
        'steps[1].input.q: {{ vars.rowz }}: variable "rowz" is not assigned by any step; did you mean "rows"?',
        "steps[1].input.o: {{ output }}: output is only defined in a step's assign; read steps.<id>.output elsewhere",
        'steps[2].when: {{ vars.rows }}: variable "rows" is assigned by "a", not an ancestor of "c": add it to dependsOn (directly or through a dependency)',
        'steps[3].input: {{ vars.mine }}: variable "mine" is assigned by "d", not an ancestor of "d": add it to dependsOn (directly or through a dependency)',
      ],
    );
  });

  test('variable names and counts are bounded', () => {
    const issues = issuesOf({
      name: 'v',
      steps: [
        { id: 'a', activity: 'echo', assign: { '9lives': 1, ['x'.repeat(65)]: 1 } },
        { id: 'b', activity: 'echo', assign: {} },
        {
          id: 'c',
          activity: 'echo',
          assign: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, i])),
        },
      ],
    });
    assert.ok(
      issues.some((i) => /^steps\[0\]\.assign\["9lives"\]: expected a name of a letter/.test(i)),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((i) => /^steps\[0\]\.assign\.x{65}: /.test(i)),
      issues.join('\n'),
    );
    assert.ok(
      issues.includes('steps[1].assign: expected at least one variable; got none'),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((i) => /^steps\[2\]\.assign: expected at most 100 variables; got 101/.test(i)),
      issues.join('\n'),
    );
  });
});

test('__proto__, constructor and prototype are refused as param and variable names (JSON keeps __proto__ as a key)', () => {
  const definition = JSON.parse(
    '{"name":"v","params":{"__proto__":{"type":"string"},"constructor":{"type":"string"}},' +
      '"steps":[{"id":"a","activity":"echo","assign":{"__proto__":1,"prototype":2,"ok":3}}]}',
  ) as unknown;
  const issues = issuesOf(definition);
  for (const path of [
    'params.__proto__',
    'params.constructor',
    'steps[0].assign.__proto__',
    'steps[0].assign.prototype',
  ])
    assert.ok(
      issues.some((i) => i.startsWith(`${path}: `)),
      `${path} in ${issues.join('\n')}`,
    );
});
