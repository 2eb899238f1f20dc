/**
 * `npx tsx bench/in-flight.ts [items] [bound…]`: why a run keeps `LIMITS.defaultMaxInFlightActivities`
 * activities in flight. One `forEach` of `items` instant `echo` steps (default 5,000) per in-flight bound
 * (default 50 100 200 1000), each on a fresh in-memory dev server with an in-process worker; prints the
 * wall time and the failed workflow tasks of each run, by cause, from its history. Not part of `npm test`.
 */
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { startDevServer } from '../src/dev/dev-server.js';
import { createPipelineWorker } from '../src/worker.js';

const { WorkflowTaskFailedCause } = proto.temporal.api.enums.v1;
Runtime.install({ logger: new DefaultLogger('ERROR') });

const [itemsArg, ...boundArgs] = process.argv.slice(2);
const items = Number(itemsArg ?? 5_000);
const bounds = boundArgs.length > 0 ? boundArgs.map(Number) : [50, 100, 200, 1_000];

console.log(`forEach over ${items} instant steps`);
console.log('in flight | wall s | failed workflow tasks (cause)');
for (const bound of bounds) {
  const server = await startDevServer({ ui: false });
  const native = await NativeConnection.connect({ address: server.address });
  const worker = await createPipelineWorker({ connection: native, taskQueue: 'in-flight', steps: [] });
  const running = worker.run();
  const connection = await Connection.connect({
    address: server.address,
    channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
  });
  const client = new Client({ connection });
  try {
    const started = performance.now();
    const handle = await client.workflow.start('pipeline', {
      taskQueue: 'in-flight',
      workflowId: `in-flight-${bound}`,
      args: [
        {
          definition: {
            name: 'in-flight',
            steps: [{ id: 'each', activity: 'echo', forEach: '{{ params.items }}', input: '{{ index }}' }],
          },
          params: { items: Array.from({ length: items }, (_, i) => i) },
          maxInFlightActivities: bound,
        },
      ],
    });
    await handle.result();
    const seconds = (performance.now() - started) / 1000;
    const causes = new Map<string, number>();
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const cause = event.workflowTaskFailedEventAttributes?.cause;
      if (cause === undefined || cause === null) continue;
      const name = WorkflowTaskFailedCause[cause] ?? String(cause);
      causes.set(name, (causes.get(name) ?? 0) + 1);
    }
    const failed = [...causes.values()].reduce((a, b) => a + b, 0);
    const detail = [...causes].map(([name, n]) => `${n} ${name.replace('WORKFLOW_TASK_FAILED_CAUSE_', '')}`);
    console.log(
      `${String(bound).padStart(9)} | ${seconds.toFixed(1).padStart(6)} | ${failed}${failed ? ` (${detail.join(', ')})` : ''}`,
    );
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await native.close();
    await server.stop();
  }
}
