import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  builtinSteps,
  createDefaultRegistry,
  defineStep,
  loadStepModules,
  MAX_OUTPUT_BYTES,
  StepModuleError,
  StepRegistry,
  StepRegistryError,
  type StepContext,
  type StepInvocation,
} from '../../src/activities/index.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import { failureOf, stepEnv } from './activities-harness.js';

const noop = (name: string) => defineStep({ name, input: z.unknown(), run: () => null });

test('the default registry has the built-in steps echo, delay, fail, http.request and stepline.notify', () => {
  const registry = createDefaultRegistry();
  const builtins = ['echo', 'delay', 'fail', 'http.request', 'stepline.notify'];
  assert.deepEqual(registry.names(), builtins);
  assert.deepEqual(Object.keys(registry.activities()), builtins);
  assert.equal(registry.get('echo'), builtinSteps[0]);
  assert.ok(registry.has('http.request'));
  assert.ok(!registry.has('nope'));
  assert.equal(registry.activities()['http.request']?.name, 'http.request');
});

test('registering a second handler under a taken name fails with a clear error', () => {
  const registry = new StepRegistry().register(noop('load'));
  assert.throws(() => registry.register(noop('load')), {
    name: 'StepRegistryError',
    message: /duplicate step handler "load"/,
  });
  assert.throws(() => createDefaultRegistry([noop('echo')]), /duplicate step handler "echo".*built-in/);
});

test('registering the same handler object twice is harmless', () => {
  const handler = noop('load');
  assert.deepEqual(new StepRegistry().register(handler, handler).names(), ['load']);
});

test('only defineStep handlers can be registered', () => {
  const fake = { name: 'fake', input: z.unknown(), run: () => null };
  assert.throws(() => new StepRegistry().register(fake as never), {
    name: 'StepRegistryError',
    message: /argument 1 is not a step handler/,
  });
});

test('defineStep rejects names that cannot be activity types and handlers without a schema', () => {
  assert.throws(() => noop('has space'), StepRegistryError);
  assert.throws(() => noop(''), StepRegistryError);
  assert.throws(
    () => defineStep({ name: 'x', input: undefined as never, run: () => null }),
    /no input schema/,
  );
});

test('an input that fails the schema is a validation error naming the handler and the issue paths', async () => {
  const { run } = stepEnv();
  const { failure, details } = await failureOf(run('delay', { input: { ms: 'soon' } }));
  assert.equal(failure.type, 'validation');
  assert.equal(details.message, 'delay input invalid: ms: expected number, got string');
  assert.equal(details.code, 'INPUT_INVALID');
  assert.equal(details.severity, 'high');
});

test('nested input issues are reported with array indexes, all at once', async () => {
  const handler = defineStep({
    name: 'items',
    input: z.object({ items: z.array(z.object({ id: z.string() })), mode: z.enum(['a', 'b']) }),
    run: () => null,
  });
  const { run } = stepEnv({}, new StepRegistry().register(handler));
  const { details } = await failureOf(
    run('items', { input: { items: [{ id: 'x' }, { id: 7 }], mode: 'c' } }),
  );
  assert.equal(
    details.message,
    'items input invalid: items[1].id: expected string, got number; mode: Invalid option: expected one of "a"|"b"',
  );
});

test('an activity called without a step invocation fails as validation', async () => {
  const { env } = stepEnv();
  const activity = createDefaultRegistry().activities().echo!;
  const { details } = await failureOf(env.run(activity, 'just a string' as never));
  assert.equal(details.category, 'validation');
  assert.match(details.message, /echo was not called with a step invocation/);
});

test('an output that fails the output schema is a validation error', async () => {
  const handler = defineStep({
    name: 'count',
    input: z.unknown(),
    output: z.object({ count: z.number() }),
    run: () => ({ count: 'many' }) as never,
  });
  const { run } = stepEnv({}, new StepRegistry().register(handler));
  const { details } = await failureOf(run('count', {}));
  assert.equal(details.category, 'validation');
  assert.equal(details.message, 'count output invalid: count: expected number, got string');
});

test('the validated (transformed) input and output are what the handler gets and returns', async () => {
  const handler = defineStep({
    name: 'trim',
    input: z.string().transform((s) => s.trim()),
    output: z.object({ text: z.string() }),
    run: (text) => ({ text, extra: 'stripped by the output schema' }),
  });
  const { run } = stepEnv({}, new StepRegistry().register(handler));
  assert.deepEqual(await run('trim', { input: '  hi  ' }), { text: 'hi' });
});

test('an output over the 2 MB payload limit fails as resource and says to return a reference', async () => {
  const big = defineStep({
    name: 'big',
    input: z.unknown(),
    run: () => ({ data: 'x'.repeat(MAX_OUTPUT_BYTES) }),
  });
  const { run } = stepEnv({}, new StepRegistry().register(big));
  const { failure, details } = await failureOf(run('big', {}));
  assert.equal(failure.type, 'resource');
  assert.equal(details.code, 'OUTPUT_TOO_LARGE');
  assert.match(
    details.message,
    new RegExp(`^big output is at least ${MAX_OUTPUT_BYTES + 11} bytes, over Temporal's 2 MB`),
  );
  assert.match(details.message, /return a reference/);
});

test('an output just under the limit is returned', async () => {
  const fits = defineStep({ name: 'fits', input: z.unknown(), run: () => 'x'.repeat(MAX_OUTPUT_BYTES - 2) });
  const { run } = stepEnv({}, new StepRegistry().register(fits));
  assert.equal(((await run('fits', {})) as string).length, MAX_OUTPUT_BYTES - 2);
});

test('an output that is not JSON fails as validation (not retried), naming the path and what is wrong', async () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  let deep: unknown = 'bottom';
  for (let i = 0; i < LIMITS.maxNestingDepth + 1; i++) deep = [deep];
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['fn', () => ({ items: [1, 2, 3, () => 1] }), /: output\.items\[3\]: a function is not JSON;/],
    ['sym', () => Symbol('s'), /: output: a Symbol is not JSON;/],
    ['big', () => ({ n: 1n }), /: output\.n: a BigInt is not JSON;/],
    ['undef', () => [1, undefined], /: output\[1\]: undefined is not JSON \(in a list\);/],
    ['nan', () => ({ a: { b: Number.NaN } }), /: output\.a\.b: NaN is not a JSON number;/],
    ['inf', () => ({ x: Number.POSITIVE_INFINITY }), /: output\.x: Infinity is not a JSON number;/],
    ['deep', () => deep, /: output(\[0\])+: nested deeper than 64 levels;/],
    ['cycle', () => cyclic, /: output(\.self)+: nested deeper than 64 levels;/],
    [
      'tojson',
      () => ({ at: { toJSON: () => 1n } }),
      /: output: it cannot be serialized \(Do not know how to serialize a BigInt\);/,
    ],
  ];
  for (const [name, returns, message] of cases) {
    const handler = defineStep({ name: `out.${name}`, input: z.unknown(), run: returns });
    const { run } = stepEnv({}, new StepRegistry().register(handler));
    const { failure, details } = await failureOf(
      run(`out.${name}`, { recovery: {} } as Partial<StepInvocation>),
    );
    assert.equal(details.category, 'validation', name);
    assert.equal(details.code, 'OUTPUT_NOT_JSON', name);
    assert.match(details.message, new RegExp(`^out\\.${name} returned a value that is not JSON`), name);
    assert.match(details.message, message, name);
    assert.equal(failure.nonRetryable, true, `${name}: validation is fail_fast, never retried`);
  }
});

test('a top-level undefined output is allowed (it reaches the workflow as null)', async () => {
  const nothing = defineStep({ name: 'nothing', input: z.unknown(), run: () => undefined });
  const { run } = stepEnv({}, new StepRegistry().register(nothing));
  assert.equal(await run('nothing', {}), undefined);
});

test('the step context carries pipeline id, step id, index, attempt and a stable idempotency key', async () => {
  let seen: StepContext | undefined;
  const probe = defineStep({
    name: 'probe',
    input: z.unknown(),
    run: (_input, ctx) => {
      seen = ctx;
      ctx.log.info('probing', { extra: 1 });
      return null;
    },
  });
  const { run, logs } = stepEnv({ attempt: 3 }, new StepRegistry().register(probe));
  await run('probe', { stepId: 'enrich', index: 4 });
  assert.ok(seen);
  assert.equal(seen.pipelineId, 'pipe-1');
  assert.equal(seen.stepId, 'enrich');
  assert.equal(seen.index, 4);
  assert.equal(seen.attempt, 3);
  assert.equal(seen.idempotencyKey, 'pipe-1/enrich/4');
  const entry = logs.find((log) => log.message === 'probing');
  assert.equal(entry?.meta?.pipelineId, 'pipe-1');
  assert.equal(entry?.meta?.stepId, 'enrich');
  assert.equal(entry?.meta?.index, 4);
  assert.equal(entry?.meta?.extra, 1);

  await run('probe', { stepId: 'load' });
  assert.equal(seen.idempotencyKey, 'pipe-1/load');
  assert.equal(seen.index, undefined);
});

test('reportProgress heartbeats { percent, message } clamped to 0..100', async () => {
  const progress = defineStep({
    name: 'progress',
    input: z.unknown(),
    run: (_input, ctx) => {
      ctx.reportProgress(-5);
      ctx.reportProgress(42.5, 'halfway');
      ctx.reportProgress(250, 'done');
      ctx.heartbeat('raw');
      return null;
    },
  });
  const { run, heartbeats } = stepEnv({}, new StepRegistry().register(progress));
  await run('progress', {});
  assert.deepEqual(heartbeats, [
    { percent: 0 },
    { percent: 42.5, message: 'halfway' },
    { percent: 100, message: 'done' },
    'raw',
  ]);
});

test('ctx.sleep ends with the CancelledFailure when the activity is cancelled, and ctx.signal aborts', async () => {
  let signal: AbortSignal | undefined;
  const sleeper = defineStep({
    name: 'sleeper',
    input: z.unknown(),
    run: async (_input, ctx) => {
      signal = ctx.signal;
      await ctx.sleep(60_000);
      return 'woke';
    },
  });
  const { run, env } = stepEnv({}, new StepRegistry().register(sleeper));
  const started = Date.now();
  const running = run('sleeper', {});
  setTimeout(() => env.cancel(), 20);
  await assert.rejects(running, CancelledFailure);
  assert.ok(Date.now() - started < 5_000);
  assert.ok(signal?.aborted);
});

test('loadStepModules collects named exports and default arrays of handlers, each once', async () => {
  const handlers = await loadStepModules(['tests/fixtures/steps/greetings.ts']);
  assert.deepEqual(handlers.map((h) => h.name).sort(), ['fixture.greet', 'fixture.shout']);
  const { run } = stepEnv({}, createDefaultRegistry(handlers));
  assert.deepEqual(await run('fixture.greet', { input: { name: 'ada' } }), { greeting: 'hello ada' });
});

test('loading the same module twice gives each handler once', async () => {
  const handlers = await loadStepModules([
    './tests/fixtures/steps/greetings.ts',
    'tests/fixtures/steps/greetings.ts',
  ]);
  assert.equal(handlers.length, 2);
});

test('a step module that exports no handlers is an error naming its path', async () => {
  await assert.rejects(loadStepModules(['tests/fixtures/steps/no-handlers.ts']), (err: unknown) => {
    assert.ok(err instanceof StepModuleError);
    assert.equal(err.path, 'tests/fixtures/steps/no-handlers.ts');
    assert.match(err.message, /tests\/fixtures\/steps\/no-handlers\.ts exports no step handlers/);
    return true;
  });
});

test('a step module that fails to load is an error naming its path and the reason', async () => {
  await assert.rejects(loadStepModules(['tests/fixtures/steps/broken.ts']), {
    name: 'StepModuleError',
    message: /step module tests\/fixtures\/steps\/broken\.ts failed to load: boom while loading/,
  });
  await assert.rejects(loadStepModules(['./tests/fixtures/steps/missing.ts']), {
    name: 'StepModuleError',
    message: /step module \.\/tests\/fixtures\/steps\/missing\.ts not found/,
  });
  await assert.rejects(loadStepModules(['no-such-stepline-package']), {
    name: 'StepModuleError',
    message: /no-such-stepline-package failed to load/,
  });
});

test('a default export array with something that is not a handler is an error saying which', async () => {
  await assert.rejects(loadStepModules(['tests/fixtures/steps/bad-default.ts']), {
    name: 'StepModuleError',
    message: /default export \[1\] is not a step handler/,
  });
});
