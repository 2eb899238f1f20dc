import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ClusterSetupError } from '../../src/cluster/binaries.js';
import { parseDatabaseUrl } from '../../src/cluster/postgres.js';
import {
  portVariables,
  SERVER_CONFIG_DIR,
  SERVICE_NAMES,
  serviceCommand,
} from '../../src/cluster/services.js';

describe('cluster database URL', () => {
  test('postgres:// and postgresql:// URLs give host, port (default 5432), user and the decoded password', () => {
    assert.deepEqual(parseDatabaseUrl('postgres://temporal:s3cret@db.internal:6543/ignored'), {
      host: 'db.internal',
      port: 6543,
      user: 'temporal',
      password: 's3cret',
    });
    assert.deepEqual(parseDatabaseUrl('postgresql://ops%40corp:p%40ss%2Fw@127.0.0.1'), {
      host: '127.0.0.1',
      port: 5432,
      user: 'ops@corp',
      password: 'p@ss/w',
    });
  });

  test('anything else is a ClusterSetupError naming what was expected, never echoing the password', () => {
    for (const [text, message] of [
      ['not a url', /is not a URL \(expected postgres:\/\/user:password@host:port\)/],
      ['mysql://root:hunter2@db:3306', /expected a postgres:\/\/ URL, got mysql:\/\/…/],
      ['postgres://db:5432', /expected postgres:\/\/user:password@host:port/],
    ] as const) {
      assert.throws(
        () => parseDatabaseUrl(text),
        (err: unknown) =>
          err instanceof ClusterSetupError && message.test(err.message) && !err.message.includes('hunter2'),
        text,
      );
    }
  });
});

describe('cluster services', () => {
  test('each service reads its gRPC and membership ports from its own variables of the config template', () => {
    assert.deepEqual(portVariables('history'), {
      grpc: 'TEMPORAL_HISTORY_PORT',
      membership: 'TEMPORAL_HISTORY_MEMBERSHIP_PORT',
    });
    const all = SERVICE_NAMES.flatMap((name) => Object.values(portVariables(name)));
    assert.equal(new Set(all).size, SERVICE_NAMES.length * 2, 'no two ports share a variable');
    const template = readFileSync(path.join(SERVER_CONFIG_DIR, 'stepline.yaml'), 'utf8');
    for (const variable of all)
      assert.ok(template.includes(`env "${variable}"`), `the template reads ${variable}`);
  });

  test('a service runs as `server … --env stepline start --service <name>` on the shared config folder', () => {
    assert.deepEqual(serviceCommand('/opt/temporal-server', 'matching'), [
      '/opt/temporal-server',
      '--root',
      '/',
      '--config',
      SERVER_CONFIG_DIR,
      '--env',
      'stepline',
      '--allow-no-auth',
      'start',
      '--service',
      'matching',
    ]);
  });
});
