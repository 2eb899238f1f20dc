/**
 * `npm test`: one in-memory dev server for the whole run (the "global setup"), a workflow bundle built
 * once, then node's test runner over the unit and integration suites. The server is stopped however the
 * run ends: pass, fail, Ctrl-C or SIGTERM.
 *
 * Usage: npm test [-- [--test-name-pattern=…] <test files...>]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startDevServer, type DevServer } from '../src/dev/dev-server.js';
import { PROJECT_ROOT } from '../src/dev/temporal-cli.js';
import { writeWorkflowBundle } from '../src/bundle.js';

const artifacts = path.join(PROJECT_ROOT, 'tests', 'artifacts');
mkdirSync(artifacts, { recursive: true });

const args = process.argv.slice(2);
const testFlags = args.filter((a) => a.startsWith('--'));
const requested = args.filter((a) => !a.startsWith('--'));
const files = requested.length
  ? requested
  : ['unit', 'integration'].flatMap((suite) => testFiles(path.join('tests', suite)));

function testFiles(dir: string): string[] {
  return readdirSync(path.join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

// One bundle per run: a concurrent run must never swap the code under this run's workers.
const bundlePath = path.join(PROJECT_ROOT, '.cache', `test-workflow-bundle-${process.pid}.js`);
let server: DevServer | undefined;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await server?.stop().catch(() => undefined);
    rmSync(bundlePath, { force: true });
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

const needsServer = files.some((f) => !f.includes('tests/unit/'));
if (needsServer) {
  const t0 = Date.now();
  server = await startDevServer({ ui: false, preciseTimers: true });
  console.error(
    `stepline test: dev server ${server.address} (${server.cli.source}) up in ${Date.now() - t0} ms`,
  );
}
if (needsServer) {
  const t0 = Date.now();
  await writeWorkflowBundle(bundlePath);
  console.error(`stepline test: workflow bundle built in ${Date.now() - t0} ms`);
}

const tapFile = path.join(artifacts, `results-${process.pid}.tap`);
rmSync(tapFile, { force: true });
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.STEPLINE_TEST_CONCURRENCY ?? '2'}`,
    `--test-timeout=${process.env.STEPLINE_TEST_TIMEOUT_MS ?? '180000'}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...testFlags,
    ...files,
  ],
  {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      ...(server ? { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace } : {}),
      STEPLINE_WORKFLOW_BUNDLE: bundlePath,
      STEPLINE_TEST_RUN: '1',
    },
  },
);
const code: number = await new Promise((resolve) =>
  child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))),
);

let passed = 0;
let failed = 0;
try {
  const tap = readFileSync(tapFile, 'utf8');
  passed = Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
  failed = Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(tap)?.[1] ?? 0);
  rmSync(tapFile, { force: true });
} catch {
  failed = Math.max(failed, 1);
}
if (code !== 0 && failed === 0) {
  // a hook or a whole file failed outside any test: count it, so the totals never read green
  console.error('stepline test: the run failed outside a test (a hook or a file that did not load)');
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
await shutdown(code !== 0 || failed > 0 || passed === 0 ? 1 : 0);
