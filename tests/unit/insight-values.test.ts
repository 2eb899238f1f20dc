import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMITS } from '../../src/pipeline/limits.js';
import type { PipelineProgress } from '../../src/pipeline/progress.js';
import { REDACTED, redactText, redactValue, SecretNames, TOO_DEEP } from '../../src/pipeline/redact.js';
import { PreviewBudget, PreviewCache, previewValue } from '../../src/pipeline/step-values.js';
import { valueLines } from '../../src/cli/values.js';
import { validateDefinition } from '../../src/pipeline/validate.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import type { StepState } from '../../src/workflows/run-state.js';
import { progressBudgets, StepInsight } from '../../src/workflows/step-insight.js';

const validated = validateDefinition({ name: 'p', steps: [{ id: 'a', activity: 'echo' }] });
if (!validated.ok) throw new Error('invalid test definition');
const definition: PipelineDefinition = validated.definition;

const names = new SecretNames();

test('fields named like secrets are redacted whatever their case or separators, and whatever they hold', () => {
  const value = {
    password: 'p',
    dbPassword: 'p',
    'X-Api-Key': 'k',
    api_key: 'k',
    Authorization: 'Bearer t',
    refresh_token: 't',
    clientSecret: { nested: 'x' },
    'Set-Cookie': ['a', 'b'],
    privateKey: 'pem',
    auth: 'basic',
    pwd: 'p',
    author: 'alice',
    keyName: 'orders',
    nothing: null,
  };
  assert.deepEqual(redactValue(value, names), {
    password: REDACTED,
    dbPassword: REDACTED,
    'X-Api-Key': REDACTED,
    api_key: REDACTED,
    Authorization: REDACTED,
    refresh_token: REDACTED,
    clientSecret: REDACTED,
    'Set-Cookie': REDACTED,
    privateKey: REDACTED,
    auth: REDACTED,
    pwd: REDACTED,
    author: 'alice',
    keyName: 'orders',
    nothing: null,
  });
});

test('a definition’s redact names are added, compared without case and separators', () => {
  const extra = new SecretNames(['ssn', 'customer-email']);
  assert.deepEqual(redactValue({ SSN: '1', customerEmail: 'a@b', email: 'c@d' }, extra), {
    SSN: REDACTED,
    customerEmail: REDACTED,
    email: 'c@d',
  });
});

test('URL credentials and secret-named query parameters are redacted inside any string', () => {
  assert.equal(
    redactText(
      'connect to postgres://app:s3cr3t@db:5432/x then https://h.example/a?id=1&access_token=abc#f',
      names,
    ),
    `connect to postgres://${REDACTED}@db:5432/x then https://h.example/a?id=1&access_token=${REDACTED}#f`,
  );
  assert.equal(
    redactText('https://h.example/x?sig=abc&X-Amz-Signature=def', names),
    `https://h.example/x?sig=${REDACTED}&X-Amz-Signature=${REDACTED}`,
  );
  assert.equal(redactText('plain text, no url', names), 'plain text, no url');
  assert.equal(redactText('a=1&b=2', names), 'a=1&b=2');
  assert.deepEqual(redactValue(['https://u:p@h/'], names), [`https://${REDACTED}@h/`]);
});

test('redaction never mutates the value and returns it as is when nothing is secret', () => {
  const value = { a: { b: [1, 'two', { c: null }] } };
  assert.equal(redactValue(value, names), value);
  const secret = { a: { token: 'x' }, b: 1 };
  const redacted = redactValue(secret, names) as { a: { token: string } };
  assert.equal(secret.a.token, 'x');
  assert.equal(redacted.a.token, REDACTED);
});

test('a value nested deeper than the walk is cut, not followed', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 300; i++) deep = { d: deep };
  const text = JSON.stringify(redactValue(deep, names));
  assert.ok(text.includes(JSON.stringify(TOO_DEEP)));
});

test('a "__proto__" key stays a plain field', () => {
  const value = JSON.parse('{"__proto__": {"token": "x"}, "a": 1}') as object;
  const redacted = redactValue(value, names) as Record<string, unknown>;
  assert.deepEqual(Object.getOwnPropertyDescriptor(redacted, '__proto__')?.value, { token: REDACTED });
  assert.equal(({} as Record<string, unknown>).token, undefined);
});

test('a preview holds the redacted value up to the cap; over it, only its size', () => {
  assert.deepEqual(previewValue({ password: 'x', n: 1 }, names), {
    preview: { value: { password: REDACTED, n: 1 } },
    bytes: JSON.stringify({ password: REDACTED, n: 1 }).length,
  });
  const big = 'x'.repeat(LIMITS.maxValuePreviewBytes);
  assert.deepEqual(previewValue(big, names).preview, {
    truncated: { bytes: LIMITS.maxValuePreviewBytes + 2 },
  });
  assert.deepEqual(previewValue(null, names).preview, { value: null });
});

test('the progress-wide budget turns further previews into truncation markers', () => {
  const budget = new PreviewBudget(100);
  const sixty = previewValue('y'.repeat(58), names);
  assert.deepEqual(budget.take(sixty), { value: 'y'.repeat(58) });
  assert.deepEqual(budget.take(sixty), { truncated: { bytes: 60 } });
  assert.deepEqual(budget.take(previewValue('z', names)), { value: 'z' });
});

test('previews are cached by value identity: a new value is previewed again', () => {
  const cache = new PreviewCache(names);
  const value = { token: 'a' };
  const first = cache.get('s', 'output', value);
  assert.equal(cache.get('s', 'output', value), first);
  assert.notEqual(cache.get('s', 'output', { token: 'a' }), first);
  assert.notEqual(cache.get('s', 'input', value), first);
});

test('status --outputs lines: JSON previews, and the command that prints a truncated value', () => {
  const progress = {
    pipelineId: 'p-1',
    steps: [{ id: 'a', input: { value: { n: 1 } }, output: { truncated: { bytes: 2048 } } }, { id: 'b' }],
  } as unknown as PipelineProgress;
  assert.deepEqual(valueLines(progress, 'stepline --task-queue q'), [
    'a',
    '  input: {"n":1}',
    '  output: (2 KiB, too big to show here; print it with: stepline --task-queue q result p-1 --step a --output)',
  ]);
  assert.deepEqual(valueLines({ ...progress, steps: [] }), ['(no step has an input or output yet)']);
});

test('a run keeps step inputs up to its budget; past it, progress and stepValue give only the size', () => {
  const insight = new StepInsight(definition);
  const state: StepState = { status: 'succeeded', attempt: 1 };
  const huge = LIMITS.maxKeptInputBytes - 10;
  insight.keepInput('a', { n: 1 }, 7);
  insight.keepInput('b', 'big', huge);
  const fields = (id: string) => insight.fields({ ...definition.steps[0]!, id }, state, progressBudgets());
  assert.deepEqual(fields('a').input, { value: { n: 1 } });
  assert.deepEqual(fields('b').input, { value: 'big' }, 'kept: within the budget');
  insight.keepInput('c', { n: 3 }, 20);
  assert.deepEqual(fields('c').input, { truncated: { bytes: 20 } });
  assert.throws(() => insight.value('c', 'input', state), /input of step "c" \(20 B\) was not kept/);
  // A step run again replaces its input, freeing what the old one used.
  insight.keepInput('b', 'small', 7);
  insight.keepInput('c', { n: 3 }, 20);
  assert.deepEqual(insight.value('c', 'input', state), { n: 3 });
  assert.throws(() => insight.value('zz', 'input', undefined), /unknown step "zz"/);
  assert.throws(() => insight.value('a', 'secrets', state), /expected "input" or "output"/);
  assert.throws(() => insight.value('a', 'output', state), /step "a" has no output/);
});
