/**
 * The dashboard page in a real browser (Debian's Chromium, driven by playwright-core) against a real
 * dashboard server, worker and Temporal server. Screenshots go to tests/artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDashboard } from '../../src/dashboard/server.js';
import { WEB_OUT_DIR } from '../../src/dashboard/web-build.js';
import {
  artifactPath,
  CHROMIUM_PATH,
  chromiumAvailable,
  ensureWebBuilt,
  launchChromium,
  useDashboard,
} from '../helpers/browser.js';
import { eventually, testId, useTestEnv } from '../helpers/harness.js';

const TOKEN = 'browser-test-token-7d1e';
const XSS = '<img src=x onerror=alert(1)>';
const skip = chromiumAvailable() ? false : `no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium`;

describe('dashboard page in Chromium', { skip }, () => {
  const env = useTestEnv();
  const dashboard = useDashboard(() => env, { apiToken: TOKEN, staticDir: WEB_OUT_DIR, pollIntervalMs: 150 });
  let browser: Browser;

  before(async () => {
    await ensureWebBuilt();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  /** A fresh tab that records dialogs, page errors and CSP violations (each test asserts there were none). */
  async function openPage(hash: string, viewport = { width: 1280, height: 900 }, base = dashboard.url) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems: string[] = [];
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text()))
        problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${base}/${hash}`);
    return { page, problems, dialogs, close: () => context.close() };
  }

  async function signIn(page: Page, name = 'ada', token = TOKEN) {
    await page.getByTestId('name-input').fill(name);
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('token-save').click();
  }

  const summaryStatus = (page: Page) => page.locator('.summary [data-testid="status-badge"]');

  test("a running pipeline's percent changes live, without a reload", async () => {
    const id = testId('web-live');
    // A short heartbeat timeout makes the worker send heartbeats (≈ 0.8 × timeout) often enough to watch.
    const delay = { activity: 'delay', input: { ms: 2500, ticks: 10 }, timeouts: { heartbeat: '1s' } };
    await env.pipelines.start(
      {
        name: 'web-live',
        steps: [
          { id: 'extract', ...delay },
          { id: 'transform', ...delay },
          { id: 'load', ...delay },
        ],
      },
      { id },
    );
    const { page, problems, close } = await openPage(`#/pipelines/${encodeURIComponent(id)}`);
    try {
      await page.getByTestId('overall-percent').waitFor();
      await page.evaluate('window.notReloaded = true');
      const overall = new Set<string>();
      const stepPercents = new Set<string>();
      let screenshot = false;
      await eventually(
        async () => {
          overall.add(await page.getByTestId('overall-percent').innerText());
          for (const text of await page.getByTestId('step-percent').allInnerTexts()) stepPercents.add(text);
          if (!screenshot && overall.size >= 2 && (await page.getByTestId('step-percent').count()) > 0) {
            screenshot = true;
            await page.screenshot({ path: artifactPath('dashboard-detail-running.png'), fullPage: true });
          }
          return (await summaryStatus(page).innerText()) === 'completed';
        },
        30_000,
        50,
      );
      assert.equal(await page.getByTestId('overall-percent').innerText(), '100%');
      assert.ok(overall.size >= 3, `overall percent took ${[...overall].join(', ')}`);
      assert.ok(stepPercents.size >= 2, `step heartbeat percent took ${[...stepPercents].join(', ')}`);
      assert.equal(await page.evaluate<boolean>('window.notReloaded === true'), true);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('clicking approve (with the token typed in) completes a gated pipeline', async () => {
    const id = testId('web-gate');
    await env.pipelines.start(
      {
        name: 'web-gate',
        steps: [
          { id: 'prepare', activity: 'echo', input: { rows: 3 } },
          { id: 'gate', type: 'approval', prompt: 'Publish {{ steps.prepare.output.rows }} rows?' },
          { id: 'publish', activity: 'echo', input: { published: true } },
        ],
      },
      { id },
    );
    const { page, problems, close } = await openPage(`#/pipelines/${encodeURIComponent(id)}`);
    try {
      const panel = page.getByTestId('approval-panel');
      await panel.waitFor();
      await panel.getByText('Publish 3 rows?').waitFor();
      // Without a token the server refuses, and the page says why.
      await page.getByTestId('approve-button').click();
      await page
        .getByTestId('approval-error')
        .getByText(/Authorization: Bearer/)
        .waitFor();
      await signIn(page);
      await page.getByTestId('approval-comment').fill('numbers look right');
      await page.screenshot({ path: artifactPath('dashboard-detail.png'), fullPage: true });
      await page.getByTestId('approve-button').click();
      await summaryStatus(page).getByText('completed').waitFor({ timeout: 15_000 });
      await page.getByTestId('audit-trail').getByText('numbers look right').waitFor();
      await page.screenshot({ path: artifactPath('dashboard-detail-completed.png'), fullPage: true });
      const result = await env.pipelines.result(id);
      assert.equal(result.status, 'completed');
      assert.deepEqual(result.outputs.publish, { published: true });
      assert.ok(result.progress.decisions.some((d) => d.action === 'approve' && d.by === 'ada'));
      assert.equal(await page.evaluate<string | null>("sessionStorage.getItem('stepline.token')"), TOKEN);
      assert.equal(await page.evaluate<string>('document.cookie'), '');
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('an intervention with edited input repairs a failed step', async () => {
    const id = testId('web-repair');
    await env.pipelines.start(
      {
        name: 'web-repair',
        steps: [
          {
            id: 'load',
            activity: 'fail',
            input: { category: 'validation', message: 'row 7 has no id' },
            recovery: [{ strategy: 'manual_intervention' }],
          },
          { id: 'report', activity: 'echo', input: { loaded: '{{ steps.load.output }}' } },
        ],
      },
      { id },
    );
    const { page, problems, close } = await openPage(`#/pipelines/${encodeURIComponent(id)}`);
    try {
      await signIn(page);
      const panel = page.getByTestId('intervention-panel');
      await panel.waitFor();
      await panel.getByText('row 7 has no id').waitFor();
      await panel.getByText('validation', { exact: true }).waitFor();
      await page.getByTestId('retry-input').fill('{ "times": 0, "output": { "rows": 7 } }');
      await page.screenshot({ path: artifactPath('dashboard-intervention.png'), fullPage: true });
      await page.getByTestId('retry-button').click();
      await summaryStatus(page).getByText('completed').waitFor({ timeout: 15_000 });
      const result = await env.pipelines.result(id);
      assert.deepEqual(result.outputs.load, { rows: 7 });
      assert.deepEqual(result.outputs.report, { loaded: { rows: 7 } });
      await page.getByTestId('audit-trail').getByText('intervention: retry').waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('the start form shows issues by path, and a step named like markup renders as text', async () => {
    const id = testId('web-xss');
    const { page, problems, dialogs, close } = await openPage('#/start');
    try {
      await signIn(page);
      await page
        .getByTestId('definition-input')
        .fill('name: web-bad\nsteps:\n  - id: a\n    activity: echo\n    retry: { maxAttempts: many }\n');
      await page.getByTestId('start-button').click();
      const issues = page.getByTestId('start-error').getByTestId('issues');
      await issues.getByText('steps[0].retry.maxAttempts').waitFor();

      const definition = {
        name: 'web-xss',
        steps: [
          { id: 'xss', name: XSS, activity: 'echo', input: { html: XSS } },
          { id: 'gate', name: '<b>bold?</b>', type: 'approval', prompt: `<script>alert(2)</script> ${XSS}` },
        ],
      };
      await page.getByTestId('definition-input').fill(JSON.stringify(definition, null, 2));
      await page.getByTestId('params-input').fill('{}');
      await page.getByPlaceholder('name-uuid').fill(id);
      await page.getByTestId('start-button').click();
      await page.waitForURL(/#\/pipelines\//);
      await page.getByTestId('approval-panel').waitFor();
      const name = page.getByTestId('step-xss').getByTestId('step-name');
      assert.equal(await name.innerText(), XSS);
      assert.ok(await name.isVisible());
      await page.getByTestId('steps').getByText('<b>bold?</b>', { exact: true }).waitFor();
      await page
        .locator('[data-testid="dag-node"][data-node-id="gate"] .dag-name')
        .getByText('<b>bold?</b>')
        .waitFor();
      await page
        .getByTestId('approval-panel')
        .getByText(`<script>alert(2)</script> ${XSS}`, { exact: true })
        .waitFor();
      await page.waitForTimeout(300);
      assert.equal(await page.locator('main img, main b, main script').count(), 0);
      assert.deepEqual(dialogs, []);
      assert.deepEqual(problems, []);
      await page.screenshot({ path: artifactPath('dashboard-xss.png'), fullPage: true });

      // The list, with this pipeline waiting for approval among the others.
      await page.goto(`${dashboard.url}/#/`);
      await page.getByTestId('pipeline-row').first().waitFor();
      await eventually(async () => (await page.getByTestId('pipeline-row').count()) >= 4, 10_000);
      await page.screenshot({ path: artifactPath('dashboard-list.png'), fullPage: true });
    } finally {
      await env.pipelines.cancel(id).catch(() => undefined);
      await close();
    }
  });

  test('on a phone-sized screen the detail view fits the width', async () => {
    const id = testId('web-phone');
    await env.pipelines.start(
      {
        name: 'web-phone',
        steps: [
          { id: 'extract', activity: 'echo', input: {} },
          { id: 'approve', type: 'approval', prompt: 'Go live?', approvers: ['ada'] },
        ],
      },
      { id },
    );
    const { page, problems, close } = await openPage(`#/pipelines/${encodeURIComponent(id)}`, {
      width: 390,
      height: 844,
    });
    try {
      await page.getByTestId('approval-panel').waitFor();
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone screen`);
      await page.screenshot({ path: artifactPath('dashboard-detail-phone.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await env.pipelines.cancel(id).catch(() => undefined);
      await close();
    }
  });

  test('when reads need a token, the page says so, then streams with the token it was given', async () => {
    const readToken = 'browser-read-token-3c9a';
    const guarded = await startDashboard({
      client: dashboard.client,
      port: 0,
      apiToken: TOKEN,
      readToken,
      staticDir: WEB_OUT_DIR,
      pollIntervalMs: 150,
    });
    const id = testId('web-read');
    await env.pipelines.start(
      // held at a gate so the stream is still live however slow the machine is
      { name: 'web-read', steps: [{ id: 'gate', type: 'approval' }] },
      { id },
    );
    const refused = await openPage('#/', undefined, guarded.url);
    const viewer = await openPage('#/start', undefined, guarded.url);
    try {
      await refused.page
        .getByTestId('error-note')
        .getByText(/STEPLINE_READ_TOKEN/)
        .waitFor();
      // EventSource cannot send the header: the page falls back to a fetch stream that does.
      await signIn(viewer.page, 'ada', readToken);
      await viewer.page.evaluate(`location.hash = '#/pipelines/${encodeURIComponent(id)}'`);
      await viewer.page.getByTestId('stream-state').getByText('live').waitFor();
      await summaryStatus(viewer.page)
        .getByText(/awaiting/)
        .waitFor();
      await env.pipelines.approve(id, 'gate', { by: 'ada' });
      await summaryStatus(viewer.page).getByText('completed').waitFor({ timeout: 15_000 });
      assert.equal(await viewer.page.getByTestId('overall-percent').innerText(), '100%');
      assert.deepEqual([...refused.problems, ...viewer.problems], []);
    } finally {
      await refused.close();
      await viewer.close();
      await guarded.close();
    }
  });
});
