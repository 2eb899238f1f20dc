/**
 * The `stepline` CLI end to end, as child processes against the real dev server: start, follow, approve,
 * repair, cancel, resume, and the exit codes scripts rely on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PipelineSummary } from '../../src/client.js';
import type { PipelineProgress } from '../../src/pipeline/progress.js';
import { cli, fixture, startCli } from '../cli/run-cli.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

describe('stepline CLI against a real Temporal server', () => {
  const env = useTestEnv();
  const queue = () => ['--task-queue', env.taskQueue];

  test('run → watch → approve → completed: exit 3 while blocked, 2 for a refused approver, 0 at the end', async () => {
    const id = testId('cli-gate');
    const run = await cli([
      'run',
      fixture('gate.yaml'),
      '--id',
      id,
      '-p',
      '{"version":"1.2.3"}',
      '--until-blocked',
      ...queue(),
    ]);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, new RegExp(`started ${id}`));
    assert.match(run.stdout, /waiting for approval of go-live: "Ship 1\.2\.3\?" \(approvers: alice\)/);
    assert.match(run.stdout, new RegExp(`stepline approve ${id} go-live --by alice`));

    const status = await cli(['status', id, '--json', ...queue()]);
    assert.equal(status.code, 0, status.stderr);
    const progress = JSON.parse(status.stdout) as PipelineProgress;
    assert.equal(progress.status, 'awaiting_approval');
    assert.equal(progress.pending?.stepId, 'go-live');
    assert.deepEqual(
      progress.steps.map((s) => [s.id, s.status]),
      [
        ['build', 'succeeded'],
        ['go-live', 'awaiting_approval'],
        ['deploy', 'pending'],
      ],
    );

    const table = await cli(['status', id, ...queue()]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^STEP\s+STATUS\s+ATTEMPT/m);
    assert.match(table.stdout, /^go-live\s+awaiting_approval/m);

    const refused = await cli(['approve', id, 'go-live', '--by', 'mallory', ...queue()]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /"mallory" is not allowed to decide step "go-live"; approvers: alice/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, 'one line, no stack trace');

    const watcher = startCli(['watch', id, ...queue()]);
    // Generous: the watcher is a fresh node process, and CI machines are busy.
    await eventually(async () => watcher.stdout().includes('waiting for approval of go-live'), 60_000);
    const approved = await cli([
      'approve',
      id,
      'go-live',
      '--by',
      'alice',
      '--comment',
      'ship it',
      ...queue(),
    ]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /go-live of .* approved by alice; step is now succeeded/);

    const watched = await watcher.done;
    assert.equal(watched.code, 0, watched.stderr);
    const lines = watched.stdout.trim().split('\n');
    assert.ok(!watched.stdout.includes('\x1b['), 'no terminal escapes when stdout is not a TTY');
    assert.ok(
      lines.some((l) => /go-live approved by alice \("ship it"\)$/.test(l)),
      watched.stdout,
    );
    assert.ok(
      lines.some((l) => /pipeline cli-gate completed$/.test(l)),
      watched.stdout,
    );
    assert.match(
      lines.at(-1) ?? '',
      new RegExp(`^${id} completed after .* \\(3 succeeded, 0 failed, 0 skipped\\)$`),
    );

    const listed = await cli(['list', '--name', 'cli-gate', '--json', ...queue()]);
    assert.equal(listed.code, 0, listed.stderr);
    const found = (JSON.parse(listed.stdout) as PipelineSummary[]).find((p) => p.pipelineId === id);
    assert.equal(found?.status, 'completed');
  });

  test('run --watch exits 1 when the pipeline fails, after one plain line per change', async () => {
    const id = testId('cli-fail');
    const run = await cli(['run', fixture('failing.yaml'), '--id', id, '--watch', ...queue()]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /step broken failed \(validation\): the input file has no header row/);
    assert.match(run.stdout, new RegExp(`${id} failed after .* \\(1 succeeded, 1 failed, 0 skipped\\)`));
  });

  test('a step waiting for an intervention: --until-blocked exits 3, intervene retries it with new input', async () => {
    const id = testId('cli-repair');
    const run = await cli(['run', fixture('repairable.yaml'), '--id', id, '--until-blocked', ...queue()]);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /waiting for an intervention on fetch: validation: bad credentials file/);
    assert.match(run.stdout, new RegExp(`stepline intervene ${id} fetch --action retry`));

    const badInput = await cli([
      'intervene',
      id,
      'fetch',
      '--action',
      'retry',
      '--input',
      '{oops',
      ...queue(),
    ]);
    assert.equal(badInput.code, 2);
    assert.match(badInput.stderr, /^stepline: --input: invalid JSON at line 1, column 2/);

    const repaired = await cli([
      'intervene',
      id,
      'fetch',
      '--action',
      'retry',
      '--input',
      '{"times":0,"output":{"rows":3}}',
      '--by',
      'bob',
      '--reason',
      'fixed the credentials',
      ...queue(),
    ]);
    assert.equal(repaired.code, 0, repaired.stderr);
    const watched = await cli(['watch', id, '--json', ...queue()]);
    assert.equal(watched.code, 0, watched.stderr);
    const last = JSON.parse(watched.stdout.trim().split('\n').at(-1) ?? '{}') as PipelineProgress;
    assert.equal(last.status, 'completed');
    assert.deepEqual(
      last.decisions.map((d) => [d.stepId, d.kind, d.action, d.by, d.comment]),
      [['fetch', 'intervention', 'retry', 'bob', 'fixed the credentials']],
    );
  });

  test('cancel stops a waiting pipeline (watch exits 1); resume --from-step runs it again to completion', async () => {
    const id = testId('cli-cancel');
    const started = await cli([
      'run',
      fixture('gate.yaml'),
      '--id',
      id,
      '-p',
      '@tests/cli/fixtures/params.json',
      '--json',
      ...queue(),
    ]);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(Object.keys(JSON.parse(started.stdout) as object).sort(), ['pipelineId', 'runId']);
    await eventually(async () => (await env.pipelines.progress(id)).status === 'awaiting_approval', 30_000);

    const cancelled = await cli(['cancel', id, '--watch', ...queue()]);
    assert.equal(cancelled.code, 1, cancelled.stderr);
    assert.match(cancelled.stdout, new RegExp(`${id} cancelled after`));

    const resumed = await cli(['resume', id, '--from-step', 'go-live', '--until-blocked', ...queue()]);
    assert.equal(resumed.code, 3, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`resumed ${id}`));
    assert.match(resumed.stdout, /Ship 2\.0\.0\?/);

    const approved = await cli(['approve', id, 'go-live', '--by', 'alice', ...queue()]);
    assert.equal(approved.code, 0, approved.stderr);
    const watched = await cli(['watch', id, ...queue()]);
    assert.equal(watched.code, 0, watched.stderr);

    const refused = await cli(['resume', id, ...queue()]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /completed; there is nothing to resume/);
  });
});
