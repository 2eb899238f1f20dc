/**
 * The page's last-resort button in a real browser: Terminate needs a reason and a second click, then
 * the pipeline reads "terminated" live (badge, closing event), and the list shows it under that filter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
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

describe('terminate from the dashboard page', { skip }, () => {
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
});
