import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CURRENT_ENGINE, ENGINE_VERSIONS } from '../../src/pipeline/contract.js';
import { blob, ending, startRaw, scheduledActivityIds, nested, echo } from '../helpers/limits.js';
import { useTestEnv } from '../helpers/harness.js';
import { testSteps } from '../helpers/test-steps.js';

describe('limits: definitions the workflow itself refuses, with the path', () => {
  const env = useTestEnv({ steps: [...testSteps, blob] });

  const cases: Array<{ name: string; request: Record<string, unknown>; path: RegExp }> = [
    {
      name: 'a pipeline timeout past what Date can hold',
      request: { definition: { name: 'l', timeout: '99999999d', steps: [echo('a')] } },
      path: /^definition\.timeout: /m,
    },
    {
      name: 'a numeric pipeline timeout of 1e300',
      request: { definition: { name: 'l', timeout: 1e300, steps: [echo('a')] } },
      path: /^definition\.timeout: /m,
    },
    {
      name: 'retry.maxAttempts past int32',
      request: { definition: { name: 'l', steps: [echo('a', { retry: { maxAttempts: 2147483648 } })] } },
      path: /^definition\.steps\[0\]\.retry\.maxAttempts: /m,
    },
    {
      name: 'defaults.retry.maxInterval of 1e300 ms',
      request: { definition: { name: 'l', defaults: { retry: { maxInterval: 1e300 } }, steps: [echo('a')] } },
      path: /^definition\.defaults\.retry\.maxInterval: /m,
    },
    {
      name: 'an input nested 1,900 lists deep',
      request: { definition: { name: 'l', steps: [echo('a', { input: nested(1_900) })] } },
      path: /^definition\.steps\[0\]\.input/m,
    },
    {
      name: 'an approval timeout of 1e300',
      request: { definition: { name: 'l', steps: [{ id: 'g', type: 'approval', timeout: 1e300 }] } },
      path: /^definition\.steps\[0\]\.timeout: /m,
    },
    {
      name: 'an escalation after 1e300 ms',
      request: {
        definition: {
          name: 'l',
          steps: [{ id: 'g', type: 'approval', escalate: { after: 1e300, to: ['x'] } }],
        },
      },
      path: /^definition\.steps\[0\]\.escalate\.after: /m,
    },
    {
      name: 'an intervention timeout of 1e300',
      request: {
        definition: {
          name: 'l',
          steps: [echo('a', { recovery: [{ strategy: 'manual_intervention', timeout: 1e300 }] })],
        },
      },
      path: /^definition\.steps\[0\]\.recovery\[0\]\.timeout: /m,
    },
    {
      name: '2,001 independent steps',
      request: {
        definition: {
          name: 'l',
          steps: Array.from({ length: 2_001 }, (_, i) => echo(`s${i}`, { dependsOn: [] })),
        },
      },
      path: /^definition\.steps: /m,
    },
    {
      name: 'params nested 2,000 deep',
      request: { definition: { name: 'l', steps: [echo('a')] }, params: { p: nested(2_000) } },
      path: /^params\.p/m,
    },
    {
      name: 'a checkpoint whose deadline is no date (it would become a timer of NaN ms)',
      request: {
        definition: { name: 'l', steps: [echo('a')] },
        resumeFrom: {
          steps: {},
          events: [],
          decisions: [],
          compensations: [],
          startedAt: '2026-01-01T00:00:00.000Z',
          eventSeq: 0,
          progressVersion: 0,
          deadline: 'not a date',
        },
      },
      path: /^resumeFrom\.deadline: /m,
    },
    {
      name: 'a continueAsNewAfterEvents of -5',
      request: { definition: { name: 'l', steps: [echo('a')] }, continueAsNewAfterEvents: -5 },
      path: /^continueAsNewAfterEvents: /m,
    },
  ];

  for (const { name, request, path } of cases) {
    test(`${name}: the run fails at once, naming the path`, async () => {
      const id = await startRaw(env, request, 'invalid');
      const end = await ending(env, id);
      assert.equal(end.status, 'FAILED');
      assert.equal(end.failureType, 'InvalidDefinition', end.message);
      assert.match(end.message ?? '', path);
      assert.deepEqual(await scheduledActivityIds(env, id), [], 'nothing ran');
    });
  }

  // The workflow picks its engine's code path from the raw request before validating it (a number of 2
  // or more takes the lean path, anything else engine 1's): a bad `engine` must end the run on either path.
  const badEngines: Array<[engine: unknown, got: string]> = [
    [CURRENT_ENGINE + 1, String(CURRENT_ENGINE + 1)],
    [0, '0'],
    ['2', '"2"'],
    [1.5, '1.5'],
    [-1, '-1'],
    [2 ** 53, '9007199254740992'],
    [1e300, '1e+300'],
    [null, 'null'],
  ];
  for (const [engine, got] of badEngines) {
    test(`an engine of ${got}: the run fails at once with InvalidDefinition naming the path engine`, async () => {
      const id = await startRaw(env, { definition: { name: 'l', steps: [echo('a')] }, engine }, 'engine');
      const end = await ending(env, id);
      assert.equal(end.status, 'FAILED');
      assert.equal(end.failureType, 'InvalidDefinition', end.message);
      const versions = `${ENGINE_VERSIONS.slice(0, -1).join(', ')} or ${ENGINE_VERSIONS.at(-1)}`;
      const issue = { path: 'engine', message: `expected an engine version (${versions}); got ${got}` };
      assert.deepEqual(end.details, [issue], "the failure's details list the issue");
      assert.deepEqual(end.message?.split('\n').slice(1), [`engine: ${issue.message}`], end.message);
      assert.deepEqual(await scheduledActivityIds(env, id), [], 'nothing ran');
    });
  }

  test('after those refusals the worker goes on serving: a raw request on each engine (or none) completes', async () => {
    for (const engine of [undefined, ...ENGINE_VERSIONS]) {
      const input = { engine: engine ?? 'absent' };
      const id = await startRaw(
        env,
        {
          definition: { name: 'l', steps: [echo('a', { input })] },
          ...(engine === undefined ? {} : { engine }),
        },
        'engine-ok',
      );
      const end = await ending(env, id);
      assert.equal(end.status, 'COMPLETED', end.message);
      assert.deepEqual(end.result?.outputs, { a: input });
      assert.equal((await scheduledActivityIds(env, id)).length, 1, 'its one step ran once');
    }
  });

  test('a malformed resumeFrom fails the run cleanly, not a task-retry loop', async () => {
    const id = await startRaw(env, {
      definition: { name: 'l', steps: [echo('a')] },
      resumeFrom: { steps: 'x', events: 5 },
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'FAILED');
    assert.match(end.message ?? '', /resumeFrom/);
  });
});
