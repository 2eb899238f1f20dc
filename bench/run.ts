/**
 * `npm run bench` (full, about 15-25 minutes on 2 cores) and `npm run bench -- --quick` (about a minute):
 * Stepline against hand-written Temporal workflows on the same dev server in the same run. See README
 * "Performance".
 *
 * One dev server per pass, headless, on 127.0.0.1: first a SQLite file with `journal_mode=WAL` and
 * `synchronous=OFF` (as the TypeScript SDK's stress CI runs it), then (full runs) in memory. The worker
 * runs in its own process (`bench/worker-child.ts`) with both the `pipeline` workflow and the baselines.
 *
 * `--servers cluster` adds the local cluster (`startCluster()`: PostgreSQL and the four Temporal services as
 * separate processes, in its own temporary folder) after the SQLite dev server, and runs B1, B3, B4 and the
 * B8 scale case on both (unless `--only` says otherwise).
 *
 * Options: `--quick`; `--servers sqlite,memory,cluster`; `--only B1,B3`; `--scale <pipelines>` (B8's size);
 * `--profile` (CPU profile of the main worker into the results folder); `--no-write` (print only);
 * `--precise-timers` (servers with `history.timerProcessorMaxTimeShift` 10 ms instead of the server's 1 s
 * default, which delays every timer shorter than a second — retry backoffs, sticky-queue timeouts — to about
 * a second; evidence for B5, not the default: production servers run with the 1 s default).
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
import { b1Overhead } from './cases/b1-overhead.js';
import { b2History } from './cases/b2-history.js';
import { b3Progress } from './cases/b3-progress.js';
import { b4FanOut } from './cases/b4-fan-out.js';
import { b5Recovery } from './cases/b5-recovery.js';
import { b6Memory } from './cases/b6-memory.js';
import { b7StartUp } from './cases/b7-startup.js';
import { b8Scale } from './cases/b8-scale.js';
import { killAllChildren, type ChildWorker } from './lib/child.js';
import {
  BENCH_WORKER_OPTIONS,
  FULL_SIZES,
  QUICK_SIZES,
  SERVER_KINDS,
  startWorkers,
  type BenchCase,
  type BenchContext,
  type BundleMode,
  type Bundles,
  type Row,
  type ServerKind,
  type Sizes,
} from './lib/context.js';
import { markdownTable, SERVER_LABELS, writeResults } from './lib/report.js';
import { startBenchServer, stopAllServers, type BenchServer } from './lib/servers.js';

/** B8 (scale) last: a run it could not finish leaves pipelines behind on that server. */
const CASES: BenchCase[] = [
  b1Overhead,
  b2History,
  b3Progress,
  b4FanOut,
  b5Recovery,
  b6Memory,
  b7StartUp,
  b8Scale,
];
/** What a run with the cluster measures by default: the server-bound cases and the scale case. */
const CLUSTER_CASES = ['B1', 'B3', 'B4', 'B8'];
/** What a run without the cluster measures by default (B8 is the cluster's case; `--only B8` runs it). */
const DEV_CASES = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7'];
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const PROFILE_DIR = path.join(RESULTS_DIR, 'profiles');

interface Args {
  quick: boolean;
  bundle: BundleMode;
  servers: ServerKind[];
  only?: string[];
  /** B8's pipelines (`--scale`). */
  scale?: number;
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
    else if (arg === '--scale') args.scale = Number(value());
    else if (arg === '--bundle') args.bundle = value() as BundleMode;
    else
      throw new Error(
        `unknown option ${arg} (known: --quick --servers sqlite,memory,cluster --only B1,B2 --scale <pipelines> --bundle separate|shared --profile --no-write --precise-timers)`,
      );
  }
  if (args.servers.some((s) => !SERVER_KINDS.includes(s)))
    throw new Error(`--servers: one or more of ${SERVER_KINDS.join(', ')}`);
  if (!['separate', 'shared'].includes(args.bundle)) throw new Error('--bundle: separate or shared');
  if (args.scale !== undefined && !(Number.isInteger(args.scale) && args.scale > 0))
    throw new Error('--scale: a number of pipelines, e.g. 2000');
  if (args.servers.length === 0) args.servers = args.quick ? ['sqlite'] : ['sqlite', 'memory'];
  // The cluster is measured beside the dev server, in the same run: SQLite first unless a dev server is named.
  if (args.servers.includes('cluster') && !args.servers.some((s) => s !== 'cluster'))
    args.servers = ['sqlite', ...args.servers];
  return args;
}

function sizesOf(args: Args): Sizes {
  const sizes = args.quick ? QUICK_SIZES : FULL_SIZES;
  return args.scale ? { ...sizes, b8: { ...sizes.b8, pipelines: args.scale } } : sizes;
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

function versions(servers: Partial<Record<ServerKind, string>>) {
  const pkg = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  const cli = servers.sqlite ?? servers.memory;
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).stdout.trim();
  const dirty =
    spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return {
    node: process.version,
    ...(cli ? { temporalCli: cli } : {}),
    ...(servers.cluster ? { temporalServer: servers.cluster } : {}),
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
): Promise<{ rows: Row[]; data: Record<string, unknown>; server: BenchServer }> {
  const started = performance.now();
  const server = await startBenchServer(kind, shared.runDir, (m) => log(m), {
    preciseTimers: args.preciseTimers,
  });
  log(`${SERVER_LABELS[kind]} at ${server.address} in ${(performance.now() - started).toFixed(0)} ms`);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  let worker: ChildWorker | undefined;
  const rows: Row[] = [];
  const data: Record<string, unknown> = { loadAverageAtStart: machine().loadAverage };
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
      sizes: sizesOf(args),
      client,
      pipelines: new PipelineClient({ client, taskQueue: main.taskQueue }),
      taskQueue: main.taskQueue,
      baselineQueue: main.baselineQueue,
      runDir: shared.runDir,
      bundles: shared.bundles,
      processes: { server: server.pids(), worker: main.child.pid },
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
    // Said first: a client call still retrying when the connection closes can end the process.
    log(`[${kind}] failed: ${err instanceof Error ? err.message : String(err)}`);
    if (worker) console.error(`main worker output (last 4 kB):\n${worker.output}`);
    throw err;
  } finally {
    data.loadAverageAtEnd = machine().loadAverage;
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
  const wanted = args.only ?? (args.servers.includes('cluster') ? CLUSTER_CASES : DEV_CASES);
  const cases = CASES.filter((c) => wanted.includes(c.id));
  const limitMs = (args.quick ? 6 : 60) * (args.servers.includes('cluster') ? 2 : 1) * 60_000;
  const abandon = (code: number) => {
    killAllChildren();
    void stopAllServers().finally(() => process.exit(code));
  };
  setTimeout(() => {
    console.error(`bench: still running after ${limitMs / 60_000} min; giving up`);
    abandon(2);
  }, limitMs).unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abandon(130));

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
    const serverVersions: Partial<Record<ServerKind, string>> = {};
    const serverSettings: Record<string, unknown> = {};
    for (const [i, kind] of args.servers.entries()) {
      const { rows, data, server } = await runServer(kind, i === 0, args, { runDir, bundles }, cases);
      rowsByServer[kind] = rows;
      results[kind] = data;
      serverVersions[kind] = server.version;
      serverSettings[kind] = { label: SERVER_LABELS[kind], ...server.settings };
    }

    const table = markdownTable(rowsByServer);
    const finishedAt = new Date();
    const machineAtEnd = machine();
    const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
    const minutes = ((finishedAt.getTime() - startedAt.getTime()) / 60_000).toFixed(1);
    const sizes = sizesOf(args);
    const header =
      `Stepline benchmarks, ${startedAt.toISOString()} (\`${command}\`, ${minutes} min, bundles: ${args.bundle}): ` +
      `${machineAtStart.cpus} × ${machineAtStart.cpuModel}, ${(machineAtStart.memMB / 1024).toFixed(0)} GB, ` +
      `node ${process.version}, load average ${machineAtStart.loadAverage[0]} at start, ${machineAtEnd.loadAverage[0]} at end` +
      `${args.preciseTimers ? '; servers with precise timers (`history.timerProcessorMaxTimeShift` 10 ms)' : ''}.`;
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
          versions: versions(serverVersions),
          settings: {
            servers: serverSettings,
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
