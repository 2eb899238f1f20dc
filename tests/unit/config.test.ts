/**
 * Settings from one place (src/config.ts): connection settings through @temporalio/envconfig (env,
 * profile file, TLS / mTLS, API key), the worker process's settings, the list of every environment
 * variable (checked against the code that reads it), and the structured logger that never writes a secret.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  connectionOptions,
  connectionSecrets,
  describeConnection,
  ENVIRONMENT,
  loadConnectionSettings,
  profileDefaults,
  workerSettingsFromEnv,
  type EnvReader,
} from '../../src/config.js';
import { StructuredLogger } from '../../src/telemetry/logger.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stepline-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An environment with no profile file in reach (HOME and XDG point into the temp dir). */
const isolated = (vars: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  HOME: dir,
  XDG_CONFIG_HOME: path.join(dir, 'xdg'),
  ...vars,
});

const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEprivatekeymaterial\n-----END PRIVATE KEY-----\n';

describe('connection settings (envconfig)', () => {
  test('defaults: 127.0.0.1:7233, namespace default, plaintext, no key', () => {
    assert.deepEqual(loadConnectionSettings(isolated()), { address: '127.0.0.1:7233', namespace: 'default' });
  });

  test('TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE; explicit options win; empty variables count as unset', () => {
    const env = isolated({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'etl' });
    assert.deepEqual(loadConnectionSettings(env), { address: 'temporal:7233', namespace: 'etl' });
    assert.equal(loadConnectionSettings(env, { address: 'other:1' }).address, 'other:1');
    assert.equal(loadConnectionSettings(isolated({ TEMPORAL_ADDRESS: '' })).address, '127.0.0.1:7233');
  });

  test('an API key turns TLS on (Temporal Cloud) unless TEMPORAL_TLS=false', () => {
    const cloud = loadConnectionSettings(
      isolated({ TEMPORAL_API_KEY: 'k-123456', TEMPORAL_ADDRESS: 'a.tmprl.cloud:7233' }),
    );
    assert.equal(cloud.apiKey, 'k-123456');
    assert.equal(cloud.tls, true);
    assert.deepEqual(connectionOptions(cloud), {
      address: 'a.tmprl.cloud:7233',
      tls: true,
      apiKey: 'k-123456',
    });
    assert.equal(
      loadConnectionSettings(isolated({ TEMPORAL_API_KEY: 'k-123456', TEMPORAL_TLS: 'false' })).tls,
      false,
    );
  });

  test('mTLS from certificate files: CA, client pair and server name', () => {
    const settings = loadConnectionSettings(
      isolated({
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem', CERT),
        TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem', CERT),
        TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key', KEY),
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }),
    );
    assert.ok(settings.tls && typeof settings.tls === 'object');
    assert.equal(Buffer.from(settings.tls.serverRootCACertificate!).toString(), CERT);
    assert.equal(Buffer.from(settings.tls.clientCertPair!.key).toString(), KEY);
    assert.equal(settings.tls.serverNameOverride, 'temporal.internal');
    assert.deepEqual(describeConnection(settings), {
      address: '127.0.0.1:7233',
      namespace: 'default',
      tls: 'mtls',
      auth: 'none',
    });
    assert.ok(connectionSecrets(settings).includes(KEY), 'the private key is a secret to scrub');
  });

  test('TEMPORAL_TLS_CERT / _KEY / _CA are accepted as older names of the certificate paths', () => {
    const settings = loadConnectionSettings(
      isolated({
        TEMPORAL_TLS_CERT: file('c2.pem', CERT),
        TEMPORAL_TLS_KEY: file('c2.key', KEY),
        TEMPORAL_TLS_CA: file('ca2.pem', CERT),
      }),
    );
    assert.ok(
      typeof settings.tls === 'object' && settings.tls.clientCertPair && settings.tls.serverRootCACertificate,
    );
  });

  test('half an mTLS pair or an unreadable certificate is an error naming the setting', () => {
    assert.throws(
      () => loadConnectionSettings(isolated({ TEMPORAL_TLS_CLIENT_CERT_PATH: file('only.pem', CERT) })),
      (err: unknown) =>
        err instanceof ConfigError &&
        /TEMPORAL_TLS_CLIENT_KEY_PATH is not: mTLS needs both/.test(err.message),
    );
    assert.throws(
      () =>
        loadConnectionSettings(isolated({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') })),
      (err: unknown) => err instanceof ConfigError && /^TLS settings: .*missing\.pem/.test(err.message),
    );
  });

  test('a temporal.toml profile is read (TEMPORAL_PROFILE picks one); the environment overrides it', () => {
    const config = file(
      'temporal.toml',
      [
        '[profile.default]',
        'address = "prod.example:7233"',
        'namespace = "prod"',
        '[profile.cloud]',
        'address = "ns.acct.tmprl.cloud:7233"',
        'namespace = "ns.acct"',
        'api_key = "from-profile-key"',
      ].join('\n'),
    );
    assert.deepEqual(loadConnectionSettings(isolated({ TEMPORAL_CONFIG_FILE: config })), {
      address: 'prod.example:7233',
      namespace: 'prod',
    });
    const cloud = loadConnectionSettings(
      isolated({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'cloud' }),
    );
    assert.deepEqual(
      [cloud.address, cloud.apiKey, cloud.tls],
      ['ns.acct.tmprl.cloud:7233', 'from-profile-key', true],
    );
    const overridden = loadConnectionSettings(
      isolated({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_ADDRESS: 'local:7233' }),
    );
    assert.equal(overridden.address, 'local:7233');
    assert.deepEqual(profileDefaults(isolated({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_ADDRESS: 'x:1' })), {
      address: 'prod.example:7233',
      namespace: 'prod',
    });
    assert.deepEqual(profileDefaults(isolated({ TEMPORAL_CONFIG_FILE: path.join(dir, 'none.toml') })), {});
  });

  test('what may be logged about a connection names no secret', () => {
    const settings = loadConnectionSettings(
      isolated({ TEMPORAL_API_KEY: 'secret-xyz-123', TEMPORAL_GRPC_META_X_TENANT: 'tenant-value' }),
    );
    const described = JSON.stringify(describeConnection(settings));
    assert.ok(!described.includes('secret-xyz-123'));
    assert.ok(!described.includes('tenant-value'));
    assert.match(described, /"auth":"api-key"/);
    assert.deepEqual(settings.metadata, { 'x-tenant': 'tenant-value' });
  });
});

describe('worker process settings', () => {
  test('defaults', () => {
    const settings = workerSettingsFromEnv({});
    assert.deepEqual(settings, {
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'pipelines',
      steps: [],
      shutdownGraceTimeMs: 30_000,
      pendingPollIntervalMs: 15_000,
      logLevel: 'INFO',
      logFormat: 'json',
      tracing: 'off',
    });
  });

  test('concurrency, bundle, identity, grace time, metrics address, logs and tracing from the environment', () => {
    const settings = workerSettingsFromEnv({
      STEPLINE_STEPS: ' ./a.js , ./b.js ,',
      STEPLINE_WORKFLOW_BUNDLE: '/app/dist/workflow-bundle.js',
      STEPLINE_MAX_CONCURRENT_ACTIVITIES: '50',
      STEPLINE_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
      STEPLINE_MAX_CACHED_WORKFLOWS: '0',
      STEPLINE_MAX_CONCURRENT_ACTIVITY_POLLS: '4',
      STEPLINE_MAX_CONCURRENT_WORKFLOW_TASK_POLLS: '2',
      STEPLINE_SHUTDOWN_GRACE_TIME: '1m30s',
      STEPLINE_WORKER_IDENTITY: 'worker-a',
      STEPLINE_METRICS_ADDRESS: ':9464',
      STEPLINE_PENDING_POLL_INTERVAL: '0',
      STEPLINE_LOG_LEVEL: 'debug',
      STEPLINE_LOG_FORMAT: 'TEXT',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    });
    assert.deepEqual(settings.steps, ['./a.js', './b.js']);
    assert.equal(settings.workflowBundle, '/app/dist/workflow-bundle.js');
    assert.equal(settings.maxConcurrentActivityTaskExecutions, 50);
    assert.equal(settings.maxConcurrentWorkflowTaskExecutions, 20);
    assert.equal(settings.maxCachedWorkflows, 0);
    assert.equal(settings.maxConcurrentActivityTaskPolls, 4);
    assert.equal(settings.maxConcurrentWorkflowTaskPolls, 2);
    assert.equal(settings.shutdownGraceTimeMs, 90_000);
    assert.equal(settings.identity, 'worker-a');
    assert.deepEqual(settings.metricsAddress, { host: '0.0.0.0', port: 9464 });
    assert.equal(settings.pendingPollIntervalMs, 0);
    assert.equal(settings.logLevel, 'DEBUG');
    assert.equal(settings.logFormat, 'text');
    assert.equal(settings.tracing, 'otlp', 'an OTLP endpoint turns tracing on');
    assert.equal(
      workerSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', STEPLINE_TRACING: 'off' })
        .tracing,
      'off',
    );
    assert.deepEqual(workerSettingsFromEnv({ STEPLINE_METRICS_ADDRESS: '[::1]:0' }).metricsAddress, {
      host: '::1',
      port: 0,
    });
  });

  test('every unusable variable is reported at once, by name, with what was expected', () => {
    assert.throws(
      () =>
        workerSettingsFromEnv({
          STEPLINE_MAX_CONCURRENT_ACTIVITIES: 'many',
          STEPLINE_MAX_CACHED_WORKFLOWS: '-1',
          STEPLINE_SHUTDOWN_GRACE_TIME: 'soon',
          STEPLINE_METRICS_ADDRESS: 'localhost',
          STEPLINE_LOG_LEVEL: 'loud',
          STEPLINE_TRACING: 'jaeger',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 6);
        const text = err.problems.join('\n');
        assert.match(text, /STEPLINE_MAX_CONCURRENT_ACTIVITIES: expected a whole number ≥ 1; got "many"/);
        assert.match(text, /STEPLINE_MAX_CACHED_WORKFLOWS: expected a whole number ≥ 0; got "-1"/);
        assert.match(text, /STEPLINE_SHUTDOWN_GRACE_TIME: expected a duration/);
        assert.match(text, /STEPLINE_METRICS_ADDRESS: expected host:port/);
        assert.match(text, /STEPLINE_LOG_LEVEL: expected one of TRACE, DEBUG, INFO, WARN, ERROR; got "loud"/);
        assert.match(text, /STEPLINE_TRACING: expected one of off, otlp; got "jaeger"/);
        return true;
      },
    );
  });
});

describe('ENVIRONMENT lists exactly the variables the code reads', () => {
  const sourceFiles = (folder: string): string[] =>
    readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(ROOT, folder, f));
  const stepline = sourceFiles('src')
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const packageText = (...files: string[]) =>
    files.map((f) => readFileSync(path.join(ROOT, 'node_modules', f), 'utf8')).join('\n');
  const readers: Record<EnvReader, string> = {
    stepline,
    '@temporalio/envconfig': packageText('@temporalio/envconfig/lib/envconfig-toml.js'),
    // The exporter reads OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT through these two modules.
    '@opentelemetry/exporter-trace-otlp-http': packageText(
      '@opentelemetry/core/build/src/utils/environment.js',
      '@opentelemetry/otlp-exporter-base/build/src/configuration/otlp-http-env-configuration.js',
    ),
  };
  /** How Stepline reads a variable: `env.X`, `env['X']`, commander's `.env('X')`, a helper call `f('X')`. */
  const steplineRead = (name: string) =>
    new RegExp(
      `env\\.${name}\\b|env\\[['"]${name}['"]\\]|\\(\\s*['"]${name}['"]|\\b${name}:\\s*'TEMPORAL_TLS`,
    );

  test('each listed variable is read where the list says', () => {
    const unread = Object.entries(ENVIRONMENT)
      .filter(([name, info]) => {
        const text = readers[info.readBy];
        const pattern = info.readBy === 'stepline' ? steplineRead(name) : new RegExp(`\\b${name}\\b`);
        return !pattern.test(text);
      })
      .map(([name, info]) => `${name} (${info.readBy})`);
    assert.deepEqual(unread, []);
  });

  test('each variable read in src/ is listed', () => {
    const platform = new Set(['PATH', 'GOFLAGS', 'NO_COLOR', 'TERM', 'HOME']);
    const read = new Set<string>();
    for (const match of stepline.matchAll(
      /\benv(?:\.|\[['"])([A-Z][A-Z0-9_]+)|\(\s*['"]((?:STEPLINE|TEMPORAL|OTEL)_[A-Z0-9_]+)['"]/g,
    )) {
      read.add((match[1] ?? match[2])!);
    }
    const unlisted = [...read].filter((name) => !(name in ENVIRONMENT) && !platform.has(name)).sort();
    assert.deepEqual(unlisted, []);
    assert.ok(read.size >= 20, `found ${read.size} variables read`);
  });

  test('secrets are marked as such', () => {
    for (const name of [
      'TEMPORAL_API_KEY',
      'TEMPORAL_TLS_CLIENT_KEY_DATA',
      'STEPLINE_API_TOKEN',
      'STEPLINE_READ_TOKEN',
    ]) {
      assert.equal(ENVIRONMENT[name]?.secret, true, name);
    }
  });
});

describe('structured logger', () => {
  const capture = (options: ConstructorParameters<typeof StructuredLogger>[0] = {}) => {
    const lines: string[] = [];
    const logger = new StructuredLogger({ ...options, write: (line) => lines.push(line) });
    return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  test('one JSON object per line: time, level, msg and the attributes', () => {
    const { logger, records } = capture();
    logger.info('step attempt succeeded', { pipelineId: 'p-1', stepId: 'load', attempt: 2, big: 10n });
    const [record] = records();
    assert.equal(record?.level, 'info');
    assert.equal(record?.msg, 'step attempt succeeded');
    assert.equal(record?.pipelineId, 'p-1');
    assert.equal(record?.stepId, 'load');
    assert.equal(record?.big, '10');
    assert.ok(!Number.isNaN(Date.parse(String(record?.time))));
  });

  test('levels below the configured one are dropped; text format on request', () => {
    const { logger, lines } = capture({ level: 'WARN' });
    logger.info('quiet');
    logger.warn('loud');
    assert.equal(lines.length, 1);
    const text = capture({ format: 'text' });
    text.logger.error('boom', { stepId: 's' });
    assert.match(text.lines[0]!, /ERROR boom stepId="s"$/);
  });

  test('secret-named attributes are redacted and registered secrets are scrubbed everywhere', () => {
    const { logger, lines } = capture({ secrets: ['secret-xyz-123'] });
    logger.addSecret('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----');
    logger.warn('connect failed with secret-xyz-123', {
      apiKey: 'anything',
      headers: { authorization: 'Bearer abc', 'x-ok': 'fine' },
      nested: { note: 'key is secret-xyz-123' },
      error: new Error('rejected secret-xyz-123'),
      pem: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
      password: 'hunter2',
    });
    const line = lines.join('\n');
    assert.ok(!line.includes('secret-xyz-123'));
    assert.ok(!line.includes('Bearer abc'));
    assert.ok(!line.includes('hunter2'));
    assert.ok(!line.includes('BEGIN PRIVATE KEY'));
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record.apiKey, '[redacted]');
    assert.deepEqual(record.headers, { authorization: '[redacted]', 'x-ok': 'fine' });
    assert.equal(record.msg, 'connect failed with [redacted]');
  });
});
