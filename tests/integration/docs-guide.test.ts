/**
 * docs/guide.md, "Your first pipeline", done as a reader does it, from its code blocks only: every block
 * is either a file (its first line `// file: <name>` or `# file: <name>`), written as shown, or a
 * ```bash block, run as shown with `bash -e` in document order. Substituted: the tarball's path (the
 * `npm pack` block runs in a staged copy of the repository), the exported `TEMPORAL_ADDRESS` (the test
 * run's dev server) and `STEPLINE_TASK_QUEUE` (a queue of this test's own), and the pipeline id
 * `orders-1` (a unique one). The block marked `# keeps running` (the worker) is started in the
 * background with `--task-queue`. Assertions read what the reader sees: exit codes, the CLI's output,
 * `stepline status --json` and `stepline result`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serverAddress, testId } from '../helpers/harness.js';
import {
  explain,
  killAll,
  REPO,
  run,
  stageRepository,
  start,
  stop,
  userEnv,
  waitForOutput,
  type Run,
  type Started,
} from '../helpers/package-project.js';

const guide = readFileSync(path.join(REPO, 'docs', 'guide.md'), 'utf8');

type Block = { kind: 'file'; lang: string; name: string; text: string } | { kind: 'shell'; text: string };

const blocks: Block[] = [...guide.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => {
  const lang = m[1]!;
  const text = m[2]!;
  const file = /^(?:\/\/|#) file: (\S+)\n/.exec(text);
  if (file) return { kind: 'file', lang, name: file[1]!, text };
  if (lang === 'bash') return { kind: 'shell', text };
  throw new Error(`docs/guide.md: a \`\`\`${lang} block that is neither a file nor bash:\n${text}`);
});
const shellBlocks = blocks.filter((b): b is Extract<Block, { kind: 'shell' }> => b.kind === 'shell');

const GUIDE_ID = 'orders-1';

interface Outcome extends Run {
  script: string;
}

describe('docs/guide.md: your first pipeline, from an empty folder', () => {
  let temp = '';
  let project = '';
  const id = testId('guide');
  const taskQueue = testId('guide');
  /** The environment after the guide's `export` lines (with their substituted values). */
  const env: NodeJS.ProcessEnv = {
    ...userEnv(),
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  delete env.TEMPORAL_ADDRESS; // set by the guide's export line
  let next = 0; // the next shell block to run
  let worker: Started | undefined;

  function substitute(script: string): string {
    return script
      .replace(/^export TEMPORAL_ADDRESS=\S+$/m, `export TEMPORAL_ADDRESS=${serverAddress()}`)
      .replace(/^export STEPLINE_TASK_QUEUE=\S+$/m, `export STEPLINE_TASK_QUEUE=${taskQueue}`)
      .replace(/(?<=\s)\S+\.tgz\b/g, path.join(temp, 'stage', tarballName()))
      .replaceAll(new RegExp(`\\b${GUIDE_ID}\\b`, 'g'), id);
  }

  function tarballName(): string {
    const name = readdirSync(path.join(temp, 'stage')).find((f) => f.endsWith('.tgz'));
    return name ?? '(no tarball yet)';
  }

  /** Takes the next shell block, checks it is the one the test expects there, and runs it. */
  async function runNext(expected: RegExp, cwd = project, timeoutMs = 120_000): Promise<Outcome> {
    const block = shellBlocks[next++];
    assert.ok(block, `docs/guide.md has no shell block #${next} (expected ${expected})`);
    assert.match(block.text, expected, 'docs/guide.md: the shell blocks are not in the expected order');
    const script = substitute(block.text);
    for (const [, key, value] of script.matchAll(/^export (\w+)=(\S+)$/gm)) env[key!] = value;
    const result = await run('bash', ['-e', '-c', script], cwd, timeoutMs, env);
    return { ...result, script };
  }

  before(
    async () => {
      temp = mkdtempSync(path.join(os.tmpdir(), 'stepline-guide-'));
      project = path.join(temp, 'first-pipeline');
      mkdirSync(project);
      stageRepository(path.join(temp, 'stage'));
      const pack = await runNext(/^npm pack$/m, path.join(temp, 'stage'), 600_000);
      assert.equal(pack.code, 0, explain(pack));
      assert.match(tarballName(), /^stepline-.*\.tgz$/, 'npm pack wrote no tarball');

      const install = await runNext(/npm init -y[\s\S]*npm install /, project, 600_000);
      assert.equal(install.code, 0, explain(install));

      for (const block of blocks)
        if (block.kind === 'file') writeFileSync(path.join(project, block.name), block.text);
    },
    { timeout: 15 * 60_000 },
  );

  after(async () => {
    if (worker) await stop(worker, 5_000);
    killAll();
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  test('every code block is a file or a shell block; the project is an ES module project with the package', () => {
    assert.deepEqual(
      blocks.filter((b) => b.kind === 'file').map((b) => b.kind === 'file' && b.name),
      ['steps.js', 'pipeline.yaml', 'start.js'],
    );
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as {
      type?: string;
      dependencies?: Record<string, string>;
    };
    assert.equal(pkg.type, 'module');
    assert.ok(pkg.dependencies?.stepline, JSON.stringify(pkg));
  });

  test('the exports and the worker: `npx stepline worker --steps ./steps.js` runs the two steps', async () => {
    const exports = await runNext(/^export TEMPORAL_ADDRESS=/m);
    assert.equal(exports.code, 0, explain(exports));
    assert.equal(env.TEMPORAL_ADDRESS, serverAddress());
    assert.equal(env.STEPLINE_TASK_QUEUE, taskQueue);

    const block = shellBlocks[next++];
    assert.ok(block && /^# keeps running/.test(block.text), `expected the worker block, got ${block?.text}`);
    const command = block.text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .join(' ');
    assert.equal(command, 'npx stepline worker --steps ./steps.js');
    worker = start('bash', ['-c', `exec ${command} --task-queue ${taskQueue}`], project, {
      ...env,
      STEPLINE_LOG_FORMAT: 'json',
    });
    await waitForOutput(worker, /stepline worker running/, 90_000, 'the worker');
    assert.match(worker.output(), /orders\.fetch/);
    assert.match(worker.output(), /orders\.enrich/);
  });

  test('`stepline run … --until-blocked` stops at the approval gate with exit code 3', async () => {
    const result = await runNext(/npx stepline run pipeline\.yaml .*--until-blocked/);
    assert.equal(result.code, 3, explain(result));
    assert.match(result.stdout, new RegExp(`stepline approve ${id} ship --by alice`));

    const status = await run('npx', ['--no', 'stepline', 'status', id, '--json'], project, 60_000, env);
    assert.equal(status.code, 0, explain(status));
    const progress = JSON.parse(status.stdout) as {
      status: string;
      pending?: { stepId: string; kind: string };
      steps: { id: string; status: string; detail?: { items?: { total: number; succeeded: number } } }[];
    };
    assert.equal(progress.status, 'awaiting_approval');
    assert.deepEqual(progress.pending && [progress.pending.stepId, progress.pending.kind], [
      'ship',
      'approval',
    ]);
    const enrich = progress.steps.find((s) => s.id === 'enrich');
    assert.equal(enrich?.status, 'succeeded');
    assert.deepEqual(
      enrich?.detail?.items && [enrich.detail.items.total, enrich.detail.items.succeeded],
      [3, 3],
    );
  });

  test('status, approve --by alice, watch: the pipeline completes (exit 0)', async () => {
    const result = await runNext(/npx stepline approve orders-1 ship --by alice/);
    assert.equal(result.code, 0, explain(result));
    assert.match(result.stdout, /awaiting_approval/); // status, before the approval
    assert.match(result.stdout, /3\/3 items/);
    assert.match(result.stdout, /^fetch .*attempt 2 of 3, last error: network: orders API unreachable/m);
    assert.match(result.stdout, new RegExp(`ship of ${id} approved by alice; step is now succeeded`));
    assert.match(result.stdout, new RegExp(`${id} completed after .*\\(4 succeeded, 0 failed, 0 skipped\\)`));
  });

  test('`stepline result` prints the outputs: fetch on its 2nd attempt, one enrich output per order', async () => {
    const result = await runNext(/^npx stepline result orders-1$/m);
    assert.equal(result.code, 0, explain(result));
    const outputs = JSON.parse(result.stdout) as {
      fetch: { day: string; attempt: number; orders: { id: string }[] };
      enrich: { id: string; large: boolean; key: string }[];
      ship: { approved: boolean; by: string };
      publish: { day: string; orders: unknown[] };
    };
    assert.equal(outputs.fetch.attempt, 2, 'the first attempt failed (network) and was retried');
    assert.deepEqual(
      outputs.enrich.map((o) => [o.id, o.large, o.key]),
      [
        ['A-1', false, `${id}/enrich/0`],
        ['A-2', false, `${id}/enrich/1`],
        ['A-3', true, `${id}/enrich/2`],
      ],
    );
    assert.equal(outputs.enrich.length, outputs.fetch.orders.length);
    assert.deepEqual([outputs.ship.approved, outputs.ship.by], [true, 'alice']);
    assert.deepEqual(outputs.publish, { day: '2026-12-01', orders: outputs.enrich });
  });

  test('`node start.js`: the SDK starts it, follows it to the gate, approves it and reads its result', async () => {
    const result = await runNext(/^node start\.js$/m);
    assert.equal(result.code, 0, explain(result));
    const started = /^started (first-orders-\S+)$/m.exec(result.stdout)?.[1];
    assert.ok(started, explain(result));
    assert.match(result.stdout, /^awaiting_approval 50%$/m);
    assert.match(result.stdout, /^ship: succeeded$/m);
    assert.match(result.stdout, /^completed: 3 orders enriched$/m);

    const status = await run('npx', ['--no', 'stepline', 'status', started, '--json'], project, 60_000, env);
    assert.equal(status.code, 0, explain(status));
    const progress = JSON.parse(status.stdout) as {
      status: string;
      decisions: { stepId: string; action: string; by?: string; comment?: string }[];
    };
    assert.equal(progress.status, 'completed');
    assert.deepEqual(
      progress.decisions.map((d) => [d.stepId, d.action, d.by, d.comment]),
      [['ship', 'approve', 'alice', 'looks right']],
    );
  });

  test('every shell block of the guide ran', () => {
    assert.equal(next, shellBlocks.length, `ran ${next} of ${shellBlocks.length} shell blocks`);
  });
});
