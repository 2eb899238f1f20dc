/**
 * `stepline dev`: a taken port is said in one line and another is used, the exact `export TEMPORAL_ADDRESS=…`
 * line is printed (and the CLI works against it), `--steps` modules run, a failed attempt prints one line
 * (no task token), and `--no-dashboard` serves none. Ports held here are free ones the test listens on
 * itself: never the real 7233 / 8233 / 8080.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PipelineClient } from '../../src/client.js';
import { PROJECT_ROOT, startCli } from '../cli/run-cli.js';
import { eventually, testId } from '../helpers/harness.js';

const MAIN = path.join(PROJECT_ROOT, 'src', 'cli', 'main.ts');

interface DevProcess {
  child: ChildProcess;
  output(): string;
  /** SIGINT, then waits for the exit (the dev server goes with it). */
  stop(): Promise<number | null>;
}

function startDev(args: string[], env: NodeJS.ProcessEnv = {}): DevProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'dev', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

async function holdPort(): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

async function ready(dev: DevProcess): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!/stepline: ready/.test(dev.output())) {
    if (dev.child.exitCode !== null) throw new Error(`stepline dev exited:\n${dev.output()}`);
    if (Date.now() > deadline) throw new Error(`stepline dev not ready:\n${dev.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('stepline dev', () => {
  const processes: DevProcess[] = [];
  const held: net.Server[] = [];
  after(async () => {
    for (const dev of processes) await dev.stop();
    for (const server of held) await new Promise((resolve) => server.close(resolve));
  });

  test('taken ports: said, replaced, export line printed; --steps run; one line per failed attempt', async () => {
    const serverPort = await holdPort();
    const dashboardPort = await holdPort();
    held.push(serverPort, dashboardPort);
    const taskQueue = `dev-${testId('q')}`;
    const dev = startDev(
      [
        '--memory',
        '--no-ui',
        '--port',
        String(portOf(serverPort)),
        '--dashboard-port',
        String(portOf(dashboardPort)),
        '--steps',
        './tests/fixtures/steps/greetings.ts',
      ],
      { STEPLINE_TASK_QUEUE: taskQueue },
    );
    processes.push(dev);
    await ready(dev);
    const out = dev.output();
    assert.match(out, new RegExp(`Temporal server port ${portOf(serverPort)} is taken; using \\d+ instead`));
    assert.match(out, new RegExp(`dashboard port ${portOf(dashboardPort)} is taken; using \\d+ instead`));
    const address = /^stepline: .*export TEMPORAL_ADDRESS=(127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
    assert.ok(address, out);
    assert.notEqual(address, `127.0.0.1:${portOf(serverPort)}`);
    assert.match(out, /stepline: dashboard at http:\/\/127\.0\.0\.1:\d+/);

    const list = await startCli(['list', '--address', address], { env: { STEPLINE_TASK_QUEUE: taskQueue } })
      .done;
    assert.equal(list.code, 0, list.stderr);

    const client = await PipelineClient.connect({ address, taskQueue });
    try {
      const result = await client.startAndWait({
        name: 'dev-steps',
        steps: [
          { id: 'hello', activity: 'fixture.greet', input: { name: 'dev' } },
          { id: 'flaky', activity: 'fail', input: { times: 1, message: 'flaky once', output: 'ok' } },
        ],
      });
      assert.deepEqual(result.outputs.hello, { greeting: 'hello dev' });
      assert.equal(result.outputs.flaky, 'ok');
    } finally {
      await client.close();
    }
    await eventually(async () => /step flaky attempt 1 failed/.test(dev.output()));
    const lines = dev.output().split('\n');
    const failedLines = lines.filter((line) => line.includes('flaky once'));
    assert.equal(failedLines.length, 1, failedLines.join('\n'));
    assert.match(failedLines[0]!, /^stepline: step flaky attempt 1 failed \(internal\): flaky once$/);
    assert.doesNotMatch(dev.output(), /taskToken|taskEncoded/);
    assert.equal(await dev.stop(), 0);
  });

  test('--no-dashboard serves none', async () => {
    const dev = startDev(['--memory', '--no-ui', '--no-dashboard', '--port', '0'], {
      STEPLINE_TASK_QUEUE: `dev-${testId('q')}`,
    });
    processes.push(dev);
    await ready(dev);
    assert.match(dev.output(), /export TEMPORAL_ADDRESS=127\.0\.0\.1:\d+/);
    assert.doesNotMatch(dev.output(), /dashboard at/);
    assert.equal(await dev.stop(), 0);
  });
});
