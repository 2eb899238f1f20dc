import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ensureTemporalCli, findTemporalCli, TemporalCliNotFoundError } from '../../src/dev/temporal-cli.js';

function fakeBinary(dir: string, name = 'temporal'): string {
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\necho "temporal version test"\n');
  chmodSync(file, 0o755);
  return file;
}

describe('Temporal CLI lookup', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'stepline-cli-'));
  const emptyCache = mkdtempSync(path.join(os.tmpdir(), 'stepline-cache-'));

  test('TEMPORAL_CLI_PATH wins and nothing is built', async () => {
    const binary = fakeBinary(tmp);
    const found = await ensureTemporalCli({
      env: { TEMPORAL_CLI_PATH: binary, PATH: '' },
      cacheDir: emptyCache,
    });
    assert.deepEqual(found, { path: binary, source: 'env' });
  });

  test('a TEMPORAL_CLI_PATH that is not executable is an error naming the path', () => {
    assert.throws(
      () => findTemporalCli({ env: { TEMPORAL_CLI_PATH: '/nonexistent/temporal' }, cacheDir: emptyCache }),
      /TEMPORAL_CLI_PATH is set to \/nonexistent\/temporal/,
    );
  });

  test('temporal on PATH comes before the cache', () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'stepline-path-'));
    const binary = fakeBinary(bin);
    assert.deepEqual(findTemporalCli({ env: { PATH: bin }, cacheDir: emptyCache }), {
      path: binary,
      source: 'path',
    });
  });

  test('a cached build is used when nothing else is there', () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'stepline-cached-'));
    const binary = fakeBinary(cache);
    assert.deepEqual(findTemporalCli({ env: { PATH: '' }, cacheDir: cache }), {
      path: binary,
      source: 'cache',
    });
  });

  test('without a binary and without Go, one message says what to install', async () => {
    await assert.rejects(
      ensureTemporalCli({ env: { PATH: '/nonexistent' }, cacheDir: emptyCache, log: () => undefined }),
      (err: unknown) => {
        assert.ok(err instanceof TemporalCliNotFoundError);
        assert.match(err.message, /Go is not installed/);
        assert.match(err.message, /TEMPORAL_CLI_PATH/);
        assert.match(err.message, /go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1/);
        return true;
      },
    );
  });
});
