import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PipelineFailedError, PipelineRequestRejectedError } from '../../src/client.js';
import type { PipelineProgress } from '../../src/pipeline/progress.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

function gated(gate: Record<string, unknown> = {}) {
  return {
    name: 'gated',
    steps: [
      { id: 'count', activity: 'echo', input: { rows: 1234 } },
      {
        id: 'go-live',
        type: 'approval',
        prompt: 'Publish {{ steps.count.output.rows }} rows?',
        approvers: ['data-leads'],
        ...gate,
      },
      { id: 'publish', activity: 'echo', input: { gate: '{{ steps.go-live.output }}' } },
    ],
  };
}

describe('approval gates', () => {
  const env = useTestEnv();

  async function startGated(
    gate: Record<string, unknown> = {},
  ): Promise<{ id: string; progress: PipelineProgress }> {
    const id = testId('gate');
    await env.pipelines.start(gated(gate), { id });
    const progress = await eventually(async () => {
      const p = await env.pipelines.progress(id);
      return p.status === 'awaiting_approval' ? p : undefined;
    });
    return { id, progress };
  }

  test('a gate waits with its rendered prompt, approvers and deadline; approve (update) completes it', async () => {
    const { id, progress } = await startGated({ timeout: '1h' });
    assert.equal(progress.steps[1]!.status, 'awaiting_approval');
    assert.deepEqual(
      { ...progress.pending, since: undefined, deadline: undefined },
      {
        stepId: 'go-live',
        kind: 'approval',
        allowed: ['approve', 'reject'],
        approvers: ['data-leads'],
        prompt: 'Publish 1234 rows?',
        since: undefined,
        deadline: undefined,
      },
    );
    assert.ok(progress.pending?.deadline);
    const state = await env.pipelines.approve(id, 'go-live', { by: 'data-leads', comment: 'looks right' });
    assert.equal(state.status, 'succeeded');
    const result = await env.pipelines.result(id);
    assert.equal((result.outputs.publish as { gate: { by: string } }).gate.by, 'data-leads');
    const decision = result.progress.decisions.find((d) => d.kind === 'approval');
    assert.deepEqual(
      { action: decision?.action, by: decision?.by, comment: decision?.comment },
      { action: 'approve', by: 'data-leads', comment: 'looks right' },
    );
    assert.ok(
      result.progress.events.some(
        (e) => e.type === 'approved' && e.by === 'data-leads' && e.comment === 'looks right',
      ),
    );
  });

  test('reject (signal) fails the gate and the pipeline, recording who and why', async () => {
    const { id } = await startGated();
    await env.pipelines.signalApproval(id, {
      stepId: 'go-live',
      decision: 'reject',
      by: 'data-leads',
      comment: 'numbers off',
    });
    await assert.rejects(env.pipelines.result(id), (err: unknown) => {
      assert.ok(err instanceof PipelineFailedError);
      assert.equal(err.details?.stepId, 'go-live');
      assert.match(err.message, /rejected by data-leads: numbers off/);
      assert.ok(err.details?.progress.decisions.some((d) => d.action === 'reject' && d.by === 'data-leads'));
      return true;
    });
  });

  test('a decision by someone who is not an approver is refused (update) or ignored and noted (signal)', async () => {
    const { id, progress } = await startGated();
    await assert.rejects(
      env.pipelines.approve(id, 'go-live', { by: 'intern' }),
      (err: unknown) =>
        err instanceof PipelineRequestRejectedError &&
        /"intern" is not allowed to decide step "go-live"; approvers: data-leads/.test(err.message),
    );
    await assert.rejects(env.pipelines.approve(id, 'go-live'), PipelineRequestRejectedError);
    await env.pipelines.signalApproval(id, { stepId: 'go-live', decision: 'approve', by: 'intern' });
    const after = await eventually(async () => {
      const p = await env.pipelines.queryProgress(id);
      return p.events.some((e) => e.type === 'signal_rejected') ? p : undefined;
    });
    assert.equal(after.status, 'awaiting_approval');
    assert.ok(after.version > progress.version);
    await env.pipelines.approve(id, 'go-live', { by: 'data-leads' });
    await env.pipelines.result(id);
  });

  test('approving a step that is not a waiting gate is refused with a clear message', async () => {
    const { id } = await startGated();
    await assert.rejects(
      env.pipelines.approve(id, 'count', { by: 'data-leads' }),
      (err: unknown) =>
        err instanceof PipelineRequestRejectedError &&
        /step "count" is not waiting for an approval/.test(err.message),
    );
    await assert.rejects(
      env.pipelines.intervene(id, { stepId: 'go-live', action: 'skip' }),
      (err: unknown) =>
        err instanceof PipelineRequestRejectedError && /not waiting for an intervention/.test(err.message),
    );
    await env.pipelines.reject(id, 'go-live', { by: 'data-leads' });
    await assert.rejects(env.pipelines.result(id));
  });

  test('after escalate.after, the escalation approvers may decide too and the escalation is recorded', async () => {
    const { id } = await startGated({ escalate: { after: '1s', to: ['on-call'] } });
    await assert.rejects(
      env.pipelines.approve(id, 'go-live', { by: 'on-call' }),
      PipelineRequestRejectedError,
    );
    const escalated = await eventually(async () => {
      const p = await env.pipelines.queryProgress(id);
      return p.events.some((e) => e.type === 'escalated') ? p : undefined;
    });
    assert.deepEqual(escalated.pending?.approvers, ['data-leads', 'on-call']);
    assert.ok(escalated.decisions.some((d) => d.kind === 'escalation'));
    await env.pipelines.approve(id, 'go-live', { by: 'on-call', comment: 'paged' });
    const result = await env.pipelines.result(id);
    assert.equal((result.outputs.publish as { gate: { by: string } }).gate.by, 'on-call');
  });

  for (const [onTimeout, expected] of [
    ['approve', 'succeeded'],
    ['skip', 'skipped'],
    ['reject', 'failed'],
  ] as const) {
    test(`a gate nobody decides within its timeout follows onTimeout: ${onTimeout}`, async () => {
      const id = testId(`gate-timeout-${onTimeout}`);
      await env.pipelines.start(gated({ timeout: '1s', onTimeout }), { id });
      const progress =
        expected === 'failed'
          ? await assert.rejects(env.pipelines.result(id)).then(() => env.pipelines.queryProgress(id))
          : (await env.pipelines.result(id)).progress;
      assert.equal(progress.steps[1]!.status, expected);
      assert.ok(progress.decisions.some((d) => d.kind === 'timeout' && d.action === onTimeout));
      assert.ok(progress.events.some((e) => e.type === 'approval_timeout'));
    });
  }
});
