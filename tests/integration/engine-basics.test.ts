import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { historyEventTypes, testId, useTestEnv } from '../helpers/harness.js';

describe('pipeline engine on a real Temporal server', () => {
  const env = useTestEnv();

  test('a sequential pipeline runs its steps in order, passes outputs along and completes', async () => {
    const id = testId('seq');
    const result = await env.pipelines.startAndWait(
      {
        name: 'sequential',
        steps: [
          { id: 'first', activity: 'echo', input: { n: '{{ params.n }}', word: 'hello' } },
          {
            id: 'second',
            activity: 'echo',
            input: { previous: '{{ steps.first.output.n }}', text: 'n={{ steps.first.output.n }}' },
          },
        ],
      },
      { id, params: { n: 41 } },
    );
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.outputs.first, { n: 41, word: 'hello' });
    assert.deepEqual(result.outputs.second, { previous: 41, text: 'n=41' });
    assert.equal(result.progress.percent, 100);
    assert.deepEqual(
      result.progress.steps.map((s) => [s.id, s.status]),
      [
        ['first', 'succeeded'],
        ['second', 'succeeded'],
      ],
    );
    const events = await historyEventTypes(env.client, id);
    assert.equal(events.filter((e) => e === 'ACTIVITY_TASK_SCHEDULED').length, 2);
    assert.equal(events.at(-1), 'WORKFLOW_EXECUTION_COMPLETED');
  });
});
