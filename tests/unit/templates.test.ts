import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RenderSizeError,
  TemplateError,
  evaluateCondition,
  findTemplates,
  hasTemplate,
  isSingleTemplate,
  isTruthy,
  parseTemplateExpression,
  renderTemplates,
  scanTemplates,
  templateRoots,
  type TemplateScope,
} from '../../src/pipeline/index.js';
import { LIMITS, jsonSize } from '../../src/pipeline/limits.js';

const scope: TemplateScope = {
  params: {
    sourceUrl: 'https://src.example/orders',
    limit: 50,
    dryRun: false,
    tags: ['a', 'b'],
    empty: null,
  },
  steps: {
    extract: {
      output: {
        location: '/orders/7',
        body: {
          items: [
            { id: 'o-1', qty: 2 },
            { id: 'o-2', qty: 5 },
          ],
          total: 2,
        },
        'content-type': 'application/json',
      },
    },
    'extract-mirror': { output: 'mirror' },
    skipped: { output: null },
  },
};

const itemScope: TemplateScope = { ...scope, item: { id: 'o-2', nested: { deep: true } }, index: 1 };

function throwsTemplateError(fn: () => unknown, template: string, reason: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TemplateError, String(error));
    assert.equal(error.name, 'TemplateError');
    assert.equal(error.template, template);
    if (typeof reason === 'string') assert.equal(error.reason, reason);
    else assert.match(error.reason, reason);
    assert.equal(error.message, `${error.template}: ${error.reason}`);
    return true;
  });
}

describe('template kinds', () => {
  test('params.x reads a pipeline parameter', () => {
    assert.equal(renderTemplates('{{ params.sourceUrl }}', scope), 'https://src.example/orders');
  });

  test('steps.<id>.output.<path> reads an ancestor step output, including ids with dashes', () => {
    assert.equal(renderTemplates('{{ steps.extract.output.location }}', scope), '/orders/7');
    assert.equal(renderTemplates('{{ steps.extract-mirror.output }}', scope), 'mirror');
  });

  test('array indices work as [0] and as .0', () => {
    assert.equal(renderTemplates('{{ steps.extract.output.body.items[1].id }}', scope), 'o-2');
    assert.equal(renderTemplates('{{ steps.extract.output.body.items.0.qty }}', scope), 2);
  });

  test('quoted keys read fields whose names are not plain words', () => {
    assert.equal(renderTemplates(`{{ steps.extract.output["content-type"] }}`, scope), 'application/json');
    assert.equal(renderTemplates(`{{ steps.extract.output['content-type'] }}`, scope), 'application/json');
  });

  test('item, item.a.b and index read the current forEach item', () => {
    assert.deepEqual(renderTemplates('{{ item }}', itemScope), { id: 'o-2', nested: { deep: true } });
    assert.equal(renderTemplates('{{ item.nested.deep }}', itemScope), true);
    assert.equal(renderTemplates('{{ index }}', itemScope), 1);
    assert.equal(
      renderTemplates('https://api.example/enrich/{{ item.id }}?n={{ index }}', itemScope),
      'https://api.example/enrich/o-2?n=1',
    );
  });

  test('spaces inside the braces are optional', () => {
    assert.equal(renderTemplates('{{params.limit}}', scope), 50);
  });
});

describe('types', () => {
  test('a string that is exactly one template keeps the value’s type', () => {
    assert.equal(renderTemplates('{{ params.limit }}', scope), 50);
    assert.equal(renderTemplates('{{ params.dryRun }}', scope), false);
    assert.equal(renderTemplates('{{ params.empty }}', scope), null);
    assert.deepEqual(renderTemplates('{{ params.tags }}', scope), ['a', 'b']);
    assert.deepEqual(renderTemplates('{{ steps.extract.output.body.items[0] }}', scope), {
      id: 'o-1',
      qty: 2,
    });
  });

  test('templates inside a longer string are stringified, objects as JSON', () => {
    assert.equal(
      renderTemplates('limit={{ params.limit }} dry={{ params.dryRun }} none={{ params.empty }}', scope),
      'limit=50 dry=false none=null',
    );
    assert.equal(renderTemplates('tags: {{ params.tags }}', scope), 'tags: ["a","b"]');
    assert.equal(
      renderTemplates('first: {{ steps.extract.output.body.items[0] }}', scope),
      'first: {"id":"o-1","qty":2}',
    );
  });

  test('rendering is deep: strings in objects and lists, other values unchanged, keys untouched', () => {
    const input = {
      url: '{{ params.sourceUrl }}',
      '{{ params.limit }}': 'key stays',
      list: ['{{ params.limit }}', 3, true, null, { id: '{{ steps.extract.output.body.items[1].id }}' }],
    };
    assert.deepEqual(renderTemplates(input, scope), {
      url: 'https://src.example/orders',
      '{{ params.limit }}': 'key stays',
      list: [50, 3, true, null, { id: 'o-2' }],
    });
  });

  test('rendering does not modify its input', () => {
    const input = { a: ['{{ params.limit }}'] };
    renderTemplates(input, scope);
    assert.deepEqual(input, { a: ['{{ params.limit }}'] });
  });

  test('rendered values are not rendered again', () => {
    const tricky: TemplateScope = { params: { a: '{{ params.b }}', b: 'secret' }, steps: {} };
    assert.equal(renderTemplates('{{ params.a }}', tricky), '{{ params.b }}');
  });

  test('strings without templates are returned as they are', () => {
    assert.equal(renderTemplates('plain } text {', scope), 'plain } text {');
  });
});

describe('errors', () => {
  test('a missing path names the template and the missing key', () => {
    throwsTemplateError(
      () => renderTemplates('{{ steps.extract.output.body.rows }}', scope),
      '{{ steps.extract.output.body.rows }}',
      '"rows" not found in steps.extract.output.body',
    );
  });

  test('the example in the brief: a missing "body" in a step output', () => {
    const s: TemplateScope = { params: {}, steps: { extract: { output: { status: 200 } } } };
    throwsTemplateError(
      () => renderTemplates({ list: '{{ steps.extract.output.body.items }}' }, s),
      '{{ steps.extract.output.body.items }}',
      '"body" not found in steps.extract.output',
    );
  });

  test('reading through null says so', () => {
    throwsTemplateError(
      () => renderTemplates('{{ steps.skipped.output.id }}', scope),
      '{{ steps.skipped.output.id }}',
      '"id" not found in steps.skipped.output (it is null)',
    );
  });

  test('an index past the end of a list says how long the list is', () => {
    throwsTemplateError(
      () => renderTemplates('{{ steps.extract.output.body.items[5] }}', scope),
      '{{ steps.extract.output.body.items[5] }}',
      '[5] not found in steps.extract.output.body.items (a list of 2)',
    );
  });

  test('a step that has not produced output is not found', () => {
    throwsTemplateError(
      () => renderTemplates('{{ steps.load.output }}', scope),
      '{{ steps.load.output }}',
      '"load" not found in steps',
    );
  });

  test('item and index outside a forEach step are errors', () => {
    throwsTemplateError(
      () => renderTemplates('{{ item.id }}', scope),
      '{{ item.id }}',
      'item is only defined inside a forEach step',
    );
    throwsTemplateError(
      () => renderTemplates('{{ index }}', scope),
      '{{ index }}',
      'index is only defined inside a forEach step',
    );
  });

  test('an unknown root is an error', () => {
    throwsTemplateError(
      () => renderTemplates('{{ env.HOME }}', scope),
      '{{ env.HOME }}',
      /unknown name "env"/,
    );
  });

  test('an unclosed or empty template is an error', () => {
    throwsTemplateError(
      () => renderTemplates('x {{ params.limit', scope),
      '{{ params.limit',
      'unclosed "{{": expected "}}"',
    );
    throwsTemplateError(() => renderTemplates('{{ }}', scope), '{{ }}', 'empty template');
  });

  test('expressions are not evaluated', () => {
    for (const template of [
      '{{ params.limit + 1 }}',
      '{{ process.exit() }}',
      '{{ params["a"].b() }}',
      '{{ `x` }}',
    ]) {
      assert.throws(() => renderTemplates(template, scope), TemplateError, template);
    }
  });

  test('a missing path may render as undefined when asked', () => {
    assert.equal(renderTemplates('{{ params.nope }}', scope, { missing: 'undefined' }), undefined);
    assert.equal(renderTemplates('[{{ params.nope }}]', scope, { missing: 'undefined' }), '[]');
  });
});

describe('prototype pollution and inherited properties', () => {
  for (const template of [
    '{{ params.__proto__ }}',
    '{{ params.constructor }}',
    '{{ params.constructor.prototype }}',
    '{{ steps.extract.output.__proto__.polluted }}',
    '{{ params["__proto__"] }}',
    "{{ params['constructor'] }}",
    '{{ __proto__ }}',
  ]) {
    test(`${template} is rejected`, () => {
      assert.throws(() => renderTemplates(template, scope), TemplateError);
    });
  }

  test('inherited properties are not found', () => {
    for (const template of [
      '{{ params.toString }}',
      '{{ params.hasOwnProperty }}',
      '{{ params.tags.map }}',
    ]) {
      assert.throws(() => renderTemplates(template, scope), /not found/, template);
    }
  });

  test('an own "__proto__" key in data cannot be read, and rendering such data does not pollute', () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}, "ok": "{{ params.limit }}"}') as unknown;
    const rendered = renderTemplates(data, scope) as Record<string, unknown>;
    assert.equal(rendered.ok, 50);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(rendered), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(rendered, '__proto__')?.value, { polluted: true });
    const s: TemplateScope = {
      params: JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>,
      steps: {},
    };
    assert.throws(() => renderTemplates('{{ params.__proto__.x }}', s), TemplateError);
  });
});

describe('finding templates', () => {
  test('findTemplates lists each template with its JSON path inside the value', () => {
    const value = {
      input: { url: 'https://x/{{ params.id }}/{{ item.id }}', list: ['{{ steps.a.output[0] }}'] },
      n: 1,
    };
    assert.deepEqual(findTemplates(value), [
      { expression: 'params.id', path: 'input.url' },
      { expression: 'item.id', path: 'input.url' },
      { expression: 'steps.a.output[0]', path: 'input.list[0]' },
    ]);
    assert.deepEqual(findTemplates('{{ params.x }}'), [{ expression: 'params.x', path: '' }]);
  });

  test('scanTemplates also reports malformed templates, with the reason', () => {
    const found = scanTemplates({ a: '{{ params.x + 1 }}', b: 'oops {{ params' });
    assert.deepEqual(
      found.map((f) => [f.path, f.template, f.error !== undefined]),
      [
        ['a', '{{ params.x + 1 }}', true],
        ['b', '{{ params', true],
      ],
    );
  });

  test('templateRoots lists the distinct roots used', () => {
    assert.deepEqual(
      templateRoots({ a: '{{ params.x }} {{ steps.a.output }}', b: ['{{ params.y }}', '{{ item }}'] }),
      ['params', 'steps', 'item'],
    );
  });

  test('parseTemplateExpression splits a path into keys and indices', () => {
    assert.deepEqual(parseTemplateExpression('steps.extract.output.items[0].id'), {
      root: 'steps',
      segments: ['extract', 'output', 'items', 0, 'id'],
    });
  });

  test('hasTemplate and isSingleTemplate tell templates and plain text apart', () => {
    assert.equal(hasTemplate('a {{ params.x }}'), true);
    assert.equal(hasTemplate('no braces'), false);
    assert.equal(isSingleTemplate('{{ steps.x.output.items }}'), true);
    assert.equal(isSingleTemplate(' {{ steps.x.output.items }}'), false);
    assert.equal(isSingleTemplate('{{ a }}{{ b }}'), false);
  });
});

describe('conditions', () => {
  test('isTruthy is JavaScript truthiness, except that "false", "0", "", "no" and "off" are false', () => {
    for (const falsy of [false, 0, '', null, undefined, NaN, 'false', 'FALSE', ' 0 ', 'no', 'Off']) {
      assert.equal(isTruthy(falsy), false, JSON.stringify(falsy));
    }
    for (const truthy of [true, 1, 'true', 'yes', 'on', 'anything', [], {}, -1]) {
      assert.equal(isTruthy(truthy), true, JSON.stringify(truthy));
    }
  });

  test('a when condition runs the step when absent or truthy, and a missing param counts as false', () => {
    assert.equal(evaluateCondition(undefined, scope), true);
    assert.equal(evaluateCondition(false, scope), false);
    assert.equal(evaluateCondition('{{ params.limit }}', scope), true);
    assert.equal(evaluateCondition('{{ params.dryRun }}', scope), false);
    assert.equal(evaluateCondition('{{ params.fullRefresh }}', scope), false);
    assert.equal(evaluateCondition('{{ steps.extract.output.body.total }}', scope), true);
  });
});

describe('a step id that is also an Object.prototype property', () => {
  test('{{ steps.__proto__.output }} reads the own entry of a step called __proto__, nothing else', () => {
    const steps = Object.create(null) as TemplateScope['steps'];
    steps['__proto__'] = { output: { rows: 3 } };
    steps['constructor'] = { output: 'c' };
    const s: TemplateScope = { params: {}, steps };
    assert.equal(renderTemplates('{{ steps.__proto__.output.rows }}', s), 3);
    assert.equal(renderTemplates('{{ steps.constructor.output }}', s), 'c');
    // Without such a step, the prototype is not found (own properties only).
    const plain: TemplateScope = { params: {}, steps: { a: { output: 1 } } };
    assert.throws(() => renderTemplates('{{ steps.__proto__.output }}', plain), /not found/);
    assert.throws(() => renderTemplates('{{ steps.constructor.output }}', plain), /not found/);
    // Deeper than the id, prototype keys stay forbidden.
    assert.throws(() => renderTemplates('{{ steps.__proto__.output.__proto__ }}', s), /may not be read/);
  });
});

describe('rendering within a byte budget (maxBytes)', () => {
  const blob = 'b'.repeat(30 * 1024);
  const big: TemplateScope = { params: { blob, obj: { text: blob } }, steps: {} };
  const MiB = 1024 * 1024;

  test('a template repeating a 30 KB param 100 times stops past 1 MiB with a RenderSizeError naming it', () => {
    const input = { rows: Array.from({ length: 100 }, () => '{{ params.blob }}') };
    assert.throws(
      () => renderTemplates(input, big, { maxBytes: MiB }),
      (error: unknown) => {
        assert.ok(error instanceof RenderSizeError);
        assert.ok(error instanceof TemplateError);
        assert.equal(error.name, 'RenderSizeError');
        assert.equal(error.limit, MiB);
        assert.ok(error.bytes > MiB && error.bytes < MiB + 40 * 1024, String(error.bytes));
        assert.equal(error.template, '{{ params.blob }}');
        assert.match(
          error.message,
          /^rendered input would be over 1 MiB \(1 MiB limit\): \{\{ params\.blob \}\} repeated 35 times so far \(1\.03 MiB in all\)$/,
        );
        return true;
      },
    );
  });

  test('templates inside a longer string count their text, objects before they are turned into text', () => {
    const input = { text: 'row: {{ params.obj }}; '.repeat(100) };
    assert.throws(() => renderTemplates(input, big, { maxBytes: MiB }), RenderSizeError);
    const prompt = 'x {{ params.blob }} '.repeat(40);
    assert.throws(
      () => renderTemplates(prompt, big, { maxBytes: MiB, what: 'prompt' }),
      /^RenderSizeError: rendered prompt would be over 1 MiB/,
    );
  });

  test('a result of exactly maxBytes renders; one byte less fails', () => {
    const input = { a: '{{ params.blob }}', b: [1, true, null, 'text'], c: 'n={{ params.n }}' };
    const s: TemplateScope = { params: { blob, n: 12 }, steps: {} };
    const rendered = renderTemplates(input, s);
    const size = jsonSize(rendered);
    assert.deepEqual(renderTemplates(input, s, { maxBytes: size }), rendered);
    assert.throws(() => renderTemplates(input, s, { maxBytes: size - 1 }), RenderSizeError);
  });

  test('literal text alone can pass the budget: the error then names no template', () => {
    assert.throws(
      () => renderTemplates({ a: 'x'.repeat(100) }, big, { maxBytes: 50 }),
      (error: unknown) =>
        error instanceof RenderSizeError && error.template === '' && !/repeated/.test(error.message),
    );
  });

  test('a value nested 2,000 levels is a TemplateError, not a stack overflow; 64 levels render', () => {
    let deep: unknown = '{{ params.n }}';
    for (let i = 0; i < 2_000; i++) deep = [deep];
    assert.throws(() => renderTemplates(deep, scope), TemplateError);
    let ok: unknown = '{{ params.limit }}';
    for (let i = 0; i < LIMITS.maxNestingDepth; i++) ok = { a: ok };
    assert.equal(jsonSize(renderTemplates(ok, scope)) > 0, true);
  });

  test('a template value that would nest the input past 64 levels fails within a budget', () => {
    let deep: unknown = 1;
    for (let i = 0; i < LIMITS.maxNestingDepth; i++) deep = [deep];
    const s: TemplateScope = { params: { deep }, steps: {} };
    assert.throws(() => renderTemplates({ x: '{{ params.deep }}' }, s, { maxBytes: MiB }), TemplateError);
    assert.doesNotThrow(() => renderTemplates('{{ params.deep }}', s));
  });

  test('scanTemplates skips strings nested deeper than 64 levels instead of overflowing', () => {
    let deep: unknown = '{{ params.x }}';
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    assert.deepEqual(scanTemplates(deep), []);
  });
});
