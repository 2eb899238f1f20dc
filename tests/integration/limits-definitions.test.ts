import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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
