/**
 * Representative pipelines whose histories are committed in tests/histories/ and replayed by
 * tests/integration/replay.test.ts: any interpreter change that breaks one fails CI.
 * `npm run record-histories` runs them again on a fresh dev server and rewrites the files.
 */
import type { PipelineClient } from '../../src/client.js';
import { eventually } from './eventually.js';

export interface HistoryScenario {
  name: string;
  /** Starts the pipeline (id given) and drives it to its end. */
  run(client: PipelineClient, id: string): Promise<void>;
}

const ignoreFailure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    () => undefined,
  );

async function waitFor(client: PipelineClient, id: string, status: string): Promise<void> {
  await eventually(async () => (await client.progress(id)).status === status, 30_000);
}

export const scenarios: HistoryScenario[] = [
  {
    name: 'sequential',
    async run(client, id) {
      await client.startAndWait(
        {
          name: 'sequential',
          steps: [
            { id: 'a', activity: 'echo', input: { n: '{{ params.n }}' } },
            { id: 'b', activity: 'echo', input: { prev: '{{ steps.a.output.n }}' } },
            { id: 'c', activity: 'delay', input: { ms: 50 } },
          ],
        },
        { id, params: { n: 1 } },
      );
    },
  },
  {
    name: 'dag',
    async run(client, id) {
      await client.startAndWait(
        {
          name: 'dag',
          steps: [
            { id: 'a', activity: 'echo', input: {} },
            { id: 'b', activity: 'delay', dependsOn: ['a'], input: { ms: 100 } },
            { id: 'c', activity: 'delay', dependsOn: ['a'], input: { ms: 50 } },
            { id: 'd', activity: 'echo', dependsOn: ['b', 'c'], input: {} },
            { id: 'skipped', activity: 'echo', dependsOn: ['a'], when: '{{ params.never }}', input: {} },
          ],
        },
        { id, params: { never: false } },
      );
    },
  },
  {
    name: 'fan-out',
    async run(client, id) {
      await client.startAndWait(
        {
          name: 'fan-out',
          steps: [
            {
              id: 'each',
              activity: 'fail',
              forEach: [{ t: 0 }, { t: 0 }, { t: 9 }, { t: 0 }, { t: 0 }],
              maxConcurrency: 2,
              toleratedFailures: 1,
              input: { times: '{{ item.t }}', category: 'validation', output: '{{ index }}' },
            },
          ],
        },
        { id },
      );
    },
  },
  {
    name: 'retry-then-skip',
    async run(client, id) {
      await client.startAndWait(
        {
          name: 'retry-then-skip',
          steps: [
            {
              id: 'flaky',
              activity: 'fail',
              input: { times: 2, category: 'network', output: 'ok' },
              recovery: [
                {
                  match: { category: 'network' },
                  strategy: 'retry_with_backoff',
                  retry: { initialInterval: '50ms' },
                },
              ],
            },
            {
              id: 'optional',
              activity: 'fail',
              input: { category: 'not_found' },
              recovery: [{ strategy: 'skip', output: 'default' }],
            },
          ],
        },
        { id },
      );
    },
  },
  {
    // Recorded with attempt histories on the wire: a result envelope after retries (`resultFormat: 2`) and
    // a failure whose details carry the attempts.
    name: 'attempts-envelope',
    async run(client, id) {
      await client.startAndWait(
        {
          name: 'attempts-envelope',
          steps: [
            {
              id: 'flaky',
              activity: 'fail',
              input: { times: 2, category: 'network', output: { ok: true } },
              recovery: [
                {
                  match: { category: 'network' },
                  strategy: 'retry_with_backoff',
                  retry: { maxAttempts: 3, initialInterval: '50ms' },
                },
              ],
            },
            {
              id: 'spent',
              activity: 'fail',
              input: { category: 'network' },
              recovery: [
                {
                  match: { category: 'network' },
                  strategy: 'retry',
                  retry: { maxAttempts: 2, initialInterval: '50ms' },
                  then: 'skip',
                },
              ],
            },
          ],
        },
        { id },
      );
    },
  },
  {
    name: 'rollback',
    async run(client, id) {
      await ignoreFailure(
        client.startAndWait(
          {
            name: 'rollback',
            steps: [
              {
                id: 'a',
                activity: 'echo',
                input: {},
                compensate: { activity: 'echo', input: { undo: 'a' } },
              },
              {
                id: 'b',
                activity: 'echo',
                input: {},
                compensate: { activity: 'fail', input: { category: 'conflict' } },
              },
              {
                id: 'c',
                activity: 'fail',
                input: { category: 'validation' },
                recovery: [{ strategy: 'rollback' }],
              },
            ],
          },
          { id },
        ),
      );
    },
  },
  {
    name: 'alternative-path',
    async run(client, id) {
      await client.startAndWait(
        {
          name: 'alternative-path',
          steps: [
            {
              id: 'fetch',
              activity: 'fail',
              input: { category: 'not_found' },
              recovery: [{ strategy: 'alternative_path' }],
              alternative: [{ id: 'mirror', activity: 'echo', input: { from: 'mirror' } }],
            },
          ],
        },
        { id },
      );
    },
  },
  {
    name: 'intervention',
    async run(client, id) {
      await client.start(
        {
          name: 'intervention',
          steps: [
            {
              id: 'broken',
              activity: 'fail',
              input: { category: 'validation' },
              recovery: [{ strategy: 'manual_intervention' }],
            },
            { id: 'next', activity: 'echo', input: { got: '{{ steps.broken.output }}' } },
          ],
        },
        { id },
      );
      await waitFor(client, id, 'awaiting_intervention');
      await client.signalIntervention(id, { stepId: 'nope', action: 'retry' });
      await client.intervene(id, {
        stepId: 'broken',
        action: 'retry',
        input: { times: 0, output: 'fixed' },
        by: 'alice',
      });
      await client.result(id);
    },
  },
  {
    name: 'approval',
    async run(client, id) {
      await client.start(
        {
          name: 'approval',
          steps: [
            { id: 'prep', activity: 'echo', input: { rows: 3 } },
            {
              id: 'gate',
              type: 'approval',
              prompt: 'Publish {{ steps.prep.output.rows }} rows?',
              approvers: ['leads'],
              escalate: { after: '200ms', to: ['on-call'] },
              timeout: '1h',
            },
            { id: 'publish', activity: 'echo', input: {} },
          ],
        },
        { id },
      );
      await waitFor(client, id, 'awaiting_approval');
      await new Promise((r) => setTimeout(r, 500));
      await client.signalApproval(id, { stepId: 'gate', decision: 'approve', by: 'on-call', comment: 'ok' });
      await client.result(id);
    },
  },
  {
    name: 'continue-as-new',
    async run(client, id) {
      await client.start(
        {
          name: 'continue-as-new',
          steps: Array.from({ length: 12 }, (_, i) => ({ id: `s${i}`, activity: 'echo', input: { i } })),
        },
        { id, continueAsNewAfterEvents: 30 },
      );
      await client.result(id);
    },
  },
  {
    name: 'cancelled',
    async run(client, id) {
      await client.start(
        {
          name: 'cancelled',
          steps: [
            { id: 'a', activity: 'echo', input: {}, compensate: { activity: 'echo', input: { undo: true } } },
            { id: 'wait', type: 'approval' },
          ],
        },
        { id },
      );
      await waitFor(client, id, 'awaiting_approval');
      await client.cancel(id);
      await ignoreFailure(client.result(id));
    },
  },
  {
    // More items than the run's in-flight bound: the limiter binds (limits patch marker recorded).
    name: 'wide-fan-out',
    async run(client, id) {
      await client.startAndWait(
        {
          name: 'wide-fan-out',
          steps: [
            { id: 'each', activity: 'echo', forEach: '{{ params.items }}', input: { n: '{{ item }}' } },
          ],
        },
        { id, params: { items: Array.from({ length: 150 }, (_, i) => i) } },
      );
    },
  },
  {
    // An input that renders over the step input limit fails as resource; a skip rule recovers.
    name: 'input-too-large',
    async run(client, id) {
      await client.startAndWait(
        {
          name: 'input-too-large',
          steps: [
            { id: 'a', activity: 'echo', input: {} },
            {
              id: 'big',
              activity: 'echo',
              input: { text: '{{ params.blob }}'.repeat(40) },
              recovery: [{ match: { category: 'resource' }, strategy: 'skip', output: 'skipped' }],
            },
            { id: 'c', activity: 'echo', input: { after: '{{ steps.big.output }}' } },
          ],
        },
        { id, params: { blob: 'y'.repeat(30_000) } },
      );
    },
  },
  {
    // Declared params (a default filled in), variables read by an input and a when, undone by rollback.
    name: 'params-and-variables',
    async run(client, id) {
      await ignoreFailure(
        client.startAndWait(
          {
            name: 'params-and-variables',
            onFailure: 'rollback',
            params: { n: { type: 'integer', minimum: 1, default: 2 }, label: { type: 'string' } },
            steps: [
              { id: 'a', activity: 'echo', input: { n: '{{ params.n }}' }, assign: { n: '{{ output.n }}' } },
              {
                id: 'b',
                activity: 'echo',
                when: '{{ vars.n }}',
                input: { n: '{{ vars.n }}', label: '{{ params.label }}' },
                assign: { label: '{{ output.label }}', n: 3 },
                compensate: { activity: 'echo', input: { undo: '{{ vars.label }}' } },
              },
              { id: 'c', activity: 'fail', input: { category: 'validation', message: 'no' } },
            ],
          },
          { id, params: { label: 'x' } },
        ),
      );
    },
  },
  {
    // Notifications: a notify step per event, a batched one, and a webhook the URL policy refuses.
    name: 'notify',
    async run(client, id) {
      await client.start(
        {
          name: 'notify',
          steps: [
            { id: 'a', activity: 'echo', input: {} },
            { id: 'gate', type: 'approval', prompt: 'ok?' },
          ],
          notify: [
            {
              on: ['approval_requested', 'completed'],
              step: { activity: 'echo', input: { text: '{{ event.message }}' } },
            },
            {
              on: ['completed'],
              webhook: { url: 'http://127.0.0.1:9/hook', headers: { authorization: 'Bearer x' } },
              retry: { maxAttempts: 1 },
            },
            {
              on: ['approval_requested', 'completed'],
              step: { activity: 'echo', input: { count: '{{ event.count }}' } },
              batch: { window: '1h', max: 10 },
            },
          ],
        },
        { id },
      );
      await waitFor(client, id, 'awaiting_approval');
      await client.approve(id, 'gate', { by: 'alice' });
      await client.result(id);
    },
  },
];
