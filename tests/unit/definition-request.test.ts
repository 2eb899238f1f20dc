import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRequest } from '../../src/pipeline/validate-request.js';
import { LIMITS } from '../../src/pipeline/limits.js';
import { ENGINE_VERSIONS } from '../../src/pipeline/contract.js';

const definition = { name: 'req', steps: [{ id: 'a', activity: 'echo', input: '{{ params.x }}' }] };
const checkpoint = {
  steps: {},
  events: [],
  decisions: [],
  compensations: [],
  startedAt: '2026-01-01T00:00:00.000Z',
  eventSeq: 0,
  progressVersion: 0,
};

function issuesOf(request: unknown) {
  const result = validateRequest(request);
  return result.ok ? [] : result.issues;
}

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { b: value };
  return value;
}

describe('validateRequest: the workflow argument as a whole', () => {
  test('a valid request gives the parsed definition and the params (or {} when there are none)', () => {
    const params = { x: 1 };
    const result = validateRequest({ definition, params });
    assert.ok(result.ok);
    assert.equal(result.params, params);
    assert.equal(result.definition.steps[0]?.id, 'a');
    const bare = validateRequest({ definition });
    assert.ok(bare.ok);
    assert.deepEqual(bare.params, {});
  });

  test('every option at its limits is accepted', () => {
    for (const [continueAsNewAfterEvents, maxInFlightActivities] of [
      [LIMITS.minContinueAsNewAfterEvents, 1],
      [LIMITS.maxContinueAsNewAfterEvents, LIMITS.maxInFlightActivities],
    ]) {
      assert.deepEqual(
        issuesOf({ definition, continueAsNewAfterEvents, maxInFlightActivities, resumeFrom: checkpoint }),
        [],
      );
    }
  });

  test('definition issues keep their path under "definition."', () => {
    assert.deepEqual(issuesOf({ definition: { ...definition, timeout: '99999999d' } }), [
      {
        path: 'definition.timeout',
        message: `expected a duration of at most 3650d (${LIMITS.maxDurationMs} ms); got "99999999d"`,
      },
    ]);
    assert.deepEqual(issuesOf({ definition: null }), [
      { path: 'definition', message: 'expected an object; got null' },
    ]);
    assert.deepEqual(issuesOf({}), [
      { path: 'definition', message: 'required field is missing: expected a pipeline definition' },
    ]);
  });

  test('params nested deeper than 64 levels are reported at the deep value (params.a.b…)', () => {
    assert.deepEqual(issuesOf({ definition, params: { a: nested(LIMITS.maxNestingDepth - 1) } }), []);
    const [issue, ...rest] = issuesOf({ definition, params: { a: nested(2_000) } });
    assert.deepEqual(rest, []);
    assert.equal(issue?.path, 'params.a' + '.b'.repeat(LIMITS.maxNestingDepth - 1));
    assert.equal(issue?.message, 'expected JSON nested at most 64 levels deep; got an object nested deeper');
  });

  test('params over 256 KiB are reported with their size; 256 KiB is accepted', () => {
    const fill = (n: number) => ({ blob: 'x'.repeat(n) });
    const overhead = JSON.stringify(fill(0)).length;
    assert.deepEqual(issuesOf({ definition, params: fill(LIMITS.maxParamsBytes - overhead) }), []);
    assert.deepEqual(issuesOf({ definition, params: fill(LIMITS.maxParamsBytes - overhead + 1) }), [
      {
        path: 'params',
        message: `expected at most 256 KiB of parameters as JSON; got 256 KiB (${LIMITS.maxParamsBytes + 1} bytes)`,
      },
    ]);
  });

  test('params that are not a plain object of JSON data are reported', () => {
    assert.deepEqual(issuesOf({ definition, params: [1] }), [
      { path: 'params', message: 'expected an object of parameters; got a list' },
    ]);
    assert.deepEqual(issuesOf({ definition, params: { n: Number.POSITIVE_INFINITY } }), [
      { path: 'params.n', message: 'expected JSON data; got Infinity, which is not a JSON number' },
    ]);
  });

  test('a checkpoint whose dates are no dates, or too large, is refused (the interpreter computes with them)', () => {
    assert.deepEqual(issuesOf({ definition, resumeFrom: { ...checkpoint, deadline: 'not a date' } }), [
      {
        path: 'resumeFrom.deadline',
        message: 'expected an ISO date like 2026-01-31T12:00:00.000Z; got "not a date"',
      },
    ]);
    const big = { ...checkpoint, events: [{ message: 'x'.repeat(LIMITS.maxCheckpointBytes) }] };
    assert.match(issuesOf({ definition, resumeFrom: big })[0]?.message ?? '', /at most 1\.5 MiB/);
  });

  test('run options out of range, and a checkpoint of the wrong shape, all at once', () => {
    const issues = issuesOf({
      definition,
      continueAsNewAfterEvents: LIMITS.minContinueAsNewAfterEvents - 1,
      maxInFlightActivities: LIMITS.maxInFlightActivities + 1,
      resumeFrom: { steps: [], events: {}, decisions: [] },
    });
    assert.deepEqual(issues, [
      {
        path: 'continueAsNewAfterEvents',
        message: `expected a whole number from ${LIMITS.minContinueAsNewAfterEvents} to 40000; got ${LIMITS.minContinueAsNewAfterEvents - 1}`,
      },
      { path: 'maxInFlightActivities', message: 'expected a whole number from 1 to 1900; got 1901' },
      { path: 'resumeFrom.steps', message: 'expected an object of step states by id; got an empty list' },
      { path: 'resumeFrom.events', message: 'expected a list; got an object' },
      { path: 'resumeFrom.compensations', message: 'expected a list; got nothing' },
      {
        path: 'resumeFrom.startedAt',
        message: 'expected an ISO date like 2026-01-31T12:00:00.000Z; got nothing',
      },
      { path: 'resumeFrom.eventSeq', message: 'expected a whole number, at least 0; got nothing' },
      { path: 'resumeFrom.progressVersion', message: 'expected a whole number, at least 0; got nothing' },
    ]);
    assert.deepEqual(issuesOf({ definition, continueAsNewAfterEvents: 100.5 }), [
      {
        path: 'continueAsNewAfterEvents',
        message: `expected a whole number from ${LIMITS.minContinueAsNewAfterEvents} to 40000; got 100.5`,
      },
    ]);
  });

  test('never throws: not an object, or a getter that throws', () => {
    assert.deepEqual(issuesOf('start'), [
      { path: '', message: 'expected a pipeline request (an object); got "start"' },
    ]);
    const hostile = {
      definition,
      get params(): unknown {
        throw new Error('boom');
      },
    };
    assert.match(issuesOf(hostile)[0]?.message ?? '', /boom/);
  });

  test('engine: absent (engine 1) or one of the engine versions; anything else is named', () => {
    for (const engine of [undefined, ...ENGINE_VERSIONS])
      assert.deepEqual(issuesOf({ definition, engine }), []);
    for (const [engine, got] of [
      [0, '0'],
      [4, '4'],
      [-1, '-1'],
      ['2', '"2"'],
      [1.5, '1.5'],
      [null, 'null'],
    ] as const) {
      assert.deepEqual(issuesOf({ definition, engine }), [
        { path: 'engine', message: `expected an engine version (1, 2 or 3); got ${got}` },
      ]);
    }
  });
});
