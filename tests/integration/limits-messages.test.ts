import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ending, startRaw, echo, KB, MB } from '../helpers/limits.js';
import { eventually, useTestEnv } from '../helpers/harness.js';
import { testSteps } from '../helpers/test-steps.js';
import { LIMITS } from '../../src/pipeline/limits.js';

describe('limits: messages are capped on arrival', () => {
  const env = useTestEnv({ steps: testSteps });

  test('oversize approvals are refused and noted briefly; the gate still works', async () => {
    const id = await startRaw(env, {
      definition: { name: 'gate', steps: [{ id: 'go', type: 'approval' }, echo('after')] },
    });
    await eventually(async () => {
      assert.equal((await env.pipelines.queryProgress(id)).status, 'awaiting_approval');
      return true;
    });
    const handle = env.client.workflow.getHandle(id);
    const huge = 'c'.repeat(1 * MB - 200);
    for (let i = 0; i < 2; i++) {
      await handle.signal('approval', { stepId: 'go', decision: 'approve', by: 'x', comment: huge });
    }
    await handle.signal('approval', { stepId: 'z'.repeat(5_000), decision: 'approve' });
    await assert.rejects(
      env.pipelines.approve(id, 'go', { by: 'x', comment: 'e'.repeat(3_000) }),
      /comment is 3000 characters; at most 2000/,
    );
    await assert.rejects(
      env.pipelines.approve(id, 'go', { by: 'x', comment: 'd'.repeat(1.5 * MB) }),
      /approval payload is over 1 MiB, the message limit/,
    );
    const progress = await eventually(async () => {
      const p = await env.pipelines.progress(id);
      assert.equal(p.events.filter((e) => e.type === 'signal_rejected').length, 3);
      return p;
    });
    assert.equal(progress.status, 'awaiting_approval');
    assert.ok(JSON.stringify(progress).length < 64 * KB, 'progress stays small');
    for (const event of progress.events) assert.ok(event.message.length <= LIMITS.maxEventMessageLength);
    await env.pipelines.approve(id, 'go', { by: 'x', comment: 'fine' });
    const end = await ending(env, id);
    assert.equal(end.status, 'COMPLETED');
  });
});
