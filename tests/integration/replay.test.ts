import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { buildWorkflowBundle } from '../../src/bundle.js';
import { scenarios } from '../helpers/history-scenarios.js';

const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));

async function workflowBundle(): Promise<{ code: string }> {
  const prebuilt = process.env.STEPLINE_WORKFLOW_BUNDLE;
  if (prebuilt && existsSync(prebuilt)) return { code: readFileSync(prebuilt, 'utf8') };
  return await buildWorkflowBundle();
}

describe('committed histories replay unchanged', () => {
  const files = readdirSync(historiesDir)
    .filter((f) => f.endsWith('.json'))
    .sort();

  test('every scenario has a committed history', () => {
    for (const scenario of scenarios) {
      assert.ok(
        files.some((f) => f === `${scenario.name}.json` || f.startsWith(`${scenario.name}.`)),
        `tests/histories/${scenario.name}.json is missing: run npm run record-histories`,
      );
    }
  });

  test('the interpreter replays every committed history without non-determinism', async () => {
    const bundle = await workflowBundle();
    const histories = files.map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromJSON(JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'))),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });
});
