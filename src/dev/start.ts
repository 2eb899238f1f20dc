/**
 * `npm start`: the embedded default. A Temporal dev server persisted to `.data/temporal.db` (Web UI on),
 * a worker with the example step handlers, and the orders ETL example run end to end with its live
 * progress printed. Ctrl-C stops everything.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import exampleSteps from '../../examples/steps/orders.js';
import { PipelineClient } from '../client.js';
import { parseDefinitionText } from '../pipeline/load.js';
import { isTerminalStatus, type PipelineProgress } from '../pipeline/progress.js';
import { createPipelineWorker } from '../worker.js';
import { startDevServer } from './dev-server.js';
import { PROJECT_ROOT } from './temporal-cli.js';

const log = (message: string) => console.log(message);

const server = await startDevServer({ dbFile: path.join(PROJECT_ROOT, '.data', 'temporal.db'), ui: process.env.STEPLINE_HEADLESS !== '1' });
let worker: Worker | undefined;
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log('\nstepline: stopping worker and Temporal server…');
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await workerDone?.catch(() => undefined);
    await server.stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

log(`stepline: Temporal dev server at ${server.address} (namespace ${server.namespace})`);
if (server.uiUrl) log(`stepline: Temporal Web UI at ${server.uiUrl}`);

const connection = await NativeConnection.connect({ address: server.address });
worker = await createPipelineWorker({ connection, namespace: server.namespace, steps: exampleSteps });
const workerDone: Promise<void> | undefined = worker.run();
log(`stepline: worker polling task queue ${worker.options.taskQueue}`);

const client = await PipelineClient.connect({ address: server.address, namespace: server.namespace });
const definition = parseDefinitionText(readFileSync(path.join(PROJECT_ROOT, 'examples', 'orders-etl.yaml'), 'utf8'));
const day = new Date().toISOString().slice(0, 10);
const { pipelineId } = await client.start(definition, { params: { day, count: 20, fullRefresh: false } });
log(`stepline: started example pipeline ${pipelineId}`);

let version = -1;
let progress: PipelineProgress;
do {
  await new Promise((r) => setTimeout(r, 300));
  progress = await client.progress(pipelineId);
  if (progress.version !== version) {
    version = progress.version;
    log(formatProgressLine(progress));
  }
} while (!isTerminalStatus(progress.status));
log(`stepline: ${pipelineId} ${progress.status}; outputs: ${JSON.stringify((await client.checkpoint(pipelineId)).steps.load?.output ?? null)}`);
log('stepline: server and worker keep running (Ctrl-C to stop)');

export function formatProgressLine(p: PipelineProgress): string {
  const steps = p.steps
    .map((s) => {
      const items = s.detail?.items ? ` ${s.detail.items.succeeded + s.detail.items.failed}/${s.detail.items.total}` : '';
      const pct = s.status === 'running' && s.detail?.percent !== undefined ? ` ${Math.round(s.detail.percent)}%` : '';
      return `${s.id}:${s.status}${items}${pct}`;
    })
    .join('  ');
  const eta = p.etaMs !== undefined ? ` eta ${(p.etaMs / 1000).toFixed(1)}s` : '';
  return `[${p.percent.toFixed(0).padStart(3)}%${eta}] ${p.status}  ${steps}`;
}
