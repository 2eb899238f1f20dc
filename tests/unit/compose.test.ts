/**
 * No Docker engine runs here, so the deployment files are checked statically: docker-compose.yml against
 * the Compose specification's JSON schema (as shipped by the `dclint` package) and dclint's error rules,
 * and against the application's own configuration — every environment variable a Stepline service sets
 * is one the code reads (src/config.ts ENVIRONMENT) with a value the code accepts, ports and health
 * checks match the settings, the worker can scale; the Dockerfile is multi-stage, non-root, production
 * dependencies only, with the workflow bundle and the dashboard page prebuilt; `.dockerignore` lets in
 * only what the build copies; and the code the image runs imports production dependencies only.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { DCLinter } from 'dclint';
import { parse } from 'yaml';
import { ConfigError, ENVIRONMENT, parseListenAddress, workerSettingsFromEnv } from '../../src/config.js';
import { dashboardSettingsFromEnv } from '../../src/dashboard/main.js';
import { TEMPORAL_SERVER_VERSION } from '../../src/cluster/binaries.js';
import { SEARCH_ATTRIBUTES } from '../../src/dev/dev-server.js';
import { DEFAULT_TASK_QUEUE } from '../../src/pipeline/contract.js';
import { parseDuration } from '../../src/pipeline/duration.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Healthcheck {
  test: string | string[];
}
interface Service {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  container_name?: string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  restart?: string;
  stop_grace_period?: string;
  profiles?: string[];
}
interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  assert.ok(found, `service ${name} exists`);
  return found;
};

/** `${VAR:-default}` / `${VAR-default}` / `${VAR}` resolved the way Compose does with VAR unset. */
const interpolate = (value: string): string =>
  value.replace(
    /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
    (_m, _name: string, fallback?: string) => fallback ?? '',
  );

/** A service's environment as its process sees it (with nothing set on the host). */
const environmentOf = (s: Service): Record<string, string> =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''))]));

const healthcheckText = (s: Service) =>
  Array.isArray(s.healthcheck?.test) ? s.healthcheck.test.join(' ') : String(s.healthcheck?.test ?? '');

/** Long-running services without a health check, and why. */
const NO_HEALTHCHECK: Record<string, string> = {
  'temporal-ui': 'the UI image ships no tool to probe itself with; nothing depends on it being healthy',
};
const STEPLINE_SERVICES = ['worker', 'dashboard'];

describe('docker-compose.yml: the Compose specification', () => {
  test('validates against the Compose specification JSON schema', () => {
    const schemaFile = path.join(
      path.dirname(createRequire(import.meta.url).resolve('dclint/package.json')),
      'schemas',
      'compose.schema.json',
    );
    // Draft-07, named by a `$schema` URL Ajv does not know under that spelling: compiled without it.
    const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaFile, 'utf8')) as {
      $schema: string;
      title: string;
    };
    assert.equal(schema.title, 'Compose Specification');
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
    // And the schema really checks: a misspelt key is refused.
    assert.equal(validate({ services: { worker: { imagee: 'x' } } }), false);
  });

  test("passes dclint's correctness and security rules", () => {
    const linter = new DCLinter({
      rules: {
        'no-build-and-image': 0, // the Stepline services build the image they name, on purpose
        'no-duplicate-container-names': 2,
        'no-duplicate-exported-ports': 2,
        'no-unbound-port-interfaces': 2,
        'no-version-field': 2,
        'service-image-require-explicit-tag': 2,
        'require-quotes-in-ports': 2,
        'no-quotes-in-volumes': 2,
        // ordering and naming style rules: not ours
        'service-keys-order': 0,
        'services-alphabetical-order': 0,
        'service-dependencies-alphabetical-order': 0,
        'service-ports-alphabetical-order': 0,
        'top-level-properties-order': 0,
        'require-project-name-field': 2,
        'service-container-name-regex': 2,
      },
      quiet: true,
      debug: false,
      exclude: [],
    });
    const [result] = linter.lintFiles([COMPOSE_FILE], false);
    assert.equal(result?.errorCount, 0, JSON.stringify(result?.messages, null, 2));
  });

  test('every image has an explicit version (no `latest`)', () => {
    for (const [name, s] of Object.entries(services)) {
      const image = interpolate(s.image ?? '');
      assert.match(image, /^[a-z0-9./_-]+:[A-Za-z0-9._-]+$/, `${name}: ${image}`);
      assert.doesNotMatch(image, /:latest$/, name);
    }
  });
});

describe('docker-compose.yml: the application', () => {
  test('Temporal with PostgreSQL and its schema job, the Web UI, the worker and the dashboard', () => {
    for (const name of [
      'postgresql',
      'temporal-schema',
      'temporal',
      'temporal-namespace',
      'temporal-ui',
      'worker',
      'dashboard',
    ])
      service(name);
    assert.match(service('postgresql').image!, /^postgres:/);
    assert.match(service('temporal').image!, /^temporalio\/server:/);
    assert.match(service('temporal-schema').image!, /^temporalio\/admin-tools:/);
    assert.match(service('temporal-ui').image!, /^temporalio\/ui:/);
    for (const name of STEPLINE_SERVICES) {
      assert.deepEqual(
        service(name).build,
        { context: '.', target: 'runtime' },
        `${name} is built from the Dockerfile`,
      );
    }
    assert.deepEqual(service('worker').command, ['node', 'src/worker.js']);
    assert.deepEqual(service('dashboard').command, ['node', 'src/dashboard/main.js']);
  });

  test('the worker scales: no container name, no host port, a grace period longer than the shutdown grace time', () => {
    const worker = service('worker');
    assert.equal(worker.container_name, undefined);
    assert.equal(worker.ports, undefined, '`--scale worker=3` would clash on a host port');
    const grace = parseDuration(environmentOf(worker).STEPLINE_SHUTDOWN_GRACE_TIME!);
    assert.ok(
      parseDuration(worker.stop_grace_period!) > grace,
      'Docker waits for the in-flight steps before SIGKILL',
    );
    for (const s of Object.values(services)) assert.equal(s.container_name, undefined);
  });

  test('the Stepline services set only variables the code reads, with values it accepts', () => {
    for (const name of STEPLINE_SERVICES) {
      const env = environmentOf(service(name));
      const unknown = Object.keys(env).filter((key) => !(key in ENVIRONMENT));
      assert.deepEqual(unknown, [], `${name} sets variables no code reads`);
      for (const [key, value] of Object.entries(env)) {
        if (ENVIRONMENT[key]?.secret)
          assert.match(
            String(service(name).environment?.[key]),
            /^\$\{[A-Z_]+:-\}$/,
            `${name}: ${key} comes from the host, empty by default`,
          );
        else assert.ok(value !== undefined);
      }
      assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233', `${name} talks to the compose server`);
      assert.equal(env.STEPLINE_TASK_QUEUE, DEFAULT_TASK_QUEUE);
    }
    // Parsed exactly as the processes will parse them.
    const worker = workerSettingsFromEnv(environmentOf(service('worker')));
    assert.equal(worker.workflowBundle, '/app/dist/workflow-bundle.js');
    assert.deepEqual(worker.metricsAddress, { host: '0.0.0.0', port: 9464 });
    assert.equal(worker.tracing, 'off', 'no tracing unless OTEL_EXPORTER_OTLP_ENDPOINT is given');
    const dashboard = dashboardSettingsFromEnv(environmentOf(service('dashboard')));
    assert.equal(dashboard.host, '0.0.0.0');
    assert.equal(dashboard.port, 8080);
    // …and a value the code refuses would be caught here.
    assert.throws(() => workerSettingsFromEnv({ STEPLINE_MAX_CONCURRENT_ACTIVITIES: 'lots' }), ConfigError);
  });

  test('ports and health checks match the settings', () => {
    const worker = service('worker');
    const metrics = parseListenAddress(
      'STEPLINE_METRICS_ADDRESS',
      environmentOf(worker).STEPLINE_METRICS_ADDRESS!,
      [],
    );
    assert.deepEqual(worker.expose, [String(metrics?.port)]);
    assert.match(healthcheckText(worker), new RegExp(`127\\.0\\.0\\.1:${metrics?.port}/healthz`));

    const dashboard = service('dashboard');
    const port = environmentOf(dashboard).STEPLINE_DASHBOARD_PORT;
    assert.deepEqual(dashboard.ports, [`127.0.0.1:${port}:${port}`]);
    assert.match(healthcheckText(dashboard), new RegExp(`127\\.0\\.0\\.1:${port}/api/pipelines`));
    assert.match(
      healthcheckText(dashboard),
      /STEPLINE_READ_TOKEN/,
      'the probe passes a read token when one is set',
    );

    assert.ok(service('temporal').ports?.includes('127.0.0.1:7233:7233'));
    assert.ok(service('temporal-ui').ports?.some((p) => p.endsWith(':8080')));
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    assert.ok(
      published.every((p) => p.startsWith('127.0.0.1:')),
      'nothing is published beyond this host by default',
    );
  });

  test('every long-running service has a health check, and dependencies wait for the right condition', () => {
    for (const [name, s] of Object.entries(services)) {
      const oneShot = s.restart?.startsWith('on-failure');
      if (oneShot) {
        assert.equal(s.healthcheck, undefined, `${name} runs once`);
        continue;
      }
      if (name in NO_HEALTHCHECK) continue;
      assert.ok(s.healthcheck, `${name} has a health check`);
    }
    for (const [name, s] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        const target = service(dependency);
        if (condition === 'service_healthy')
          assert.ok(target.healthcheck, `${name} waits for ${dependency}'s health`);
        if (condition === 'service_completed_successfully')
          assert.ok(target.restart?.startsWith('on-failure'), `${dependency} is a one-shot job`);
      }
    }
    assert.equal(
      service('worker').depends_on?.['temporal-namespace']?.condition,
      'service_completed_successfully',
    );
  });

  test('the server uses the PostgreSQL the compose file starts, with the schema job before it', () => {
    const db = environmentOf(service('postgresql'));
    const schemaJob = environmentOf(service('temporal-schema'));
    assert.equal(schemaJob.DB, 'postgres12');
    assert.equal(schemaJob.POSTGRES_SEEDS, 'postgresql');
    assert.equal(schemaJob.POSTGRES_USER, db.POSTGRES_USER);
    assert.equal(schemaJob.POSTGRES_PWD, db.POSTGRES_PASSWORD);
    const server = environmentOf(service('temporal'));
    assert.equal(server.TEMPORAL_DB_HOST, 'postgresql');
    assert.equal(server.TEMPORAL_DB_USER, db.POSTGRES_USER);
    assert.equal(server.TEMPORAL_DB_PASSWORD, db.POSTGRES_PASSWORD);
    assert.equal(
      service('temporal').depends_on?.['temporal-schema']?.condition,
      'service_completed_successfully',
    );
  });

  test('the server runs the version and the configuration `npm run cluster` tests', () => {
    const version = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    for (const name of ['temporal', 'temporal-schema', 'temporal-namespace'])
      assert.ok(
        service(name).image!.endsWith(`:\${TEMPORAL_VERSION:-${version}}`),
        `${name} runs ${version}`,
      );
    const temporal = service('temporal');
    const mount = temporal.volumes?.find((v) => v.startsWith('./deploy/temporal/config:'));
    assert.ok(mount, 'the shared configuration folder is mounted');
    const inContainer = mount.split(':')[1]!;
    const entrypoint = [temporal.entrypoint ?? []].flat().join(' ');
    assert.ok(entrypoint.includes(`--config ${inContainer} --env stepline`), entrypoint);
    assert.ok(existsSync(path.join(ROOT, 'deploy/temporal/config/stepline.yaml')));
    // Every variable the compose file gives the server is one the shared template reads.
    const template = read('deploy/temporal/config/stepline.yaml');
    for (const key of Object.keys(environmentOf(temporal)))
      assert.ok(template.includes(`env "${key}"`), `the template reads ${key}`);
  });

  test("the namespace job registers Stepline's search attributes, as the dev server does", () => {
    const script = read('deploy/temporal/create-namespace.sh');
    const registered = /for name in ([A-Za-z ]+); do/.exec(script)?.[1]?.trim().split(/\s+/);
    assert.deepEqual(registered?.sort(), Object.keys(SEARCH_ATTRIBUTES).sort());
    assert.ok(Object.values(SEARCH_ATTRIBUTES).every((type) => script.includes(`--type ${type}`)));
  });

  test('mounted files exist and named volumes are declared', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const [source] = volume.split(':');
        if (source!.startsWith('.'))
          assert.ok(existsSync(path.join(ROOT, source!)), `${name}: ${source} exists`);
        else
          assert.ok(compose.volumes && source! in compose.volumes, `${name}: volume ${source} is declared`);
      }
    }
    const prometheus = read('deploy/prometheus/prometheus.yml');
    assert.match(prometheus, /names: \[worker\]/, 'Prometheus finds every worker replica');
    assert.match(prometheus, /port: 9464/);
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');
  const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
  const stage = (name: string) => {
    const start = dockerfile.indexOf(`AS ${name}\n`);
    const next = dockerfile.indexOf('\nFROM ', start);
    return dockerfile.slice(start, next === -1 ? undefined : next);
  };

  test('multi-stage: build, production dependencies, runtime', () => {
    assert.deepEqual(stages, ['build', 'deps', 'runtime']);
  });

  test('the build stage compiles, builds the dashboard page and prebuilds the workflow bundle', () => {
    const build = stage('build');
    assert.match(build, /npm ci/);
    assert.match(build, /npm run build:web/);
    assert.match(build, /tsc -p deploy\/tsconfig\.build\.json/);
    assert.match(build, /tsx src\/bundle\.ts dist\/image\/dist\/workflow-bundle\.js/);
    assert.match(build, /tsx src\/bundle\.ts \S+ --tracing/);
  });

  test('the runtime stage has production dependencies only, runs as a non-root user, and points at the bundle', () => {
    assert.match(stage('deps'), /npm ci --omit=dev/);
    const runtime = stage('runtime');
    assert.match(runtime, /COPY --from=deps \/app\/node_modules node_modules/);
    assert.doesNotMatch(runtime, /COPY --from=build \/app\/node_modules/);
    assert.doesNotMatch(runtime, /npm (ci|install)/);
    assert.match(runtime, /^USER node$/m);
    assert.ok(
      runtime.indexOf('USER node') > runtime.lastIndexOf('COPY'),
      'nothing runs as root after the copies',
    );
    assert.match(runtime, /STEPLINE_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/);
    assert.match(runtime, /CMD \["node", "src\/worker\.js"\]/);
    const envNames = [...runtime.matchAll(/^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    assert.ok(envNames.length >= 3);
    assert.deepEqual(
      envNames.filter((n) => !(n in ENVIRONMENT) && n !== 'NODE_ENV'),
      [],
    );
    const port = /STEPLINE_METRICS_ADDRESS=0\.0\.0\.0:(\d+)/.exec(runtime)?.[1];
    assert.match(runtime, new RegExp(`HEALTHCHECK[\\s\\S]*127\\.0\\.0\\.1:${port}/healthz`));
    assert.match(runtime, new RegExp(`EXPOSE ${port}`));
  });

  test('.dockerignore lets in only what the build copies, never node_modules, .env files or keys', () => {
    const rules = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(rules[0], '*', 'an allow-list');
    const allowed = rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1).replace(/\/$/, ''));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const source of copied) {
      const file = source.replace(/\/$/, '');
      assert.ok(allowed.includes(file), `${file} is copied, so .dockerignore must let it in`);
      assert.ok(existsSync(path.join(ROOT, file)), `${file} exists`);
    }
    for (const secret of ['**/node_modules', '**/.env', '**/*.pem', '**/*.key'])
      assert.ok(rules.includes(secret), secret);
  });

  test('the code the image runs imports production dependencies only', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const entries = ['src/worker.ts', 'src/dashboard/main.ts'];
    const seen = new Set<string>();
    const packages = new Map<string, string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      const specifiers = [
        ...text.matchAll(/^(?:import|export)\s+(?!type\s)[^'";]*?from\s+['"]([^'"]+)['"]/gm),
        ...text.matchAll(/^import\s+['"]([^'"]+)['"]/gm),
        ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
      ].map((m) => m[1]!);
      for (const specifier of specifiers) {
        if (specifier.startsWith('node:')) continue;
        if (specifier.startsWith('.')) {
          const target = path.join(path.dirname(file), specifier).replace(/\.js$/, '.ts');
          if (existsSync(path.join(ROOT, target))) visit(target);
          continue;
        }
        const name = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0]!;
        packages.set(name, file);
      }
    };
    entries.forEach(visit);
    assert.ok(
      seen.has('src/telemetry/tracing.ts') && seen.has('src/activities/index.ts'),
      'the walk follows imports',
    );
    const dev = [...packages]
      .filter(([name]) => !(name in pkg.dependencies))
      .map(([name, file]) => `${name} (${file})`);
    assert.deepEqual(dev, [], 'packages the worker or dashboard load at run time must be dependencies');
  });
});
