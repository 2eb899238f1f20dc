/**
 * The dashboard's DAG view, step detail and triage in a real browser (Debian's Chromium, playwright-core)
 * against a real dashboard server, worker (with the example steps) and Temporal server. Screenshots of the
 * DAG view and the step detail go to tests/artifacts/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { WEB_OUT_DIR } from '../../src/dashboard/web-build.js';
import { parseUserTokens } from '../../src/dashboard/users.js';
import { parseDefinitionText } from '../../src/pipeline/load.js';
import orderSteps from '../../examples/steps/orders.js';
import {
  artifactPath,
  CHROMIUM_PATH,
  chromiumAvailable,
  ensureWebBuilt,
  launchChromium,
  useDashboard,
} from '../helpers/browser.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

const SHARED = 'dag-shared-token-4e2a';
const MANAGER = 'dag-manager-token-81c3';
const ALICE = 'dag-alice-token-c05f';
const UI = 'http://127.0.0.1:8233';
const skip = chromiumAvailable() ? false : `no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium`;

const example = (file: string) => parseDefinitionText(readFileSync(`examples/${file}`, 'utf8'));

describe('dashboard DAG view and triage in Chromium', { skip }, () => {
  const env = useTestEnv({ steps: orderSteps });
  const dashboard = useDashboard(() => env, {
    apiToken: SHARED,
    apiTokens: parseUserTokens(`release-managers:${MANAGER},alice:${ALICE}`),
    temporalUiUrl: UI,
    staticDir: WEB_OUT_DIR,
    pollIntervalMs: 150,
  });
  const readOnly = useDashboard(() => env, { staticDir: WEB_OUT_DIR, pollIntervalMs: 150 });
  let browser: Browser;

  before(async () => {
    await ensureWebBuilt();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  /** A fresh tab that records page errors and CSP violations (each test asserts there were none). */
  async function openPage(hash: string, base = dashboard.url) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text()))
        problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${base}/${hash}`);
    return { page, problems, close: () => context.close() };
  }

  async function signIn(page: Page, token: string) {
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('token-save').click();
  }

  const node = (page: Page, id: string) => page.locator(`[data-testid="dag-node"][data-node-id="${id}"]`);
  const nodeIds = (page: Page) =>
    page
      .locator('[data-testid="dag-node"]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-node-id')));
  const edges = (page: Page) =>
    page
      .locator('[data-testid="dag-edge"]')
      .evaluateAll((els) =>
        els
          .map(
            (el) =>
              `${el.getAttribute('data-from')}>${el.getAttribute('data-to')}:${el.getAttribute('data-kind')}`,
          )
          .sort(),
      );
  const statusOf = (page: Page, id: string) => node(page, id).getAttribute('data-status');
  const pipelinePage = (id: string) => `#/pipelines/${encodeURIComponent(id)}`;

  test('the orders ETL example: one node per step, its dependsOn edges, fan-out counts and the compensation marker', async () => {
    const id = testId('dag-orders');
    await env.pipelines.start(example('orders-etl.yaml'), { id, params: { day: '2026-12-01', count: 10 } });
    const { page, problems, close } = await openPage(pipelinePage(id));
    try {
      await page.getByTestId('dag').waitFor();
      assert.deepEqual(await nodeIds(page), [
        'extract',
        'enrich',
        'audit-copy',
        'summarize',
        'load',
        'full-refresh',
      ]);
      assert.deepEqual(await edges(page), [
        'audit-copy>summarize:dependency',
        'enrich>summarize:dependency',
        'extract>audit-copy:dependency',
        'extract>enrich:dependency',
        'load>full-refresh:dependency',
        'summarize>load:dependency',
      ]);
      await page.locator('[data-node-id="load"][data-status="succeeded"]').waitFor({ timeout: 20_000 });
      await page.locator('[data-node-id="full-refresh"][data-status="skipped"]').waitFor();
      await node(page, 'enrich').getByText('10/10 ok').waitFor();
      assert.equal(await node(page, 'enrich').locator('.dag-stack').count(), 1);
      assert.match((await node(page, 'load').getByTestId('dag-compensation').textContent()) ?? '', /↺/);
      await page.getByTestId('graph-panel').screenshot({ path: artifactPath('dag-orders.png') });
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('the release example updates live: waiting at go-live, then every step succeeded after a per-user token approves as its owner', async () => {
    const id = testId('dag-release');
    await env.pipelines.start(example('release.yaml'), {
      id,
      params: { version: '1.4.0', previousVersion: '1.3.9' },
    });
    const { page, problems, close } = await openPage(pipelinePage(id));
    try {
      await page.getByTestId('dag').waitFor();
      assert.deepEqual(await nodeIds(page), [
        'build',
        'unit-tests',
        'integration-tests',
        'go-live',
        'deploy',
        'announce',
      ]);
      assert.deepEqual(await edges(page), [
        'build>integration-tests:dependency',
        'build>unit-tests:dependency',
        'deploy>announce:dependency',
        'go-live>deploy:dependency',
        'integration-tests>go-live:dependency',
        'unit-tests>go-live:dependency',
      ]);
      assert.equal(await node(page, 'go-live').getAttribute('data-kind'), 'approval');
      // Colours arrive over the live stream: the gate waits, the steps after it have not run yet.
      await page
        .locator('[data-node-id="go-live"][data-status="awaiting_approval"]')
        .waitFor({ timeout: 20_000 });
      assert.equal(await statusOf(page, 'build'), 'succeeded');
      assert.equal(await statusOf(page, 'integration-tests'), 'succeeded');
      assert.equal(await statusOf(page, 'deploy'), 'pending');
      assert.match(
        (await node(page, 'deploy').getByTestId('dag-compensation').textContent()) ?? '',
        /^↺compensated by echo$/,
      );
      await page.getByTestId('graph-panel').screenshot({ path: artifactPath('dag-view.png') });

      // alice may not decide this gate: it is not waiting for her. The release manager's token may.
      await signIn(page, ALICE);
      await page.getByTestId('signed-as').getByText('alice').waitFor();
      assert.equal(await page.getByTestId('name-input').count(), 0);
      await page
        .getByTestId('not-approver')
        .getByText(/You \(alice\) are not among the approvers/)
        .waitFor();
      await signIn(page, MANAGER);
      await page.getByTestId('signed-as').getByText('release-managers').waitFor();
      await eventually(async () => (await page.getByTestId('not-approver').count()) === 0);
      await page.getByTestId('approve-button').click();
      await page.locator('[data-node-id="announce"][data-status="succeeded"]').waitFor({ timeout: 15_000 });
      await page.getByTestId('audit-trail').getByText('release-managers').waitFor();
      await page.getByTestId('audit-trail').screenshot({ path: artifactPath('dashboard-audit.png') });
      const result = await env.pipelines.result(id);
      assert.equal(result.progress.decisions.find((d) => d.kind === 'approval')?.by, 'release-managers');
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('alternatives and compensations are drawn; clicking a node opens its detail', async () => {
    const id = testId('dag-alt');
    await env.pipelines.start(
      {
        name: 'dag-alternatives',
        onFailure: 'rollback',
        steps: [
          {
            id: 'reserve',
            activity: 'echo',
            input: { seats: 2 },
            compensate: { activity: 'echo', input: {} },
          },
          {
            id: 'fetch',
            activity: 'fail',
            input: { category: 'not_found', message: 'primary has no such file' },
            recovery: [{ match: { category: 'not_found' }, strategy: 'alternative_path' }],
            alternative: [{ id: 'fetch-mirror', activity: 'echo', input: { from: 'mirror' } }],
          },
          { id: 'charge', activity: 'fail', input: { category: 'validation', message: 'card declined' } },
        ],
      },
      { id },
    );
    await assert.rejects(env.pipelines.result(id));
    const { page, problems, close } = await openPage(pipelinePage(id));
    try {
      await page.getByTestId('dag').waitFor();
      assert.deepEqual(await nodeIds(page), ['reserve', 'fetch', 'fetch-mirror', 'charge']);
      assert.deepEqual(await edges(page), [
        'fetch>charge:dependency',
        'fetch>fetch-mirror:alternative',
        'reserve>fetch:dependency',
      ]);
      assert.equal(await node(page, 'fetch-mirror').getAttribute('data-kind'), 'alternative');
      assert.equal(await statusOf(page, 'fetch-mirror'), 'succeeded');
      assert.equal(await statusOf(page, 'charge'), 'failed');
      assert.equal(await node(page, 'reserve').getAttribute('data-compensation'), 'compensated');
      await node(page, 'reserve').locator('.dag-comp.comp-compensated').waitFor();
      assert.equal(await node(page, 'reserve').getByTestId('dag-node-sub').textContent(), 'compensated');

      await node(page, 'charge').click();
      const detail = page.getByTestId('step-detail');
      await detail.waitFor();
      assert.equal(await detail.getAttribute('data-step-id'), 'charge');
      await detail.getByTestId('step-detail-error').getByText('card declined').waitFor();
      await detail
        .getByTestId('attempt-summary')
        .getByText(/^attempt 1/)
        .waitFor();
      await detail.getByTestId('step-input').waitFor();
      await detail.getByTestId('step-output').waitFor();
      await page.getByTestId('graph-panel').scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifactPath('step-detail.png'), fullPage: true });

      await node(page, 'reserve').press('Enter');
      await page.locator('[data-testid="step-detail"][data-step-id="reserve"]').waitFor();
      await detail.getByText('echo', { exact: true }).first().waitFor();
      await detail.getByTestId('step-detail-close').click();
      assert.equal(await page.getByTestId('step-detail').count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('the step detail shows attempts, input and output; a truncated value says its size and loads on demand', async () => {
    const id = testId('dag-values');
    await env.pipelines.start(
      {
        name: 'dag-values',
        steps: [
          { id: 'fetch', activity: 'echo', input: { url: 'https://example.test/orders', page: 1 } },
          { id: 'store', activity: 'echo', input: { rows: '{{ steps.fetch.output }}' } },
        ],
      },
      { id },
    );
    const real = (await env.pipelines.result(id)).progress;
    // What the workflow records for a step that failed once (attempts) and whose output was too big for
    // progress (a truncated preview): served to the page as the API would, live stream included.
    const progress = {
      ...real,
      steps: real.steps.map((step) =>
        step.id !== 'fetch'
          ? step
          : {
              ...step,
              attempt: 2,
              maxAttempts: 5,
              attempts: [
                {
                  attempt: 1,
                  startedAt: step.startedAt,
                  endedAt: step.startedAt,
                  error: { category: 'network', severity: 'medium', message: 'ECONNRESET from example.test' },
                },
                { attempt: 2, startedAt: step.startedAt, endedAt: step.endedAt },
              ],
              input: { value: { url: 'https://example.test/orders', page: 1, token: '[redacted]' } },
              output: { truncated: { bytes: 3_145_728 } },
            },
      ),
    };
    const full = { orders: [{ id: 'o-1' }, { id: 'o-2' }], more: '…' };
    const { page, problems, close } = await openPage('#/');
    try {
      const base = `**/api/pipelines/${encodeURIComponent(id)}`;
      await page.route(base, (route) => route.fulfill({ json: progress }));
      await page.route(`${base}/events`, (route) =>
        route.fulfill({
          status: 200,
          headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' },
          body:
            `id: ${progress.version}\nevent: progress\ndata: ${JSON.stringify(progress)}\n\n` +
            `event: end\ndata: ${JSON.stringify({ reason: 'terminal', status: 'completed' })}\n\n`,
        }),
      );
      await page.route(`${base}/steps/fetch/output`, (route) =>
        route.fulfill({ json: { pipelineId: id, stepId: 'fetch', which: 'output', value: full } }),
      );
      await page.goto(`${dashboard.url}/${pipelinePage(id)}`);
      await node(page, 'fetch').click();
      const detail = page.getByTestId('step-detail');
      await detail
        .getByTestId('attempt-summary')
        .getByText('attempt 2 of 5, last error network: ECONNRESET from example.test')
        .waitFor();
      assert.equal(await detail.getByTestId('attempt-row').count(), 2);
      await detail
        .getByTestId('attempts')
        .getByText('network (medium): ECONNRESET from example.test')
        .waitFor();
      assert.deepEqual(JSON.parse(await detail.getByTestId('step-input-value').innerText()), {
        url: 'https://example.test/orders',
        page: 1,
        token: '[redacted]',
      });
      await detail.getByTestId('step-output').getByText('truncated, 3,145,728 bytes').waitFor();
      await detail.getByTestId('step-output-load').click();
      assert.deepEqual(JSON.parse(await detail.getByTestId('step-output-full').innerText()), full);
      await page.screenshot({ path: artifactPath('step-detail-values.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test("the retry box starts as the step's current input (the full value from the server)", async () => {
    const id = testId('dag-prefill');
    await env.pipelines.start(
      {
        name: 'dag-prefill',
        steps: [
          {
            id: 'load',
            activity: 'fail',
            input: { category: 'validation', message: 'row 7 has no id' },
            recovery: [{ strategy: 'manual_intervention' }],
          },
        ],
      },
      { id },
    );
    const current = { category: 'validation', message: 'row 7 has no id' };
    const { page, problems, close } = await openPage('#/');
    try {
      // The step's input as the server's full-value endpoint answers it, for when progress carries no
      // preview of it (with a preview, the page takes that: the same value).
      await page.route(`**/api/pipelines/${encodeURIComponent(id)}/steps/load/input`, (route) =>
        route.fulfill({ json: { pipelineId: id, stepId: 'load', which: 'input', value: current } }),
      );
      await page.goto(`${dashboard.url}/${pipelinePage(id)}`);
      await signIn(page, SHARED);
      await page.getByTestId('intervention-panel').waitFor({ timeout: 15_000 });
      const box = page.getByTestId('retry-input');
      await eventually(async () => (await box.inputValue()).includes('row 7'));
      const prefilled = JSON.parse(await box.inputValue()) as Record<string, unknown>;
      assert.deepEqual(prefilled, current);
      // The person edits the current input rather than retyping it.
      await box.fill(JSON.stringify({ ...prefilled, times: 0, output: { prefilled: true } }, null, 2));
      await page.getByTestId('retry-button').click();
      const result = await env.pipelines.result(id);
      assert.deepEqual(result.outputs.load, { prefilled: true });
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('the list: reason and duration columns, one row per id after a resume, waiting-for-you count, Temporal UI links', async () => {
    const name = `dag-list-${testId('n').slice(2)}`;
    const failed = testId('dag-list-failed');
    const gated = testId('dag-list-gated');
    await env.pipelines.start(
      {
        name,
        steps: [{ id: 'load', activity: 'fail', input: { category: 'validation', message: 'bad row 9' } }],
      },
      { id: failed },
    );
    await assert.rejects(env.pipelines.result(failed));
    await env.pipelines.start(
      { name, steps: [{ id: 'ok', type: 'approval', approvers: ['release-managers'] }] },
      { id: gated },
    );
    await eventually(async () => (await env.pipelines.progress(gated)).status === 'awaiting_approval');

    const { page, problems, close } = await openPage('#/');
    try {
      await page.getByTestId('filter-name').fill(name);
      const row = (id: string) =>
        page.getByTestId('pipeline-row').filter({ has: page.getByText(id, { exact: true }) });
      await row(failed)
        .getByTestId('row-reason')
        .getByText(/bad row 9/)
        .waitFor();
      assert.match(await row(failed).getByTestId('row-duration').innerText(), /\d/);
      await row(gated)
        .getByTestId('row-reason')
        .getByText('waiting for approval of ok (release-managers)')
        .waitFor();
      const link = row(failed).getByTestId('temporal-link');
      const runId = (await env.pipelines.progress(failed)).runId;
      assert.equal(
        await link.getAttribute('href'),
        `${UI}/namespaces/${env.namespace}/workflows/${encodeURIComponent(failed)}/${runId}/history`,
      );

      // Waiting for you: alice's token does not count the release managers' gate; theirs does.
      await signIn(page, ALICE);
      await page.getByTestId('waiting-filter').click();
      await page.getByText('Nothing waits for you.').or(page.getByTestId('pipeline-list')).first().waitFor();
      await eventually(
        async () =>
          (await row(gated).count()) === 0 && (await page.getByTestId('waiting-count').innerText()) !== '–',
      );
      await signIn(page, MANAGER);
      await row(gated).waitFor();
      assert.ok(Number(await page.getByTestId('waiting-count').innerText()) >= 1);
      await page.getByTestId('waiting-filter').click();

      // One row per pipeline id: the resumed pipeline is listed once, as its new run.
      await env.pipelines.resume(failed, { fromStep: 'load', input: { category: 'validation', times: 0 } });
      await env.pipelines.result(failed);
      await row(failed).getByTestId('status-badge').getByText('completed').waitFor({ timeout: 15_000 });
      assert.equal(await row(failed).count(), 1);
      assert.equal(await row(failed).getByTestId('row-reason').innerText(), '');
      await page.screenshot({ path: artifactPath('dashboard-triage.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await close();
      await env.pipelines.cancel(gated);
    }
  });

  test('a read-only dashboard disables approve, reject, cancel and start, and says why', async () => {
    const id = testId('dag-readonly');
    await env.pipelines.start({ name: 'dag-readonly', steps: [{ id: 'ok', type: 'approval' }] }, { id });
    const { page, problems, close } = await openPage(pipelinePage(id), readOnly.url);
    try {
      await page.getByTestId('approval-panel').waitFor({ timeout: 15_000 });
      await page
        .getByTestId('approval-panel')
        .getByTestId('read-only-reason')
        .getByText(/STEPLINE_API_TOKEN/)
        .waitFor();
      await eventually(async () => await page.getByTestId('approve-button').isDisabled());
      assert.ok(await page.getByTestId('reject-button').isDisabled());
      assert.ok(await page.getByTestId('cancel-button').isDisabled());
      assert.equal(await page.getByTestId('temporal-link').count(), 0);
      await page.getByTestId('nav-start').click();
      await page
        .getByTestId('read-only-reason')
        .getByText(/Starting is disabled/)
        .waitFor();
      assert.ok(await page.getByTestId('start-button').isDisabled());
      assert.deepEqual(problems, []);
    } finally {
      await close();
      await env.pipelines.cancel(id);
    }
  });
});
