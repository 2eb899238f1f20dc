import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ending, startRaw, scheduledActivityIds } from '../helpers/limits.js';
import { useTestEnv } from '../helpers/harness.js';
import { testSteps } from '../helpers/test-steps.js';
import type { PipelineResult } from '../../src/pipeline/contract.js';

describe('limits: step ids that are also prototype names', () => {
  const env = useTestEnv({ steps: testSteps });

  test('steps __proto__ and constructor keep their outputs, and resume does not run them again', async () => {
    const id = await startRaw(env, {
      definition: {
        name: 'proto',
        steps: [
          { id: '__proto__', activity: 'echo', input: { kept: 1 } },
          { id: 'constructor', activity: 'echo', input: { kept: 2 } },
          { id: 'last', activity: 'test.flaky', input: { succeedOnRun: 2 }, retry: { maxAttempts: 1 } },
        ],
      },
    });
    const end = await ending(env, id);
    assert.equal(end.status, 'FAILED');
    assert.equal(end.details?.stepId, 'last');
    const checkpoint = await env.pipelines.checkpoint(id);
    assert.ok(Object.hasOwn(checkpoint.steps, '__proto__'));
    assert.equal(checkpoint.steps['__proto__']!.status, 'succeeded');
    assert.deepEqual(checkpoint.steps['__proto__']!.output, { kept: 1 });

    const { runId } = await env.pipelines.resume(id);
    const resumed = (await env.client.workflow.getHandle(id, runId).result()) as PipelineResult;
    assert.ok(Object.hasOwn(resumed.outputs, '__proto__'));
    assert.deepEqual(resumed.outputs['__proto__'], { kept: 1 });
    assert.deepEqual(resumed.outputs.constructor, { kept: 2 });
    assert.deepEqual(await scheduledActivityIds(env, id, runId), ['last']);
  });
});
