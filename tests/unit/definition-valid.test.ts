import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PipelineDefinitionSchema,
  ancestorsOf,
  descendantsOf,
  isApprovalStep,
  isTaskStep,
  parseDefinition,
  resolveDependencies,
  topologicalOrder,
  validateDefinition,
  type PipelineDefinitionInput,
} from '../../src/pipeline/index.js';
import { loadDefinition, parseDefinitionText } from '../../src/pipeline/load.js';
import { DefinitionError } from '../../src/pipeline/errors.js';

/** The example from DESIGN.md, "PipelineDefinition (v1)", verbatim. */
const DESIGN_EXAMPLE = `
name: nightly-orders            # [A-Za-z0-9._-]{1,100}
version: "1"                    # optional, informational
defaults:                       # optional; every field optional
  timeouts: { startToClose: 5m, heartbeat: 30s, scheduleToClose: 1h }
  retry:    { maxAttempts: 3, initialInterval: 1s, backoffCoefficient: 2, maxInterval: 1m }
recovery:                       # pipeline-wide rules, tried after the step's own rules
  - match: { category: [network, timeout, rate_limit] }
    strategy: retry_with_backoff
    retry: { maxAttempts: 5 }
    then: manual_intervention   # what to do when the retries are spent (default fail_fast)
  - match: { severity: critical }
    strategy: manual_intervention
classify:                       # extra error classification rules, tried before the built-in ones
  - match: { message: "quota exceeded", name: "ApiError", code: "E_QUOTA" }   # any subset
    category: rate_limit
    severity: medium
onFailure: fail                 # fail | rollback   (after a step's strategies give up)
onCancel: rollback              # rollback | stop
steps:
  - id: extract                 # unique, [A-Za-z0-9_-]
    name: Extract orders        # display name, optional
    activity: http.request      # a registered step handler
    input: { url: "{{ params.sourceUrl }}" }
    dependsOn: []               # omitted = the previous step in the list; [] = no dependency
    timeouts: { startToClose: 2m }
    retry: { maxAttempts: 4 }
    recovery: [ { match: { category: validation }, strategy: skip, output: [] } ]
    compensate: { activity: http.request, input: { method: DELETE, url: "{{ steps.extract.output.location }}" } }
    alternative:                # steps run by the alternative_path strategy, in order
      - { id: extract-mirror, activity: http.request, input: { url: "{{ params.mirrorUrl }}" } }
    weight: 1                   # share of the progress percentage
  - id: enrich
    activity: http.request
    forEach: "{{ steps.extract.output.body.items }}"   # fan-out: one activity per item ({{ item }}, {{ index }})
    maxConcurrency: 10
    toleratedFailures: 5%       # count or percentage; beyond it the step fails
    input: { url: "https://api.example/enrich/{{ item.id }}" }
  - id: full-refresh
    when: "{{ params.fullRefresh }}"   # truthy → run; otherwise the step ends skipped ("condition false")
    activity: echo
    input: { mode: full }
  - id: go-live
    type: approval              # a gate: waits for an approval signal/update
    prompt: "Publish {{ steps.transform.output.count }} rows?"
    approvers: [data-leads]     # who may decide (checked against \`by\`); empty = anyone
    escalate: { after: 4h, to: [on-call] }   # after 4h, these may decide too (recorded as an event)
    timeout: 24h
    onTimeout: reject           # reject | approve | skip
timeout: 7d                     # whole-pipeline limit, optional
`;

/** The DESIGN.md example with the `transform` step its approval prompt refers to. */
const COMPLETE_EXAMPLE = DESIGN_EXAMPLE.replace(
  '  - id: go-live\n',
  '  - id: transform\n    activity: echo\n    input: { count: 42 }\n  - id: go-live\n',
);

const HANDLERS = ['echo', 'http.request', 'delay', 'fail'];

function minimal(extra: Partial<PipelineDefinitionInput> = {}): PipelineDefinitionInput {
  return { name: 'p', steps: [{ id: 'a', activity: 'echo' }], ...extra };
}

describe('the DESIGN.md example', () => {
  test('every field of the example is accepted by the schema', () => {
    const result = PipelineDefinitionSchema.safeParse(parseDefinitionText(DESIGN_EXAMPLE));
    assert.equal(result.success, true, JSON.stringify(result.error?.issues));
  });

  test('its only cross-field problem is the prompt reading a "transform" step the example does not declare', () => {
    const result = validateDefinition(parseDefinitionText(DESIGN_EXAMPLE), { handlers: HANDLERS });
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.ok ? [] : result.issues.map((i) => i.path),
      ['steps[3].prompt'],
      JSON.stringify(result.ok ? [] : result.issues),
    );
    assert.match(result.ok ? '' : (result.issues[0]?.message ?? ''), /unknown step "transform"/);
  });

  test('with the transform step added it loads, with durations in milliseconds', () => {
    const def = loadDefinition(COMPLETE_EXAMPLE, { handlers: HANDLERS });
    assert.equal(def.name, 'nightly-orders');
    assert.equal(def.version, '1');
    assert.deepEqual(def.defaults, {
      timeouts: { startToClose: 300_000, heartbeat: 30_000, scheduleToClose: 3_600_000 },
      retry: { maxAttempts: 3, initialInterval: 1_000, backoffCoefficient: 2, maxInterval: 60_000 },
    });
    assert.equal(def.timeout, 7 * 86_400_000);
    const [extract, enrich, fullRefresh, transform, goLive] = def.steps;
    assert.ok(extract && isTaskStep(extract));
    assert.deepEqual(extract.timeouts, { startToClose: 120_000 });
    assert.ok(goLive && isApprovalStep(goLive));
    assert.deepEqual(goLive.escalate, { after: 4 * 3_600_000, to: ['on-call'] });
    assert.equal(goLive.timeout, 24 * 3_600_000);
    assert.ok(enrich && fullRefresh && transform);
  });

  test('with the transform step added every field keeps its meaning', () => {
    const def = loadDefinition(COMPLETE_EXAMPLE);
    assert.deepEqual(def.recovery, [
      {
        match: { category: ['network', 'timeout', 'rate_limit'] },
        strategy: 'retry_with_backoff',
        retry: { maxAttempts: 5 },
        then: 'manual_intervention',
      },
      { match: { severity: ['critical'] }, strategy: 'manual_intervention' },
    ]);
    assert.deepEqual(def.classify, [
      {
        match: { message: 'quota exceeded', name: 'ApiError', code: 'E_QUOTA' },
        category: 'rate_limit',
        severity: 'medium',
      },
    ]);
    assert.equal(def.onFailure, 'fail');
    assert.equal(def.onCancel, 'rollback');
    const [extract, enrich, fullRefresh, , goLive] = def.steps;
    assert.deepEqual(extract, {
      id: 'extract',
      name: 'Extract orders',
      activity: 'http.request',
      input: { url: '{{ params.sourceUrl }}' },
      dependsOn: [],
      timeouts: { startToClose: 120_000 },
      retry: { maxAttempts: 4 },
      recovery: [{ match: { category: ['validation'] }, strategy: 'skip', output: [] }],
      compensate: {
        activity: 'http.request',
        input: { method: 'DELETE', url: '{{ steps.extract.output.location }}' },
      },
      alternative: [
        { id: 'extract-mirror', activity: 'http.request', input: { url: '{{ params.mirrorUrl }}' } },
      ],
      weight: 1,
    });
    assert.deepEqual(enrich, {
      id: 'enrich',
      activity: 'http.request',
      forEach: '{{ steps.extract.output.body.items }}',
      maxConcurrency: 10,
      toleratedFailures: { percent: 5 },
      input: { url: 'https://api.example/enrich/{{ item.id }}' },
      weight: 1,
    });
    assert.deepEqual(fullRefresh, {
      id: 'full-refresh',
      when: '{{ params.fullRefresh }}',
      activity: 'echo',
      input: { mode: 'full' },
      weight: 1,
    });
    assert.deepEqual(goLive, {
      id: 'go-live',
      type: 'approval',
      prompt: 'Publish {{ steps.transform.output.count }} rows?',
      approvers: ['data-leads'],
      escalate: { after: 14_400_000, to: ['on-call'] },
      timeout: 86_400_000,
      onTimeout: 'reject',
      weight: 1,
    });
  });

  test('a parsed definition validates again unchanged (the workflow re-validates what it is given)', () => {
    const once = loadDefinition(COMPLETE_EXAMPLE, { handlers: HANDLERS });
    assert.deepEqual(parseDefinition(structuredClone(once), { handlers: HANDLERS }), once);
  });

  test('the same definition as JSON gives the same result as YAML', () => {
    const fromYaml = loadDefinition(COMPLETE_EXAMPLE);
    const asJson = JSON.stringify(parseDefinitionText(COMPLETE_EXAMPLE));
    assert.deepEqual(loadDefinition(asJson), fromYaml);
    assert.deepEqual(loadDefinition(asJson, { format: 'json' }), fromYaml);
  });
});

describe('defaults', () => {
  test('a minimal definition gets onFailure fail, onCancel rollback and weight 1', () => {
    const def = parseDefinition(minimal());
    assert.equal(def.onFailure, 'fail');
    assert.equal(def.onCancel, 'rollback');
    assert.equal(def.steps[0]?.weight, 1);
    assert.equal(def.steps[0]?.dependsOn, undefined);
    assert.equal(def.defaults, undefined);
  });

  test('an approval gate defaults to anyone may decide and reject on timeout', () => {
    const def = parseDefinition({ name: 'p', steps: [{ id: 'gate', type: 'approval' }] });
    assert.deepEqual(def.steps[0], {
      id: 'gate',
      type: 'approval',
      approvers: [],
      onTimeout: 'reject',
      weight: 1,
    });
  });

  test('a single category or severity in a match becomes a list', () => {
    const def = parseDefinition(
      minimal({ recovery: [{ match: { category: 'network', severity: 'high' }, strategy: 'retry' }] }),
    );
    assert.deepEqual(def.recovery?.[0]?.match, { category: ['network'], severity: ['high'] });
  });

  test('tolerated failures become a count or a percentage', () => {
    const def = parseDefinition({
      name: 'p',
      steps: [
        { id: 'a', activity: 'echo', forEach: [1, 2], toleratedFailures: 2 },
        { id: 'b', activity: 'echo', forEach: [1, 2], toleratedFailures: '12.5%' },
        { id: 'c', activity: 'echo', forEach: [1, 2], toleratedFailures: 0 },
      ],
    });
    assert.deepEqual(
      def.steps.map((s) => ('toleratedFailures' in s ? s.toleratedFailures : undefined)),
      [{ count: 2 }, { percent: 12.5 }, { count: 0 }],
    );
  });

  test('durations may be numbers of milliseconds or compound strings', () => {
    const def = parseDefinition(
      minimal({
        timeout: 1500,
        defaults: { timeouts: { startToClose: '1h30m' }, retry: { initialInterval: '500ms' } },
      }),
    );
    assert.equal(def.timeout, 1500);
    assert.equal(def.defaults?.timeouts?.startToClose, 5_400_000);
    assert.equal(def.defaults?.retry?.initialInterval, 500);
  });

  test('a numeric version is kept as text', () => {
    assert.equal(parseDefinition(minimal({ version: 2 })).version, '2');
  });

  test('an editor $schema reference is accepted', () => {
    assert.equal(parseDefinition(minimal({ $schema: './schema/pipeline.schema.json' })).name, 'p');
  });

  test('when may be a boolean and forEach a literal list', () => {
    const def = parseDefinition({
      name: 'p',
      steps: [
        { id: 'a', activity: 'echo', when: false, forEach: [{ id: 1 }], input: '{{ item.id }}-{{ index }}' },
      ],
    });
    assert.equal(def.steps[0]?.when, false);
  });

  test('templates may read params, ancestors through chains of dependencies, and the step itself in compensation', () => {
    const def = parseDefinition(
      {
        name: 'p',
        steps: [
          { id: 'a', activity: 'echo', input: '{{ params.x }}' },
          { id: 'b', activity: 'echo', input: { v: '{{ steps.a.output.items[0].id }}' } },
          { id: 'c', activity: 'echo', dependsOn: ['b'], input: '{{ steps.a.output }}' },
          {
            id: 'd',
            activity: 'echo',
            dependsOn: ['a', 'c'],
            compensate: { activity: 'echo', input: '{{ steps.d.output.id }} {{ steps.b.output }}' },
            alternative: [{ id: 'd2', activity: 'echo', input: '{{ steps.c.output }}' }],
            recovery: [{ strategy: 'alternative_path' }],
          },
          { id: 'gate', type: 'approval', prompt: 'ok {{ steps.d.output }}?', when: '{{ params.gate }}' },
        ],
      },
      { handlers: HANDLERS },
    );
    assert.equal(def.steps.length, 5);
  });

  test('validation does not modify its input', () => {
    const input = minimal({
      timeout: '5m',
      recovery: [{ match: { category: 'network' }, strategy: 'retry' }],
    });
    const copy = structuredClone(input);
    parseDefinition(input);
    assert.deepEqual(input, copy);
  });

  test('parseDefinition throws a DefinitionError that lists every problem', () => {
    assert.throws(
      () =>
        parseDefinition({
          name: 'p',
          steps: [{ id: 'a', activity: 'echo', foo: 1, retry: { maxAttempts: 0 } }],
        }),
      (error: unknown) => {
        assert.ok(error instanceof DefinitionError);
        assert.equal(error.name, 'DefinitionError');
        assert.equal(error.issues.length, 2);
        assert.match(error.message, /^steps\[0\]\.foo: unknown field "foo"$/m);
        assert.match(error.message, /^steps\[0\]\.retry\.maxAttempts: /m);
        return true;
      },
    );
  });
});

describe('dependencies', () => {
  const def = parseDefinition({
    name: 'p',
    steps: [
      { id: 'a', activity: 'echo' },
      { id: 'b', activity: 'echo' },
      { id: 'c', activity: 'echo', dependsOn: [] },
      { id: 'd', activity: 'echo', dependsOn: ['e', 'b'] },
      { id: 'e', activity: 'echo', dependsOn: ['c'] },
    ],
  });

  test('an omitted dependsOn means the previous step; [] means none; the first step has none', () => {
    assert.deepEqual({ ...resolveDependencies(def) }, { a: [], b: ['a'], c: [], d: ['e', 'b'], e: ['c'] });
  });

  test('topological order puts every step after its dependencies and otherwise keeps list order', () => {
    assert.deepEqual(topologicalOrder(def), ['a', 'b', 'c', 'e', 'd']);
  });

  test('a list without dependsOn runs in list order', () => {
    const chain = parseDefinition({
      name: 'p',
      steps: ['x', 'y', 'z'].map((id) => ({ id, activity: 'echo' })),
    });
    assert.deepEqual(topologicalOrder(chain), ['x', 'y', 'z']);
  });

  test('topological order refuses a definition with a cycle that skipped validation', () => {
    const cyclic = structuredClone(def);
    cyclic.steps[0] = { ...def.steps[0], dependsOn: ['d'] } as (typeof def.steps)[0];
    assert.throws(() => topologicalOrder(cyclic), DefinitionError);
  });

  test('ancestors and descendants follow dependencies transitively', () => {
    assert.deepEqual(ancestorsOf(def, 'd'), ['a', 'b', 'c', 'e']);
    assert.deepEqual(descendantsOf(def, 'c'), ['d', 'e']);
    assert.deepEqual(descendantsOf(def, 'd'), []);
  });
});
