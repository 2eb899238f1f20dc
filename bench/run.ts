/**
 * `npm run bench` (full, about 15-25 minutes on 2 cores) and `npm run bench -- --quick` (about a minute):
 * Stepline against hand-written Temporal workflows on the same dev server in the same run. See README
 * "Performance".
 *
 * One dev server per pass, headless, on 127.0.0.1: first a SQLite file with `journal_mode=WAL` and
 * `synchronous=OFF` (as the TypeScript SDK's stress CI runs it), then (full runs) in memory. The worker
 * runs in its own process (`bench/worker-child.ts`) with both the `pipeline` workflow and the baselines.
 *
 * Options: `--quick`; `--servers sqlite,memory`; `--only B1,B3`; `--profile` (CPU profile of the main
 * worker into the results folder); `--no-write` (print only); `--precise-timers` (dev servers with
 * `history.timerProcessorMaxTimeShift` 10 ms instead of the server's 1 s default, which delays every
 * timer shorter than a second — retry backoffs, sticky-queue timeouts — to about a second; evidence for B5,
 * not the default: production servers run with the 1 s default unless their operators change it).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { SHARED_WORKFLOW_MODULES, WORKFLOW_INTERCEPTOR_MODULES, writeWorkflowBundle } from '../src/bundle.js';
import { PipelineClient } from '../src/client.js';
import { startDevServer, type DevServer } from '../src/dev/dev-server.js';
import { b1Overhead } from './cases/b1-overhead.js';
import { b2History } from './cases/b2-history.js';
import { b3Progress } from './cases/b3-progress.js';
import { b4FanOut } from './cases/b4-fan-out.js';
import { b5Recovery } from './cases/b5-recovery.js';
import { b6Memory } from './cases/b6-memory.js';
import { b7StartUp } from './cases/b7-startup.js';
import { killAllChildren, type ChildWorker } from './lib/child.js';
import {
  BENCH_WORKER_OPTIONS,
  FULL_SIZES,
  QUICK_SIZES,
  startWorkers,
  type BenchCase,
  type BenchContext,
  type BundleMode,
  type Bundles,
  type Row,
  type ServerKind,
} from './lib/context.js';
import { markdownTable, SERVER_LABELS, writeResults } from './lib/report.js';

const CASES: BenchCase[] = [b1Overhead, b2History, b3Progress, b4FanOut, b5Recovery, b6Memory, b7StartUp];
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const PROFILE_DIR = path.join(RESULTS_DIR, 'profiles');
/** The SDK's stress CI: `--sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=OFF --headless`. */
const SQLITE_ARGS = ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF'];

interface Args {
  quick: boolean;
  bundle: BundleMode;
  servers: ServerKind[];
  only?: string[];
  profile: boolean;
  write: boolean;
  preciseTimers: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    bundle: 'separate',
    servers: [],
    profile: false,
    write: true,
    preciseTimers: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (!v) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') args.quick = true;
    else if (arg === '--profile') args.profile = true;
    else if (arg === '--no-write') args.write = false;
    else if (arg === '--precise-timers') args.preciseTimers = true;
    else if (arg === '--servers') args.servers = value().split(',') as ServerKind[];
    else if (arg === '--only') args.only = value().toUpperCase().split(',');
    else if (arg === '--bundle') args.bundle = value() as BundleMode;
    else
      throw new Error(
        `unknown option ${arg} (known: --quick --servers sqlite,memory --only B1,B2 --bundle separate|shared --profile --no-write --precise-timers)`,
      );
  }
  if (args.servers.some((s) => s !== 'sqlite' && s !== 'memory'))
    throw new Error('--servers: sqlite and/or memory');
  if (!['separate', 'shared'].includes(args.bundle)) throw new Error('--bundle: separate or shared');
  if (args.servers.length === 0) args.servers = args.quick ? ['sqlite'] : ['sqlite', 'memory'];
  return args;
}

const t0 = performance.now();
const log = (message: string) =>
  console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${message}`);

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memMB: Math.round(os.totalmem() / 1024 / 1024),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

function versions(server: DevServer | undefined) {
  const pkg = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  const cli =
    server && server.cli.path !== 'sdk-download'
      ? spawnSync(server.cli.path, ['--version'], { encoding: 'utf8' }).stdout.trim()
      : 'sdk-download';
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).stdout.trim();
  const dirty =
    spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return {
    node: process.version,
    temporalCli: cli,
    temporalSdk: pkg(path.join(ROOT, 'node_modules/@temporalio/worker/package.json')),
    stepline: pkg(path.join(ROOT, 'package.json')),
    commit: git ? `${git}${dirty ? '+dirty' : ''}` : 'unknown',
  };
}

async function runServer(
  kind: ServerKind,
  first: boolean,
  args: Args,
  shared: { runDir: string; bundles: Bundles },
  cases: BenchCase[],
): Promise<{ rows: Row[]; data: Record<string, unknown>; server: DevServer }> {
  const dbFile = kind === 'sqlite' ? path.join(shared.runDir, 'temporal.sqlite') : undefined;
  const started = performance.now();
  const server = await startDevServer({
    ui: false,
    preciseTimers: args.preciseTimers,
    ...(dbFile ? { dbFile, extraArgs: SQLITE_ARGS } : {}),
    log: (m) => log(m),
  });
  log(
    `${SERVER_LABELS[kind]} dev server at ${server.address} in ${(performance.now() - started).toFixed(0)} ms`,
  );
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  let worker: ChildWorker | undefined;
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  try {
    const main = await startWorkers(
      { server: { kind, address: server.address, namespace: server.namespace }, ...shared },
      'main',
      { stepline: true, baseline: true },
      args.profile ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] } : {},
    );
    worker = main.child;
    const ctx: BenchContext = {
      quick: args.quick,
      server: { kind, address: server.address, namespace: server.namespace },
      sizes: args.quick ? QUICK_SIZES : FULL_SIZES,
      client,
      pipelines: new PipelineClient({ client, taskQueue: main.taskQueue }),
      taskQueue: main.taskQueue,
      baselineQueue: main.baselineQueue,
      runDir: shared.runDir,
      bundles: shared.bundles,
      processes: { ...(server.pid !== undefined ? { server: server.pid } : {}), worker: main.child.pid },
      ...(args.profile ? { profileDir: PROFILE_DIR } : {}),
      log: (m) => log(`[${kind}] ${m}`),
    };
    for (const c of cases) {
      if (!c.perServer && !first) continue;
      const caseStarted = performance.now();
      log(`[${kind}] ${c.id} ${c.title}…`);
      const result = await c.run(ctx);
      const seconds = (performance.now() - caseStarted) / 1000;
      rows.push(...result.rows);
      data[c.id] = { ...result.data, seconds: Number(seconds.toFixed(1)) };
      log(`[${kind}] ${c.id} done in ${seconds.toFixed(1)} s`);
    }
  } catch (err) {
    // Printed first: closing the connection below can end the process (a gRPC retry on a closed channel).
    console.error(`bench case failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (worker) console.error(`main worker output (last 4 kB):\n${worker.output}`);
    throw err;
  } finally {
    await worker?.stop();
    await connection.close();
    await server.stop();
  }
  return { rows, data, server };
}

const quietBundler = {
  trace() {},
  debug() {},
  info() {},
  warn: (m: string) => log(m),
  error: (m: string) => log(m),
  log() {},
};

/** Writes the workflow bundles this run's workers load (see {@link BundleMode}). */
async function buildBundles(runDir: string, mode: BundleMode): Promise<Bundles> {
  const bundle = async (name: string, workflowsPath: string, steplineModules = false) => {
    const file = path.join(runDir, `${name}-bundle.js`);
    const { code } = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL(workflowsPath, import.meta.url)),
      logger: quietBundler,
      ...(steplineModules
        ? {
            preloadModules: SHARED_WORKFLOW_MODULES,
            workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
          }
        : {}),
    });
    writeFileSync(file, code);
    return file;
  };
  const prebuilt = path.join(runDir, 'stepline-bundle.js');
  await writeWorkflowBundle(prebuilt);
  if (mode === 'shared') return { mode, stepline: await bundle('shared', './workflows.ts', true), prebuilt };
  const baseline = await bundle('baseline', './baseline/workflows.ts');
  return { mode, stepline: prebuilt, baseline, prebuilt };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cases = CASES.filter((c) => !args.only || args.only.includes(c.id));
  const limitMs = (args.quick ? 6 : 60) * 60_000;
  setTimeout(() => {
    console.error(`bench: still running after ${limitMs / 60_000} min; giving up`);
    killAllChildren();
    process.exit(2);
  }, limitMs).unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }

  const startedAt = new Date();
  const machineAtStart = machine();
  log(
    `${args.quick ? 'quick' : 'full'} run; servers: ${args.servers.join(', ')}; load ${machineAtStart.loadAverage.join(' ')}`,
  );
  if (args.profile) mkdirSync(PROFILE_DIR, { recursive: true });
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'stepline-bench-'));
  process.once('exit', () => rmSync(runDir, { recursive: true, force: true }));
  try {
    const bundles = await buildBundles(runDir, args.bundle);
    log(`workflow bundles built (${args.bundle})`);

    const rowsByServer: Partial<Record<ServerKind, Row[]>> = {};
    const results: Record<string, unknown> = {};
    let lastServer: DevServer | undefined;
    for (const [i, kind] of args.servers.entries()) {
      const { rows, data, server } = await runServer(kind, i === 0, args, { runDir, bundles }, cases);
      rowsByServer[kind] = rows;
      results[kind] = data;
      lastServer = server;
    }

    const table = markdownTable(rowsByServer);
    const finishedAt = new Date();
    const machineAtEnd = machine();
    const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
    const minutes = ((finishedAt.getTime() - startedAt.getTime()) / 60_000).toFixed(1);
    const sizes = args.quick ? QUICK_SIZES : FULL_SIZES;
    const header =
      `Stepline benchmarks, ${startedAt.toISOString()} (\`${command}\`, ${minutes} min, bundles: ${args.bundle}): ` +
      `${machineAtStart.cpus} × ${machineAtStart.cpuModel}, ${(machineAtStart.memMB / 1024).toFixed(0)} GB, ` +
      `node ${process.version}, load average ${machineAtStart.loadAverage[0]} at start, ${machineAtEnd.loadAverage[0]} at end` +
      `${args.preciseTimers ? '; dev servers with precise timers (`history.timerProcessorMaxTimeShift` 10 ms)' : ''}.`;
    const markdown = `${header}\n\n${table}\n`;
    console.log(`\n${markdown}`);
    if (args.write) {
      const stamp = startedAt.toISOString().slice(0, 16).replace(':', '-') + (args.quick ? '-quick' : '');
      const files = writeResults(
        RESULTS_DIR,
        stamp,
        {
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          command,
          mode: args.quick ? 'quick' : 'full',
          machine: { ...machineAtStart, loadAverageAtEnd: machineAtEnd.loadAverage },
          versions: versions(lastServer),
          settings: {
            servers: Object.fromEntries(
              args.servers.map((s) => [
                s,
                {
                  label: SERVER_LABELS[s],
                  args: [
                    'server',
                    'start-dev',
                    '--headless',
                    '--ip',
                    '127.0.0.1',
                    ...(s === 'sqlite' ? ['--db-filename', '<tmp>', ...SQLITE_ARGS] : []),
                    ...(args.preciseTimers
                      ? ['--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"']
                      : []),
                  ],
                },
              ]),
            ),
            sizes,
            bundle: args.bundle,
            workerOptions: BENCH_WORKER_OPTIONS,
            cases: cases.map((c) => c.id),
          },
          results,
          table,
        },
        markdown,
      );
      log(`results: ${path.relative(ROOT, files.json)}, ${path.relative(ROOT, files.md)}`);
    }
  } finally {
    killAllChildren();
    rmSync(runDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    killAllChildren();
    process.exit(1);
  },
);
