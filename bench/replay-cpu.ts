/**
 * Workflow-side CPU of the interpreter, without a server: replays a committed history `--copies` times
 * in one worker (`Worker.runReplayHistories`, reusable V8 context like a real worker) and prints the
 * process CPU ms per replay. `npx tsx bench/replay-cpu.ts [--history sequential] [--engine 2] [--copies 300]`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { buildWorkflowBundle } from '../src/bundle.js';

const { values } = parseArgs({
  options: {
    history: { type: 'string', default: 'sequential' },
    engine: { type: 'string', default: '2' },
    copies: { type: 'string', default: '300' },
  },
});
Runtime.install({ logger: new DefaultLogger('ERROR') });
const file = new URL(`../tests/histories/engine-${values.engine}/${values.history}.json`, import.meta.url);
const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
const copies = Number(values.copies);
const bundle = await buildWorkflowBundle();

async function replay(n: number): Promise<number> {
  const histories = Array.from({ length: n }, (_, i) => ({ workflowId: `w${i}`, history }));
  const before = process.cpuUsage();
  let failed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories))
    if (result.error) failed += 1;
  if (failed) throw new Error(`${failed} replays failed`);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

await replay(Math.min(50, copies)); // warm-up
const ms = await replay(copies);
console.log(
  `${values.history} (engine ${values.engine}): ${(ms / copies).toFixed(2)} CPU ms per replay (${copies} replays)`,
);
