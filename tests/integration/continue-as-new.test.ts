import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

async function runIds(env: ReturnType<typeof useTestEnv>, workflowId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs.push(execution.runId);
  }
  return runs;
}

describe('continue-as-new', () => {
  const env = useTestEnv();

  test('a 300-step pipeline continues as new several times and ends with every output and continuous progress', async () => {
    const id = testId('long');
    const steps = Array.from({ length: 300 }, (_, i) => ({
      id: `s${i}`,
      activity: 'echo',
      input: i === 0 ? { n: 0 } : { n: `{{ steps.s${i - 1}.output.n }}`, i },
    }));
    await env.pipelines.start({ name: 'long', steps }, { id, continueAsNewAfterEvents: 400 });
    // progress keeps flowing across runs under the same id
    const versions: number[] = [];
    const percents: number[] = [];
    for await (const progress of env.pipelines.watch(id, { intervalMs: 200 })) {
      versions.push(progress.version);
      percents.push(progress.percent);
    }
    const result = await env.pipelines.result(id);
    assert.equal(result.status, 'completed');
    assert.equal(Object.keys(result.outputs).length, 300);
    assert.deepEqual(result.outputs.s299, { n: 0, i: 299 });
    assert.equal(result.progress.counts.succeeded, 300);
    assert.equal(result.progress.percent, 100);
    const sorted = [...versions].sort((a, b) => a - b);
    assert.deepEqual(versions, sorted, 'version never goes back across runs');
    assert.deepEqual(
      percents,
      [...percents].sort((a, b) => a - b),
      'percent never goes back',
    );
    const seqs = result.progress.events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0]! + i),
      'event numbering is continuous across runs',
    );
    const runs = await eventually(async () => {
      const found = await runIds(env, id);
      return found.length > 2 ? found : undefined;
    });
    assert.ok(runs.length >= 3, `several runs (${runs.length})`);
  });

  test('an approval sent after the hand-over reaches the gate in the new run', async () => {
    const id = testId('long-gate');
    const steps = [
      ...Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, activity: 'echo', input: { i } })),
      { id: 'gate', type: 'approval' },
      { id: 'after', activity: 'echo', input: { done: true } },
    ];
    await env.pipelines.start({ name: 'long-gate', steps }, { id, continueAsNewAfterEvents: 100 });
    const waiting = await eventually(async () => {
      const p = await env.pipelines.progress(id);
      return p.status === 'awaiting_approval' ? p : undefined;
    }, 60_000);
    assert.ok(
      waiting.events.some((e) => e.type === 'pipeline_continued'),
      'the gate is reached in a later run',
    );
    assert.equal(waiting.counts.succeeded, 40);
    const state = await env.pipelines.approve(id, 'gate', { by: 'ops' });
    assert.equal(state.status, 'succeeded');
    const result = await env.pipelines.result(id);
    assert.deepEqual(result.outputs.after, { done: true });
    assert.ok(result.progress.decisions.some((d) => d.stepId === 'gate' && d.by === 'ops'));
  });
});
