/**
 * `npm test`: one in-memory dev server for the whole run (the "global setup"), a workflow bundle built
 * once, then node's test runner over the unit and integration suites. The server is stopped however the
 * run ends: pass, fail, Ctrl-C or SIGTERM.
 *
 * With `--server cluster` (`npm run test:cluster`) the run's server is a real cluster instead
 * (src/cluster: PostgreSQL and the four Temporal services as processes, in a temporary folder), and the
 * tests see `STEPLINE_TEST_SERVER=cluster`.
 *
 * Usage: npm test [-- [--server dev|cluster] [--test-name-pattern=…] <test files...>]
 * Without files: tests/unit and tests/integration; with `--server cluster`, tests/cluster/suite.ts's list.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startDevServer } from '../src/dev/dev-server.js';
import { startCluster } from '../src/cluster/cluster.js';
import { clusterTempDir, PRECISE_TIMERS } from '../tests/helpers/cluster.js';
import { CLUSTER_INTEGRATION_TESTS } from '../tests/cluster/suite.js';
import { PROJECT_ROOT } from '../src/dev/temporal-cli.js';
import { writeWorkflowBundle } from '../src/bundle.js';

const artifacts = path.join(PROJECT_ROOT, 'tests', 'artifacts');
mkdirSync(artifacts, { recursive: true });

const { kind, rest: args } = serverKind(process.argv.slice(2));
const testFlags = args.filter((a) => a.startsWith('--'));
const requested = args.filter((a) => !a.startsWith('--'));
const files = requested.length
  ? requested
  : kind === 'cluster'
    ? [...CLUSTER_INTEGRATION_TESTS, ...testFiles(path.join('tests', 'cluster'))]
    : ['unit', 'integration'].flatMap((suite) => testFiles(path.join('tests', suite)));

/** `--server dev|cluster` (or `--server=…`), taken out of the arguments passed on to node's runner. */
function serverKind(argv: string[]): { kind: 'dev' | 'cluster'; rest: string[] } {
  const rest: string[] = [];
  let kind = 'dev';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--server') kind = argv[++i] ?? '';
    else if (arg.startsWith('--server=')) kind = arg.slice('--server='.length);
    else rest.push(arg);
  }
  if (kind !== 'dev' && kind !== 'cluster') {
    console.error(`stepline test: --server: expected dev or cluster, got ${JSON.stringify(kind)}`);
    process.exit(2);
  }
  return { kind, rest };
}

function testFiles(dir: string): string[] {
  return readdirSync(path.join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

// One bundle per run: a concurrent run must never swap the code under this run's workers.
const bundlePath = path.join(PROJECT_ROOT, '.cache', `test-workflow-bundle-${process.pid}.js`);
/** What the run needs of its server, dev or cluster. */
interface RunServer {
  address: string;
  namespace: string;
  stop(): Promise<void>;
}
let server: RunServer | undefined;
/** The server while it starts: Ctrl-C then still stops what it started (a cluster is several processes). */
let starting: Promise<RunServer> | undefined;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    server ??= await starting?.catch(() => undefined);
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
  if (kind === 'cluster') {
    starting = startCluster({
      dir: clusterTempDir('stepline-test-cluster-'),
      dynamicConfig: PRECISE_TIMERS,
      log: () => undefined,
    });
    server = await starting;
    console.error(`stepline test: cluster ${server.address} up in ${Date.now() - t0} ms`);
  } else {
    const dev = startDevServer({ ui: false, preciseTimers: true });
    starting = dev;
    const ready = await dev;
    server = ready;
    console.error(
      `stepline test: dev server ${ready.address} (${ready.cli.source}) up in ${Date.now() - t0} ms`,
    );
  }
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
    // Per test file as well as per test: docs-guide packs and installs the package in its set-up, which
    // took over 3 min on a machine at load 14. A hung test still ends the run well within CI's time.
    `--test-timeout=${process.env.STEPLINE_TEST_TIMEOUT_MS ?? '420000'}`,
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
      STEPLINE_TEST_SERVER: kind,
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
