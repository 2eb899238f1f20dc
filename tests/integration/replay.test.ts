import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { buildWorkflowBundle } from '../../src/bundle.js';
import { ENGINE_VERSIONS, type EngineVersion } from '../../src/pipeline/contract.js';
import { scenarios } from '../helpers/history-scenarios.js';

const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));

async function workflowBundle(): Promise<{ code: string }> {
  const prebuilt = process.env.STEPLINE_WORKFLOW_BUNDLE;
  if (prebuilt && existsSync(prebuilt)) return { code: readFileSync(prebuilt, 'utf8') };
  return await buildWorkflowBundle();
}

/** The committed histories of one engine version (tests/histories/engine-N), parsed. */
function historiesOf(engine: EngineVersion): { file: string; history: ReturnType<typeof historyFromJSON> }[] {
  const dir = path.join(historiesDir, `engine-${engine}`);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file: `engine-${engine}/${file}`,
      history: historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8'))),
    }));
}

/** The `engine` of the request a history's run started with (absent: 1). */
function engineOf(history: ReturnType<typeof historyFromJSON>): unknown {
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  assert.ok(payload?.data, "the history starts with the workflow's input");
  const request = JSON.parse(Buffer.from(payload.data).toString('utf8')) as { engine?: unknown };
  return request.engine ?? 1;
}

describe('committed histories replay unchanged', () => {
  for (const engine of ENGINE_VERSIONS) {
    test(`engine ${engine}: every scenario has a history recorded on it`, () => {
      const files = historiesOf(engine).map((h) => h.file);
      for (const scenario of scenarios) {
        assert.ok(
          files.some(
            (f) =>
              f === `engine-${engine}/${scenario.name}.json` ||
              f.startsWith(`engine-${engine}/${scenario.name}.`),
          ),
          `tests/histories/engine-${engine}/${scenario.name}.json is missing: run npm run record-histories`,
        );
      }
      for (const { file, history } of historiesOf(engine))
        assert.equal(engineOf(history), engine, `${file} was recorded on another engine`);
    });
  }

  test('the interpreter replays every committed history of every engine without non-determinism', async () => {
    const bundle = await workflowBundle();
    const histories = ENGINE_VERSIONS.flatMap((engine) => historiesOf(engine)).map(({ file, history }) => ({
      workflowId: file,
      history,
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, histories.length);
    assert.deepEqual(failures, []);
  });
});
