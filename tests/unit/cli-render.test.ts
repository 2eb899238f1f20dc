/**
 * The CLI's pure parts: how progress is shown (status table, plain lines, live frame), text primitives,
 * `JSON|@file` option values and exit codes.
 */
process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sinceOf } from '../../src/cli/commands/list.js';
import { bar, duration, shellWord, stripAnsi, truncate, visibleWidth } from '../../src/cli/format.js';
import { CliError, EXIT, exitCodeForStatus, describeError } from '../../src/cli/exit.js';
import { parseJsonObject, parseJsonValue } from '../../src/cli/input.js';
import {
  answerCommands,
  frameLines,
  listLines,
  plainLines,
  statusLines,
  summaryLine,
} from '../../src/cli/render.js';
import { DefinitionError } from '../../src/pipeline/errors.js';
import type { PipelineProgress, StepProgress } from '../../src/pipeline/progress.js';

const T0 = Date.parse('2026-05-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function step(id: string, status: StepProgress['status'], extra: Partial<StepProgress> = {}): StepProgress {
  return { id, name: id, status, attempt: status === 'pending' ? 0 : 1, path: `steps[${id}]`, ...extra };
}

/** A release at its approval gate: build done, tests running with heartbeat progress. */
function releaseProgress(overrides: Partial<PipelineProgress> = {}): PipelineProgress {
  return {
    pipelineId: 'release-1',
    runId: 'run-1',
    name: 'release',
    status: 'running',
    startedAt: at(0),
    updatedAt: at(5000),
    percent: 40,
    etaMs: 7500,
    counts: { total: 5, pending: 2, running: 1, succeeded: 2, failed: 0, skipped: 0, compensated: 0 },
    steps: [
      step('build', 'succeeded', { startedAt: at(0), endedAt: at(1500), durationMs: 1500 }),
      step('lint', 'succeeded', { startedAt: at(0), endedAt: at(800), durationMs: 800 }),
      step('tests', 'running', { startedAt: at(1500), detail: { percent: 50, message: 'suite 2 of 4' } }),
      step('go-live', 'pending'),
      step('deploy', 'pending'),
    ],
    events: [
      { seq: 1, at: at(0), type: 'pipeline_started', message: 'pipeline release started' },
      { seq: 2, at: at(1500), type: 'step_succeeded', stepId: 'build', message: 'step build succeeded' },
    ],
    decisions: [],
    version: 7,
    ...overrides,
  };
}

function awaitingApproval(): PipelineProgress {
  const p = releaseProgress();
  return {
    ...p,
    status: 'awaiting_approval',
    percent: 60,
    steps: p.steps.map((s) =>
      s.id === 'tests'
        ? step('tests', 'succeeded', { durationMs: 3000 })
        : s.id === 'go-live'
          ? step('go-live', 'awaiting_approval', { startedAt: at(4500), detail: { prompt: 'Ship 1.2?' } })
          : s,
    ),
    pending: {
      stepId: 'go-live',
      kind: 'approval',
      allowed: ['approve', 'reject'],
      approvers: ['alice'],
      prompt: 'Ship 1.2?',
      since: at(4500),
    },
    events: [
      ...p.events,
      { seq: 3, at: at(4500), type: 'approval_requested', stepId: 'go-live', message: 'Ship 1.2?' },
    ],
    version: 9,
  };
}

describe('status table', () => {
  test('one row per step with status, attempt, time, progress and a note', () => {
    const lines = statusLines(releaseProgress(), { now: T0 + 5000 });
    assert.match(
      lines[0] ?? '',
      /^release release-1 {2}running {2}40% {2}ETA 7\.5s {2}2\/5 steps {2}elapsed 5\.0s$/,
    );
    assert.match(lines[2] ?? '', /^STEP +STATUS +ATTEMPT +TIME +PROGRESS +NOTE$/);
    assert.match(lines[3] ?? '', /^build +succeeded +1 +1\.5s$/);
    assert.match(lines[5] ?? '', /^tests +running +1 +3\.5s +50% +suite 2 of 4$/);
    assert.match(lines[6] ?? '', /^go-live +pending$/);
  });

  test('a waiting gate is followed by the exact commands that answer it; no ETA while waiting', () => {
    const lines = statusLines(awaitingApproval(), { now: T0 + 6000, command: 'stepline --address h:1' });
    assert.doesNotMatch(lines[0] ?? '', /ETA/);
    const text = lines.join('\n');
    assert.match(text, /Waiting for approval of go-live: "Ship 1\.2\?" \(approvers: alice\)/);
    assert.match(text, /^ {2}stepline --address h:1 approve release-1 go-live --by alice$/m);
    assert.match(text, /^ {2}stepline --address h:1 reject release-1 go-live --by alice --comment '<why>'$/m);
  });

  test('a failed pipeline ends with the reason it failed', () => {
    const p = releaseProgress({
      status: 'failed',
      completedAt: at(9000),
      steps: [
        step('build', 'failed', {
          error: { category: 'network', severity: 'medium', message: 'ECONNRESET\nmore' },
        }),
      ],
      events: [
        {
          seq: 5,
          at: at(9000),
          type: 'pipeline_failed',
          message: 'step "build" failed (network, medium): ECONNRESET',
        },
      ],
    });
    const lines = statusLines(p, { now: T0 + 20_000 });
    assert.match(lines[0] ?? '', /failed .* took 9\.0s$/);
    assert.match(lines.join('\n'), /^build +failed +1 +network: ECONNRESET$/m);
    assert.equal(lines.at(-1), 'step "build" failed (network, medium): ECONNRESET');
  });
});

describe('answer commands', () => {
  test('an intervention lists one command per allowed action, with input/output hints; ids are shell-quoted', () => {
    const p = releaseProgress({ pipelineId: "it's-1" });
    const waiting = step('tests', 'awaiting_intervention');
    const commands = answerCommands(p, waiting, {
      stepId: 'tests',
      kind: 'intervention',
      allowed: ['retry', 'skip', 'abort'],
      since: at(0),
    });
    assert.deepEqual(commands, [
      `stepline intervene 'it'\\''s-1' tests --action retry [--input '<json>']`,
      `stepline intervene 'it'\\''s-1' tests --action skip [--output '<json>']`,
      `stepline intervene 'it'\\''s-1' tests --action abort`,
    ]);
  });
});

describe('plain lines (stdout not a terminal)', () => {
  test('the first poll prints a header and the history without percents', () => {
    const lines = plainLines(undefined, releaseProgress(), { now: T0 + 5000 });
    assert.deepEqual(lines.slice(0, 3), [
      '12:00:05 [ 40%] release release-1: running',
      '12:00:00        pipeline release started',
      '12:00:01        step build succeeded',
    ]);
    assert.equal(lines[3], '12:00:05 [ 40%] tests: 50%, suite 2 of 4');
  });

  test('later polls print one line per new event, heartbeat change and new wait, nothing when nothing changed', () => {
    const first = releaseProgress();
    assert.deepEqual(plainLines(first, first, { now: T0 + 5000 }), []);
    const later = awaitingApproval();
    const lines = plainLines(first, later, { now: T0 + 6000 });
    assert.deepEqual(lines, [
      '12:00:04 [ 60%] go-live: Ship 1.2?',
      '12:00:04 [ 60%] waiting for approval of go-live: "Ship 1.2?" (approvers: alice)',
      '    stepline approve release-1 go-live --by alice',
      "    stepline reject release-1 go-live --by alice --comment '<why>'",
    ]);
    assert.deepEqual(plainLines(later, later), []);
  });

  test('decisions show who and why; the summary counts the outcome', () => {
    const p = releaseProgress({
      status: 'completed',
      percent: 100,
      completedAt: at(12_000),
      counts: { total: 5, pending: 0, running: 0, succeeded: 4, failed: 0, skipped: 1, compensated: 0 },
      events: [
        {
          seq: 3,
          at: at(9000),
          type: 'approved',
          stepId: 'go-live',
          message: 'go-live approved by alice',
          by: 'alice',
          comment: 'ok',
        },
      ],
    });
    const lines = plainLines(releaseProgress(), p);
    assert.equal(lines[0], '12:00:09 [100%] go-live approved by alice ("ok")');
    assert.equal(summaryLine(p), 'release-1 completed after 12s (4 succeeded, 0 failed, 1 skipped)');
  });
});

describe('live frame (a terminal)', () => {
  test('overall bar with percent and ETA, a bar per running step, every line within the width', () => {
    const lines = frameLines(releaseProgress(), { now: T0 + 5000, width: 80, height: 30 });
    assert.match(lines[1] ?? '', /^\[█+░+\] {2}40% {2}ETA 7\.5s$/);
    const tests = lines.find((l) => l.includes(' tests '));
    assert.match(tests ?? '', /^⠋ tests +\[█+░+\] +50% +3\.5s {2}suite 2 of 4$/);
    assert.match(lines.find((l) => l.includes('build')) ?? '', /^✓ build +succeeded +1\.5s$/);
    assert.ok(lines.includes('Recent events'));
    assert.equal(lines.at(-1), '12:00:01  step build succeeded');
    for (const line of lines) assert.ok(visibleWidth(line) <= 80, line);
  });

  test('a waiting gate shows the commands; colours never change the layout', () => {
    const plain = frameLines(awaitingApproval(), { now: T0 + 6000, width: 100 });
    const coloured = frameLines(awaitingApproval(), { now: T0 + 6000, width: 100, color: true });
    assert.deepEqual(coloured.map(stripAnsi), plain);
    assert.ok(coloured.some((l) => l.includes('\x1b[')));
    assert.ok(plain.includes('  stepline approve release-1 go-live --by alice'));
  });

  test('many steps in a short terminal: active ones first, the rest counted, never taller than the height', () => {
    const steps = Array.from({ length: 40 }, (_, i) =>
      step(`s${i}`, i === 30 ? 'running' : i < 20 ? 'succeeded' : 'pending'),
    );
    const lines = frameLines(releaseProgress({ steps }), { now: T0, width: 100, height: 15 });
    assert.ok(lines.length <= 15);
    assert.ok(
      lines.some((l) => / s30 /.test(l)),
      'the running step is shown',
    );
    assert.ok(lines.some((l) => /… \d+ more step\(s\): /.test(l)));
  });
});

describe('text primitives', () => {
  test('bars, durations, truncation and shell quoting', () => {
    assert.equal(bar(50, 10), '[█████░░░░░]');
    assert.equal(bar(250, 4), '[████]');
    assert.deepEqual([850, 4210, 65_000, 7_380_000, 97_200_000].map(duration), [
      '850ms',
      '4.2s',
      '1m05s',
      '2h03m',
      '1d03h',
    ]);
    assert.equal(truncate('abcdefgh', 5), 'abcd…');
    assert.equal(stripAnsi(truncate('\x1b[31mabcdefgh\x1b[39m', 5)), 'abcd…');
    assert.equal(truncate('short', 10), 'short');
    assert.equal(shellWord('release-1.2'), 'release-1.2');
    assert.equal(shellWord('a b'), "'a b'");
  });

  test('list rows', () => {
    const lines = listLines(
      [
        {
          pipelineId: 'r-1',
          runId: 'x',
          name: 'release',
          status: 'completed',
          startedAt: at(0),
          closedAt: at(65_000),
        },
      ],
      { now: T0 },
    );
    assert.match(lines[0] ?? '', /^ID +NAME +STATUS +STARTED +DURATION$/);
    assert.match(lines[1] ?? '', /^r-1 +release +completed +2026-05-01 12:00:00 +1m05s$/);
    assert.deepEqual(listLines([]), ['no pipelines found']);
  });
});

describe('option values and exit codes', () => {
  test('JSON values, @files and clear errors', () => {
    assert.deepEqual(parseJsonValue('{"a":[1,2]}', '--input'), { a: [1, 2] });
    assert.deepEqual(parseJsonValue('@tests/cli/fixtures/params.json', '--params'), { version: '2.0.0' });
    assert.equal(
      (parseJsonValue('@tests/cli/fixtures/gate.yaml', '--x') as { name?: string }).name,
      'cli-gate',
    );
    assert.throws(
      () => parseJsonObject('"text"', '--params'),
      /--params: expected a JSON object .*; got string/,
    );
    assert.throws(() => parseJsonValue('@', '--input'), /--input: "@" must be followed by a file name/);
    assert.throws(
      () => parseJsonValue('{"key": hunter2}', '--input'),
      (err: unknown) => err instanceof CliError && err.exitCode === 2 && !err.message.includes('hunter2'),
    );
  });

  test('exit codes follow where the pipeline stands', () => {
    assert.equal(exitCodeForStatus('completed'), EXIT.ok);
    for (const status of ['failed', 'rolled_back', 'cancelled'] as const)
      assert.equal(exitCodeForStatus(status), 1);
    assert.equal(exitCodeForStatus('awaiting_approval', true), 3);
    assert.equal(exitCodeForStatus('awaiting_intervention', true), 3);
    assert.equal(exitCodeForStatus('awaiting_approval', false), 0);
  });

  test('errors become lines and codes: definitions with paths, typed client errors by name, the rest exit 1', () => {
    const invalid = describeError(new DefinitionError([{ path: 'steps[0].id', message: 'required' }]));
    assert.deepEqual(invalid, {
      lines: ['invalid pipeline definition (1 problem):', '  steps[0].id: required'],
      exitCode: 2,
    });
    const notFound = Object.assign(new Error('pipeline "x" not found'), { name: 'PipelineNotFoundError' });
    assert.deepEqual(describeError(notFound), { lines: ['pipeline "x" not found'], exitCode: 2 });
    const down = describeError(new Error('14 UNAVAILABLE: connection refused\n  at x'), {
      address: 'h:7233',
    });
    assert.equal(down.exitCode, 1);
    assert.equal(down.lines.length, 1);
    assert.match(down.lines[0] ?? '', /^cannot reach Temporal at h:7233: 14 UNAVAILABLE: connection refused/);
  });

  test('--since takes a date or a duration ago', () => {
    const now = T0;
    assert.equal(sinceOf('2h', now).toISOString(), at(-7_200_000));
    assert.equal(sinceOf('2026-04-30T00:00:00Z', now).toISOString(), '2026-04-30T00:00:00.000Z');
    assert.throws(() => sinceOf('yesterday', now), /--since: expected a date/);
  });
});
