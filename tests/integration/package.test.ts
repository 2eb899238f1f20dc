/**
 * The npm package as a user gets it: `npm pack` (its `prepack` builds dist/ from a staged copy of the
 * sources, so the checkout's dist/ is never touched), `npm install <tarball>` into a fresh project outside
 * the repository, then — by package name only, with nothing loaded through tsx — imports from `stepline`
 * and `stepline/steps`, a type check against the package's declarations, a worker started with
 * `npx stepline worker --steps ./steps.js` (the packaged workflow bundle, no bundling at start), and a
 * pipeline using the custom step run to its end with `npx stepline run --watch`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testId } from '../helpers/harness.js';
import {
  explain,
  freePort,
  killAll,
  repoPackage,
  run,
  stageRepository,
  start,
  stop,
  userEnv,
} from '../helpers/package-project.js';

describe('the stepline npm package, installed into a fresh project', () => {
  let temp = '';
  let project = '';

  before(
    async () => {
      temp = mkdtempSync(path.join(os.tmpdir(), 'stepline-package-'));
      const stage = path.join(temp, 'stage');
      project = path.join(temp, 'project');
      stageRepository(stage);
      mkdirSync(project);

      const t0 = Date.now();
      const pack = await run('npm', ['pack', '--silent', '--pack-destination', temp], stage, 600_000);
      assert.equal(pack.code, 0, explain(pack));
      const tarball = readdirSync(temp).find((f) => f.endsWith('.tgz'));
      assert.ok(tarball, `npm pack wrote no tarball\n${explain(pack)}`);
      const packMs = Date.now() - t0;

      writeFileSync(
        path.join(project, 'package.json'),
        JSON.stringify({ name: 'stepline-package-test', private: true, type: 'module' }, null, 2),
      );
      const t1 = Date.now();
      const install = await run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          path.join(temp, tarball),
          `typescript@${repoPackage.devDependencies.typescript}`,
          `@types/node@${repoPackage.devDependencies['@types/node']}`,
        ],
        project,
        600_000,
      );
      assert.equal(install.code, 0, explain(install));
      console.log(
        `package test: npm pack (with the build) ${(packMs / 1000).toFixed(1)} s, npm install ${((Date.now() - t1) / 1000).toFixed(1)} s`,
      );
    },
    { timeout: 20 * 60_000 },
  );

  after(() => {
    killAll();
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  test('the installed package has compiled code, the workflow bundle and the dashboard page; no sources', () => {
    const installed = path.join(project, 'node_modules', 'stepline');
    const files = readdirSync(installed, { recursive: true, encoding: 'utf8' });
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/workflow-bundle.js',
      'dist/web/index.html',
    ]) {
      assert.ok(files.includes(file), `${file} is missing from the package`);
    }
    assert.deepEqual(
      files.filter((f) => f.startsWith('src/') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))),
      [],
      'TypeScript sources in the package',
    );
  });

  test('imports by package name: stepline and stepline/steps and stepline/worker', async () => {
    writeFileSync(
      path.join(project, 'imports.js'),
      `import { PipelineClient, PipelineFailedError, ERROR_CATEGORIES } from 'stepline';
import { defineStep, StepError, z } from 'stepline/steps';
import { createPipelineWorker, runPipelineWorker } from 'stepline/worker';
const step = defineStep({ name: 'x.y', input: z.object({}), run: () => ({}) });
console.log(JSON.stringify({
  client: typeof PipelineClient.connect,
  failed: typeof PipelineFailedError,
  categories: ERROR_CATEGORIES.includes('network'),
  step: step.name,
  stepError: new StepError('bad', { category: 'validation' }).category,
  worker: [typeof createPipelineWorker, typeof runPipelineWorker],
}));
`,
    );
    const result = await run('node', ['imports.js'], project, 60_000);
    assert.equal(result.code, 0, explain(result));
    assert.deepEqual(JSON.parse(result.stdout), {
      client: 'function',
      failed: 'function',
      categories: true,
      step: 'x.y',
      stepError: 'validation',
      worker: ['function', 'function'],
    });
  });

  test("a TypeScript project type-checks against the package's declarations (and a wrong use fails)", async () => {
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
        },
        include: ['typed.ts'],
      }),
    );
    const typed = `import { PipelineClient, type PipelineProgress, type PipelineDefinitionInput } from 'stepline';
import { defineStep, StepError, z, type ErrorCategory } from 'stepline/steps';
import { createPipelineWorker, type PipelineWorkerOptions } from 'stepline/worker';

export const greet = defineStep({
  name: 'typed.greet',
  input: z.object({ name: z.string() }),
  run: async (input, ctx) => {
    ctx.heartbeat({ percent: 50 });
    if (!input.name) throw new StepError('no name', { category: 'validation' });
    return { greeting: \`hello \${input.name}\` };
  },
});
const category: ErrorCategory = 'network';
const definition: PipelineDefinitionInput = { name: 'typed', steps: [{ id: 'a', activity: 'typed.greet', input: {} }] };
const options: PipelineWorkerOptions = { steps: [greet], taskQueue: 'typed' };
export async function main(): Promise<string> {
  const client = await PipelineClient.connect();
  const { pipelineId } = await client.start(definition, { params: {} });
  const progress: PipelineProgress = await client.progress(pipelineId);
  await createPipelineWorker(options);
  return \`\${category} \${progress.status} \${progress.percent.toFixed(0)}\`;
}
`;
    writeFileSync(path.join(project, 'typed.ts'), typed);
    const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const ok = await run('node', [tsc, '-p', 'tsconfig.json'], project, 120_000);
    assert.equal(ok.code, 0, explain(ok));

    writeFileSync(
      path.join(project, 'typed.ts'),
      `${typed}\nexport const wrong: ErrorCategory = 'not-a-category';\n`,
    );
    const bad = await run('node', [tsc, '-p', 'tsconfig.json'], project, 120_000);
    assert.equal(bad.code, 2, explain(bad));
    assert.match(bad.stdout, /not-a-category/);
  });

  test('npx stepline worker --steps ./steps.js runs a custom step; npx stepline run --watch completes (exit 0)', async () => {
    const taskQueue = testId('package');
    writeFileSync(
      path.join(project, 'steps.js'),
      `import { defineStep, z } from 'stepline/steps';
export default [
  defineStep({
    name: 'pkg.shout',
    input: z.object({ text: z.string() }),
    run: async ({ text }) => ({ shouted: text.toUpperCase() + '!' }),
  }),
];
`,
    );
    writeFileSync(
      path.join(project, 'pipeline.yaml'),
      `name: package-test
steps:
  - id: shout
    activity: pkg.shout
    input: { text: '{{ params.text }}' }
  - id: after
    activity: echo
    input: { said: '{{ steps.shout.output.shouted }}' }
`,
    );
    const worker = start(
      'npx',
      ['--no', 'stepline', 'worker', '--steps', './steps.js', '--task-queue', taskQueue],
      project,
      { ...userEnv(), STEPLINE_LOG_FORMAT: 'json' },
    );
    try {
      const t0 = Date.now();
      while (!/stepline worker running/.test(worker.output())) {
        if (worker.child.exitCode !== null) assert.fail(`the worker exited\n${worker.output()}`);
        if (Date.now() - t0 > 60_000) assert.fail(`the worker did not start in 60 s\n${worker.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The workflow bundle shipped in the package, not one bundled at start (nor the test run's).
      assert.match(worker.output(), /node_modules[\\/]+stepline[\\/]+dist[\\/]+workflow-bundle\.js/);
      assert.match(worker.output(), /pkg\.shout/);

      const id = testId('package-run');
      const result = await run(
        'npx',
        [
          '--no',
          'stepline',
          'run',
          'pipeline.yaml',
          '--params',
          '{"text":"hello"}',
          '--id',
          id,
          '--watch',
          '--task-queue',
          taskQueue,
        ],
        project,
        120_000,
      );
      assert.equal(result.code, 0, explain(result));
      assert.match(result.stdout, /completed/);

      const status = await run(
        'npx',
        ['--no', 'stepline', 'status', id, '--json', '--task-queue', taskQueue],
        project,
        60_000,
      );
      assert.equal(status.code, 0, explain(status));
      assert.equal((JSON.parse(status.stdout) as { status: string }).status, 'completed');
    } finally {
      await stop(worker);
    }
  });

  test('npx stepline dashboard serves the page built into the package', async () => {
    const port = await freePort();
    const dashboard = start('npx', ['--no', 'stepline', 'dashboard'], project, {
      ...userEnv(),
      STEPLINE_DASHBOARD_PORT: String(port),
      STEPLINE_DASHBOARD_STATIC: '',
    });
    try {
      const t0 = Date.now();
      let page: Response | undefined;
      while (!page) {
        if (dashboard.child.exitCode !== null) assert.fail(`the dashboard exited\n${dashboard.output()}`);
        if (Date.now() - t0 > 60_000)
          assert.fail(`the dashboard did not answer in 60 s\n${dashboard.output()}`);
        page = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
        if (!page) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(page.status, 200, dashboard.output());
      const html = await page.text();
      assert.match(html, /<script[^>]+src="\/assets\//);
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, html);
      assert.equal((await fetch(`http://127.0.0.1:${port}${script}`)).status, 200);
    } finally {
      await stop(dashboard);
    }
  });
});
