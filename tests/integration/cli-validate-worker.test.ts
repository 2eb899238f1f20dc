import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { useTestEnv } from '../helpers/harness.js';
import { testSteps } from '../helpers/test-steps.js';
import { startCli } from '../cli/run-cli.js';

describe('stepline validate --worker', () => {
  const env = useTestEnv({ steps: testSteps });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stepline-validate-worker-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, activity: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, `name: probe-check\nsteps:\n  - id: a\n    activity: ${activity}\n    input: {}\n`);
    return at;
  };
  const validate = async (at: string) =>
    await startCli(['validate', at, '--worker', '--address', env.address, '--task-queue', env.taskQueue])
      .done;

  test('a handler the running worker has passes; a typo fails with the path and a suggestion', async () => {
    const ok = await validate(file('ok.yaml', 'test.record'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /valid pipeline "probe-check"/);

    const typo = await validate(file('typo.yaml', 'test.recrod'));
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(typo.stdout, /steps\[0\]\.activity: unknown step handler "test\.recrod".*test\.record/);
  });

  test('without --worker the same typo passes (names are only known to workers)', async () => {
    const plain = await startCli(['validate', file('typo2.yaml', 'test.recrod')]).done;
    assert.equal(plain.code, 0, plain.stderr);
  });

  test('no worker on the task queue: a clear error, exit 2', async () => {
    const lonely = await startCli(
      [
        'validate',
        file('ok2.yaml', 'echo'),
        '--worker',
        '--address',
        env.address,
        '--task-queue',
        `none-${Date.now()}`,
        '--worker-timeout',
        '3s',
      ],
      { timeoutMs: 60_000 },
    ).done;
    assert.equal(lonely.code, 2, lonely.stdout);
    assert.match(lonely.stderr, /no worker answered on task queue "none-/);
  });
});
