import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { choosePort, DEFAULT_PORTS, parseLogLevel, parsePort, splitModules } from '../../src/dev/ports.js';
import { compactLine, DevLogger } from '../../src/telemetry/logger.js';

describe('dev ports', () => {
  test("Temporal's defaults", () => {
    assert.deepEqual({ ...DEFAULT_PORTS }, { server: 7233, ui: 8233, dashboard: 8080 });
  });

  test('a free default is used silently', async () => {
    const lines: string[] = [];
    const port = await choosePort(
      'Temporal server',
      7233,
      '--port',
      (l) => lines.push(l),
      async () => true,
    );
    assert.equal(port, 7233);
    assert.deepEqual(lines, []);
  });

  test('a taken one is said in one line and replaced by a free one', async () => {
    const lines: string[] = [];
    const port = await choosePort(
      'dashboard',
      8080,
      '--dashboard-port',
      (l) => lines.push(l),
      async () => false,
    );
    assert.notEqual(port, 8080);
    assert.ok(port > 0);
    assert.deepEqual(lines, [
      `stepline: dashboard port 8080 is taken; using ${port} instead (choose one with --dashboard-port)`,
    ]);
  });

  test('0 picks a free port without a word', async () => {
    const lines: string[] = [];
    assert.ok((await choosePort('Web UI', 0, '--ui-port', (l) => lines.push(l))) > 0);
    assert.deepEqual(lines, []);
  });

  test('flags', () => {
    assert.equal(parsePort('7300', '--port'), 7300);
    assert.throws(() => parsePort('70000', '--port'), /--port: expected a port number/);
    assert.throws(() => parsePort('abc', '--ui-port'), /--ui-port/);
    assert.equal(parseLogLevel('Debug'), 'DEBUG');
    assert.throws(() => parseLogLevel('loud'), /--log-level/);
    assert.deepEqual(splitModules(' ./a.js, ./b.ts ,,'), ['./a.js', './b.ts']);
    assert.deepEqual(splitModules(undefined), []);
  });
});

describe('dev logger', () => {
  const failed = {
    level: 'WARN' as const,
    message: 'step attempt failed',
    meta: {
      stepId: 'load',
      attempt: 2,
      category: 'network',
      retryable: true,
      error: 'ECONNRESET',
      taskToken: 'c2VjcmV0LXRva2Vu',
    },
  };

  test('a failed attempt is one line without the token', () => {
    assert.equal(compactLine(failed), 'stepline: step load attempt 2 failed (network): ECONNRESET');
  });

  test('the SDK duplicate is dropped by default; debug writes everything, tokens redacted', () => {
    const quiet: string[] = [];
    const logger = new DevLogger({ write: (l) => quiet.push(l) });
    logger.warn('Activity failed', { taskToken: 'c2VjcmV0LXRva2Vu', error: new Error('x\n  at y') });
    logger.warn(failed.message, failed.meta);
    logger.info('step attempt succeeded', { stepId: 'load' });
    assert.deepEqual(quiet, ['stepline: step load attempt 2 failed (network): ECONNRESET']);

    const verbose: string[] = [];
    const debug = new DevLogger({ level: 'DEBUG', write: (l) => verbose.push(l) });
    debug.warn('Activity failed', { taskToken: 'c2VjcmV0LXRva2Vu' });
    assert.equal(verbose.length, 1);
    assert.doesNotMatch(verbose[0]!, /c2VjcmV0LXRva2Vu/);
  });
});
