/**
 * Operator paths of the page in a real browser: the last-resort Terminate button (a reason and a second
 * click; then "terminated" live and in the list), and a live view refused by the stream cap that waits
 * as told and goes live once a slot is free.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
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

const TOKEN = 'browser-terminate-token-51aa';
const skip = chromiumAvailable() ? false : `no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium`;

describe('dashboard page: terminate and stream caps', { skip }, () => {
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

  test('Terminate (reason, confirm) ends a waiting pipeline; the page shows terminated live and in the list', async () => {
    const id = testId('web-term');
    await env.pipelines.start(
      {
        name: 'web-term',
        steps: [
          { id: 'prepare', activity: 'echo' },
          { id: 'gate', type: 'approval', prompt: 'Ship?' },
        ],
      },
      { id },
    );
    await eventually(async () => (await env.pipelines.progress(id)).pending?.stepId === 'gate', 30_000);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    try {
      await page.goto(`${dashboard.url}/#/pipelines/${encodeURIComponent(id)}`);
      await page.getByTestId('name-input').fill('ada');
      await page.getByTestId('token-input').fill(TOKEN);
      await page.getByTestId('token-save').click();
      const button = page.getByTestId('terminate-button');
      await button.waitFor();
      assert.equal(await button.isDisabled(), true, 'no reason, no terminate');
      await page.getByTestId('terminate-reason').fill('wedged gate; INC-9');
      await button.click();
      assert.match(await button.innerText(), /Click again/);
      assert.equal((await env.pipelines.progress(id)).status, 'awaiting_approval', 'one click does nothing');
      await button.click();
      const badge = page.locator('.summary [data-testid="status-badge"]');
      await badge.getByText('terminated').waitFor({ timeout: 15_000 });
      assert.match((await badge.getAttribute('class')) ?? '', /status-terminated/);
      await page
        .getByText(/pipeline terminated: wedged gate; INC-9; compensations did not run/)
        .first()
        .waitFor();
      await page.screenshot({ path: artifactPath('dashboard-detail-terminated.png'), fullPage: true });

      await page.goto(`${dashboard.url}/#/`);
      await page.getByTestId('filter-status').selectOption('terminated');
      await page.getByText(id).waitFor({ timeout: 15_000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a live view refused by the stream cap (503) retries after Retry-After and goes live when a slot frees', async () => {
    const id = testId('web-cap');
    await env.pipelines.start({ name: 'web-cap', steps: [{ id: 'gate', type: 'approval' }] }, { id });
    await eventually(async () => (await env.pipelines.progress(id)).pending?.stepId === 'gate', 30_000);
    const capped = await startDashboard({
      client: dashboard.client,
      port: 0,
      apiToken: TOKEN,
      staticDir: WEB_OUT_DIR,
      pollIntervalMs: 150,
      maxStreamsPerClient: 1,
      streamRetryAfterSeconds: 1,
    });
    // Another viewer on this machine holds the only slot.
    const held = await new Promise<http.ClientRequest>((resolve, reject) => {
      const request = http.get(`${capped.url}/api/pipelines/${id}/events`, { agent: false }, (response) => {
        assert.equal(response.statusCode, 200);
        response.resume();
        resolve(request);
      });
      request.on('error', reject);
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${capped.url}/#/pipelines/${encodeURIComponent(id)}`);
      const state = page.getByTestId('stream-state');
      await state.getByText('reconnecting').waitFor({ timeout: 15_000 });
      held.destroy();
      await state.getByText('● live').waitFor({ timeout: 15_000 });
      await env.pipelines.approve(id, 'gate');
      await page
        .locator('.summary [data-testid="status-badge"]')
        .getByText('completed')
        .waitFor({ timeout: 15_000 });
    } finally {
      held.destroy();
      await context.close();
      await capped.close();
    }
  });
});
