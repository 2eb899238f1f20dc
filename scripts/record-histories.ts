/**
 * `npm run record-histories`: runs every scenario of tests/helpers/history-scenarios.ts on a fresh dev
 * server and writes each run's history to tests/histories/engine-<N>/<scenario>[.<run>].json, N being the
 * engine the client starts pipelines on (`CURRENT_ENGINE`; continue-as-new scenarios write one file per
 * run). The folders of older engines stay as they were recorded: their runs must replay on their path.
 * `npm run record-histories -- <name>…` records only those scenarios (new ones, for a new engine path),
 * leaving the committed histories of the others untouched.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { PipelineClient } from '../src/client.js';
import { CURRENT_ENGINE } from '../src/pipeline/contract.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { PROJECT_ROOT } from '../src/dev/temporal-cli.js';
import { createPipelineWorker } from '../src/worker.js';
import { scenarios } from '../tests/helpers/history-scenarios.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const outDir = path.join(PROJECT_ROOT, 'tests', 'histories', `engine-${CURRENT_ENGINE}`);
mkdirSync(outDir, { recursive: true });
const server = await startDevServer({ ui: false, preciseTimers: true });
const connection = await NativeConnection.connect({ address: server.address });
const worker = await createPipelineWorker({
  connection,
  namespace: server.namespace,
  taskQueue: 'histories',
});
const running = worker.run();
const client = await PipelineClient.connect({ address: server.address, taskQueue: 'histories' });
try {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  for (const scenario of scenarios.filter((s) => only.length === 0 || only.includes(s.name))) {
    const id = `history-${scenario.name}`;
    await scenario.run(client, id);
    const runs: string[] = [];
    for await (const execution of client.client.workflow.list({ query: `WorkflowId = '${id}'` }))
      runs.push(execution.runId);
    runs.reverse(); // oldest first
    for (const [i, runId] of runs.entries()) {
      const history = await client.client.workflow.getHandle(id, runId).fetchHistory();
      const file = path.join(outDir, `${scenario.name}${runs.length > 1 ? `.${i + 1}` : ''}.json`);
      writeFileSync(file, historyToJSON(history));
      console.log(`recorded ${path.relative(PROJECT_ROOT, file)} (${history.events?.length} events)`);
    }
  }
} finally {
  worker.shutdown();
  await running;
  await client.close();
  await connection.close();
  await server.stop();
}
