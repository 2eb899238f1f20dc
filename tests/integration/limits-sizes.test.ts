import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blob, ending, startRaw, scheduledActivityIds, echo, KB } from '../helpers/limits.js';
import { useTestEnv } from '../helpers/harness.js';
import { executionsOf, testSteps } from '../helpers/test-steps.js';
import { outputQuery } from '../../src/workflows/messages.js';

describe('limits: sizes are accounted before Temporal sees them', () => {
  const env = useTestEnv({ steps: [...testSteps, blob] });

  test('two 1.2 MB outputs: the pipeline completes; the result leaves one out, readable by query', async () => {
    const id = await startRaw(env, {
      definition: {
        name: 'big-outputs',
        steps: [
          { id: 'a', activity: 'limits.blob', input: { bytes: 1_200_000 } },
          { id: 'b', activity: 'limits.blob', input: { bytes: 1_200_000 } },
        ],
      },
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'COMPLETED', end.message);
    const outputs = end.result!.outputs;
    const omitted = Object.entries(outputs).filter(
      ([, v]) => (v as { $stepline?: string } | null)?.$stepline === 'omitted_output',
    );
    assert.equal(omitted.length, 1, 'one output left out of the result');
    const [stepId, marker] = omitted[0]!;
    assert.deepEqual(marker, { $stepline: 'omitted_output', stepId, bytes: 1_200_002, query: 'output' });
    const full = await env.client.workflow.getHandle(id).query(outputQuery, stepId);
    assert.equal((full as string).length, 1_200_000);
  });

  test('outputs past the pipeline’s budget fail that step as resource, and compensations run', async () => {
    const id = await startRaw(env, {
      definition: {
        name: 'budget',
        onFailure: 'rollback',
        steps: [
          {
            id: 'a',
            activity: 'limits.blob',
            input: { bytes: 1_900_000 },
            compensate: { activity: 'test.record', input: { value: 'undo-a' } },
          },
          { id: 'b', activity: 'limits.blob', input: { bytes: 1_900_000 } },
          { id: 'c', activity: 'limits.blob', input: { bytes: 1_900_000 } },
        ],
      },
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'FAILED');
    assert.equal(end.details?.stepId, 'c');
    assert.equal(end.details?.category, 'resource');
    assert.equal(end.details?.status, 'rolled_back');
    assert.equal(end.details?.compensated, true);
    assert.match(end.message ?? '', /kept outputs/);
    assert.deepEqual(
      executionsOf(`${id}/`).map((e) => (e.input as { value?: unknown }).value),
      ['undo-a'],
    );
  });

  test('a forEach of 30 × 100 KB outputs fails the step as resource; compensations run', async () => {
    const id = await startRaw(env, {
      definition: {
        name: 'fan-bytes',
        onFailure: 'rollback',
        steps: [
          {
            id: 'first',
            activity: 'echo',
            input: {},
            compensate: { activity: 'test.record', input: { value: 'undo-first' } },
          },
          {
            id: 'each',
            activity: 'limits.blob',
            forEach: '{{ params.items }}',
            maxConcurrency: 5,
            input: { bytes: 100_000 },
          },
        ],
      },
      params: { items: Array.from({ length: 30 }, (_, i) => i) },
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'FAILED');
    assert.equal(end.details?.stepId, 'each');
    assert.equal(end.details?.category, 'resource');
    assert.equal(end.details?.compensated, true);
    assert.deepEqual(
      executionsOf(`${id}/`).map((e) => (e.input as { value?: unknown }).value),
      ['undo-first'],
    );
  });

  for (const repeats of [100, 200]) {
    test(`a template repeating a 30 KB param ${repeats} times fails the step as resource before scheduling`, async () => {
      const id = await startRaw(env, {
        definition: {
          name: 'amplified',
          steps: [
            echo('ok'),
            { id: 'boom', activity: 'echo', input: { text: '{{ params.blob }}'.repeat(repeats) } },
          ],
        },
        params: { blob: 'y'.repeat(30 * KB) },
      });
      const end = await ending(env, id);
      assert.equal(end.status, 'FAILED');
      assert.equal(end.details?.stepId, 'boom');
      assert.equal(end.details?.category, 'resource');
      assert.match(end.message ?? '', /rendered input would be over 1 MiB/);
      assert.deepEqual(await scheduledActivityIds(env, id), ['ok']);
    });
  }
});
