import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { eventually } from '../helpers/harness.js';

/** Runs `npm test`'s runner on fixture files; resolves with its output and exit code. */
function runRunner(files: string[], onOutput?: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/run-tests.ts', ...files], {
    env: { ...process.env, TEMPORAL_ADDRESS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput?.(output, child);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, output })),
  );
}

function serverPort(output: string): string | undefined {
  return /dev server 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
}

/** Command lines of live `temporal server start-dev` processes on `port`. */
function serversOnPort(port: string): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        return '';
      }
    })
    .filter((cmd) => cmd.includes('start-dev') && cmd.includes(`--port ${port} `));
}

describe('npm test runner', () => {
  test('a failing run exits non-zero, prints the totals line and leaves no server behind', async () => {
    const { code, output } = await runRunner(['tests/fixtures/runner/fails.test.ts']);
    assert.equal(code, 1);
    assert.match(output.trim().split('\n').at(-1)!, /^0 passed, \d+ failed$/);
    const port = serverPort(output);
    assert.ok(port, 'the runner started a dev server');
    assert.deepEqual(serversOnPort(port), []);
  });

  test('an interrupted run (SIGINT) stops its dev server', async () => {
    let port: string | undefined;
    let interrupted = false;
    const { code, output } = await runRunner(['tests/fixtures/runner/hangs.test.ts'], (text, child) => {
      port ??= serverPort(text);
      if (port && !interrupted && text.includes('workflow bundle built')) {
        interrupted = true;
        setTimeout(() => child.kill('SIGINT'), 1000);
      }
    });
    assert.ok(port, `the runner started a dev server:\n${output}`);
    assert.notEqual(code, 0);
    await eventually(async () => serversOnPort(port!).length === 0, 5000);
  });
});
