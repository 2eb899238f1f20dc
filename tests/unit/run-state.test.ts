import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { validateDefinition } from '../../src/pipeline/validate.js';
import { RunState } from '../../src/workflows/run-state.js';

function definition(raw: unknown): PipelineDefinition {
  const validated = validateDefinition(raw);
  if (!validated.ok) throw new Error('invalid test definition');
  return validated.definition;
}

const twoSteps = definition({
  name: 'p',
  timeout: '1m',
  steps: [
    { id: 'a', activity: 'echo', compensate: { activity: 'echo' } },
    { id: 'b', activity: 'echo', dependsOn: ['a'] },
  ],
});
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:01.000Z';

test('every change to the run state bumps its version, with no caller touching it', () => {
  const state = new RunState('id', twoSteps, T0);
  const versions = [state.version];
  const changed = () => {
    assert.ok(state.version > versions.at(-1)!, 'version went up');
    versions.push(state.version);
  };
  state.startStep('a', T1);
  changed();
  state.setStatus('awaiting_approval', T1);
  changed();
  assert.equal(state.setStatus('awaiting_approval', T1), false, 'same status: no change');
  assert.equal(state.version, versions.at(-1));
  state.succeedStep('a', { ok: 1 }, T1, true);
  changed();
  state.setDetail('b', { prompt: 'go?' }, T1);
  changed();
  state.setStepError('b', { category: 'network', severity: 'low', message: 'x' }, T1);
  changed();
  state.failStep('b', { category: 'network', severity: 'low', message: 'x' }, T1);
  changed();
  state.clearCompensations(T1);
  changed();
  state.end(T1, { type: 'pipeline_failed', message: 'done' });
  changed();
});

test('a step run records its attempt, its start and its events; a compensable success joins the saga', () => {
  const state = new RunState('id', twoSteps, T0);
  state.startStep('a', T0);
  state.startStep('a', T1);
  assert.deepEqual({ ...state.step('a') }, { status: 'running', attempt: 2, startedAt: T0 });
  state.succeedStep('a', 'out', T1, true);
  state.skipStep('b', null, 'condition false', T1);
  assert.deepEqual(state.compensations, ['a']);
  assert.deepEqual({ ...state.outputs() }, { a: 'out', b: null });
  assert.deepEqual(
    state.progress('run', Date.parse(T1)).events.map((e) => e.type),
    ['step_started', 'step_started', 'step_succeeded', 'step_skipped'],
  );
  assert.deepEqual(state.checkpoint().compensations, ['a']);
});

test('cancelling leaves ended steps alone; ending the run cancels whatever is unfinished', () => {
  const state = new RunState('id', twoSteps, T0);
  state.failStep('a', { category: 'internal', severity: 'high', message: 'x' }, T1);
  assert.equal(state.cancelStep('a', T1), false);
  assert.equal(state.step('a').status, 'failed');
  state.setStepStatus('b', 'awaiting_intervention', T1);
  assert.deepEqual(state.cancelUnfinished(T1), ['b']);
  assert.equal(state.step('b').status, 'cancelled');
  assert.deepEqual(state.cancelUnfinished(T1), []);
});

test('forEach counters move with their items', () => {
  const state = new RunState('id', twoSteps, T0);
  state.setDetail('a', { items: { total: 2, succeeded: 0, failed: 0, running: 0 } }, T0);
  state.countItem('a', 'started', T1);
  state.countItem('a', 'started', T1);
  state.countItem('a', 'succeeded', T1);
  state.countItem('a', 'stopped', T1);
  state.countItem('a', 'failed', T1);
  assert.deepEqual(state.step('a').detail?.items, { total: 2, succeeded: 1, failed: 1, running: 1 });
});

test('the deadline comes from the timeout once, and is kept across checkpoints', () => {
  const state = new RunState('id', twoSteps, T0);
  assert.equal(state.deadline, '2026-01-01T00:01:00.000Z');
  const later = new RunState('id', twoSteps, T1, state.checkpoint());
  assert.equal(later.deadline, state.deadline);
  assert.equal(later.startedAt, T0);
});

test('a checkpoint with steps to rerun resets them to pending and resumes the version', () => {
  const state = new RunState('id', twoSteps, T0);
  state.succeedStep('a', 1, T0, false);
  state.succeedStep('b', 2, T0, false);
  const checkpoint = { ...state.checkpoint(), rerun: { stepIds: ['b', 'nope'] } };
  const resumed = new RunState('id', twoSteps, T1, checkpoint);
  assert.equal(resumed.step('a').status, 'succeeded');
  assert.deepEqual({ ...resumed.step('b') }, { status: 'pending', attempt: 0 });
  assert.equal(resumed.version, state.version);
});
