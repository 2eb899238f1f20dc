import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { PipelineClient } from '../../src/client.js';
import { parseDefinitionText } from '../../src/pipeline/load.js';
import { serverAddress } from '../helpers/harness.js';

describe('npm run worker (src/worker.ts) with STEPLINE_STEPS', () => {
  const taskQueue = `worker-entry-${randomUUID()}`;
  let worker: ChildProcess;
  let output = '';
  let client: PipelineClient;

  before(async () => {
    worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: serverAddress(),
        STEPLINE_TASK_QUEUE: taskQueue,
        STEPLINE_STEPS: 'examples/steps/orders.ts',
        STEPLINE_EXAMPLE_DATA: `.data/test-warehouse-${taskQueue}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    client = await PipelineClient.connect({ address: serverAddress(), taskQueue });
  });

  after(async () => {
    if (worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGKILL');
      await exited;
    }
    await client.close();
  });

  test('a worker started from the environment runs the orders ETL example with its user step handlers', async () => {
    const definition = parseDefinitionText(readFileSync('examples/orders-etl.yaml', 'utf8'));
    const result = await client.startAndWait(definition, {
      params: { day: '2026-01-02', count: 12, fullRefresh: true },
    });
    assert.equal(result.status, 'completed');
    assert.deepEqual(
      result.progress.steps.map((s) => s.status),
      ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded'],
    );
    assert.equal((result.outputs.enrich as unknown[]).length, 12);
    assert.equal((result.outputs.summarize as { count: number }).count, 12);
    assert.deepEqual(result.outputs['full-refresh'], { mode: 'full' });
    // The worker logs JSON lines; the running line names the user step handlers it loaded.
    assert.match(
      output,
      /"msg":"stepline worker running".*"stepHandlers":\["orders\.extract","orders\.enrich",/,
    );
  });

  test('SIGTERM shuts the worker down gracefully (exit code 0)', async () => {
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    worker.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
