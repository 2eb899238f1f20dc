import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ending, startRaw, maxPendingActivities, scheduledActivityIds } from '../helpers/limits.js';
import { useTestEnv } from '../helpers/harness.js';
import { executionsOf, testSteps } from '../helpers/test-steps.js';
import { LIMITS } from '../../src/pipeline/limits.js';

describe('limits: counts Temporal caps are the engine’s job', () => {
  const env = useTestEnv({ steps: testSteps });

  test('a forEach over 5,000 items without maxConcurrency completes, never over the in-flight cap', async () => {
    const id = await startRaw(env, {
      definition: {
        name: 'wide',
        steps: [{ id: 'each', activity: 'echo', forEach: '{{ params.items }}', input: '{{ index }}' }],
      },
      params: { items: Array.from({ length: 5_000 }, (_, i) => i) },
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'COMPLETED', end.message);
    const output = end.result!.outputs.each as number[];
    assert.equal(output.length, 5_000);
    assert.deepEqual(output.slice(0, 3), [0, 1, 2]);
    assert.equal(output[4_999], 4_999);
    assert.equal(await maxPendingActivities(env, id), LIMITS.defaultMaxInFlightActivities);
  });

  test('maxInFlightActivities widens the bound for one run', async () => {
    const id = await startRaw(env, {
      definition: {
        name: 'wider',
        steps: [{ id: 'each', activity: 'echo', forEach: '{{ params.items }}', input: '{{ index }}' }],
      },
      params: { items: Array.from({ length: 400 }, (_, i) => i) },
      maxInFlightActivities: 300,
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'COMPLETED', end.message);
    assert.equal((end.result!.outputs.each as unknown[]).length, 400);
    const max = await maxPendingActivities(env, id);
    assert.ok(max > LIMITS.defaultMaxInFlightActivities && max <= 300, `${max} activities pending at once`);
  });

  test('an explicit maxConcurrency above the default widens the run’s bound to it', async () => {
    const id = await startRaw(env, {
      definition: {
        name: 'explicit',
        steps: [
          {
            id: 'each',
            activity: 'echo',
            forEach: '{{ params.items }}',
            maxConcurrency: 120,
            input: '{{ index }}',
          },
        ],
      },
      params: { items: Array.from({ length: 300 }, (_, i) => i) },
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'COMPLETED', end.message);
    const max = await maxPendingActivities(env, id);
    assert.ok(max > LIMITS.defaultMaxInFlightActivities && max <= 120, `${max} activities pending at once`);
  });

  test('a forEach resolving to more items than the limit fails the step as resource', async () => {
    const id = await startRaw(env, {
      definition: {
        name: 'too-wide',
        steps: [{ id: 'each', activity: 'echo', forEach: '{{ params.items }}', input: '{{ item }}' }],
      },
      params: { items: Array.from({ length: LIMITS.maxForEachItems + 1 }, () => 0) },
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'FAILED');
    assert.equal(end.details?.stepId, 'each');
    assert.equal(end.details?.category, 'resource');
    assert.deepEqual(await scheduledActivityIds(env, id), []);
  });

  test('parallel fan-outs share the run’s in-flight bound (maxInFlightActivities)', async () => {
    const fan = (id: string) => ({
      id,
      activity: 'test.record',
      dependsOn: [],
      forEach: '{{ params.items }}',
      input: { value: '{{ item }}' },
    });
    const id = await startRaw(env, {
      definition: { name: 'shared-bound', steps: [fan('a'), fan('b'), fan('c')] },
      params: { items: Array.from({ length: 60 }, (_, i) => i) },
      maxInFlightActivities: 25,
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'COMPLETED', end.message);
    assert.equal((end.result!.outputs.c as unknown[]).length, 60);
    const max = await maxPendingActivities(env, id);
    assert.ok(max <= 25, `${max} activities pending at once`);
    assert.equal(executionsOf(`${id}/`).length, 180, 'every item ran exactly once');
  });
});
