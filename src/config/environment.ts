/** Every environment variable Stepline reads, with who reads it: docs/operations.md's table is made from it. */
import { DEFAULT_TASK_QUEUE } from '../pipeline/contract.js';
import { DEFAULT_ADDRESS, DEFAULT_NAMESPACE } from './defaults.js';

/** Who reads a variable: Stepline's own code, `@temporalio/envconfig`, or the OpenTelemetry exporter. */
export type EnvReader = 'stepline' | '@temporalio/envconfig' | '@opentelemetry/exporter-trace-otlp-http';

export interface EnvVarInfo {
  description: string;
  default?: string;
  readBy: EnvReader;
  /** Never logged, never printed. */
  secret?: boolean;
}

/**
 * Every environment variable Stepline's processes read, with its reader. The compose file may set only
 * these (a test checks it), and a test checks that each is really read where it says.
 * `TEMPORAL_GRPC_META_<NAME>` (gRPC metadata, via envconfig) is a family and not listed.
 */
export const ENVIRONMENT: Readonly<Record<string, EnvVarInfo>> = {
  TEMPORAL_ADDRESS: stepline('Temporal frontend host:port', { default: DEFAULT_ADDRESS }),
  TEMPORAL_NAMESPACE: stepline('Temporal namespace', { default: DEFAULT_NAMESPACE }),
  TEMPORAL_API_KEY: envconfig('API key (Temporal Cloud); turns TLS on', { secret: true }),
  TEMPORAL_TLS: envconfig('true/false: force TLS on or off'),
  TEMPORAL_TLS_CLIENT_CERT_PATH: envconfig('mTLS client certificate (PEM file)'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: envconfig('mTLS client private key (PEM file)'),
  TEMPORAL_TLS_CLIENT_CERT_DATA: envconfig('mTLS client certificate (PEM text)'),
  TEMPORAL_TLS_CLIENT_KEY_DATA: envconfig('mTLS client private key (PEM text)', { secret: true }),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: envconfig('CA that signed the server certificate (PEM file)'),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: envconfig('CA that signed the server certificate (PEM text)'),
  TEMPORAL_TLS_SERVER_NAME: envconfig('TLS server name override (SNI)'),
  TEMPORAL_TLS_CERT: stepline('alias of TEMPORAL_TLS_CLIENT_CERT_PATH'),
  TEMPORAL_TLS_KEY: stepline('alias of TEMPORAL_TLS_CLIENT_KEY_PATH'),
  TEMPORAL_TLS_CA: stepline('alias of TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
  TEMPORAL_PROFILE: envconfig('profile of the client config file', { default: 'default' }),
  TEMPORAL_CONFIG_FILE: envconfig('client config file (TOML)', {
    default: '~/.config/temporalio/temporal.toml',
  }),
  STEPLINE_TASK_QUEUE: stepline('task queue of pipeline workers', { default: DEFAULT_TASK_QUEUE }),
  STEPLINE_STEPS: stepline('comma-separated step handler modules'),
  STEPLINE_WORKFLOW_BUNDLE: stepline('prebuilt workflow bundle file'),
  STEPLINE_MAX_CONCURRENT_ACTIVITIES: stepline('steps run at once per worker', { default: '100' }),
  STEPLINE_MAX_CONCURRENT_WORKFLOW_TASKS: stepline('workflow tasks at once per worker', { default: '40' }),
  STEPLINE_MAX_CACHED_WORKFLOWS: stepline('sticky workflow cache size'),
  STEPLINE_MAX_CONCURRENT_ACTIVITY_POLLS: stepline('concurrent activity task polls'),
  STEPLINE_MAX_CONCURRENT_WORKFLOW_TASK_POLLS: stepline('concurrent workflow task polls'),
  STEPLINE_SHUTDOWN_GRACE_TIME: stepline('time steps in flight get after SIGTERM', { default: '30s' }),
  STEPLINE_WORKER_IDENTITY: stepline('worker identity in Temporal history', { default: '<pid>@<host>' }),
  STEPLINE_METRICS_ADDRESS: stepline('host:port of /metrics and /healthz'),
  STEPLINE_HTTP_ALLOW: stepline(
    'hosts (*.suffix), IPs and CIDRs http.request may reach besides public addresses',
  ),
  STEPLINE_DASHBOARD_URL: stepline(
    "the dashboard's address as people reach it: notification links become absolute",
  ),
  STEPLINE_PENDING_POLL_INTERVAL: stepline('how often pending approvals/interventions are counted', {
    default: '15s',
  }),
  STEPLINE_LOG_LEVEL: stepline('TRACE, DEBUG, INFO, WARN, ERROR', { default: 'INFO' }),
  STEPLINE_LOG_FORMAT: stepline('json or text', { default: 'json' }),
  STEPLINE_TRACING: stepline('otlp or off', { default: 'otlp when OTEL_EXPORTER_OTLP_ENDPOINT is set' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpExporter('OTLP/HTTP collector base URL'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpExporter('OTLP/HTTP traces URL'),
  OTEL_SERVICE_NAME: stepline('service name on spans', { default: 'stepline-worker' }),
  STEPLINE_DASHBOARD_PORT: stepline('dashboard port', { default: '8080' }),
  STEPLINE_DASHBOARD_HOST: stepline('dashboard bind address', { default: '127.0.0.1' }),
  STEPLINE_DASHBOARD_STATIC: stepline('built dashboard page directory', { default: 'dist/web' }),
  STEPLINE_DASHBOARD_HOSTS: stepline(
    'more Host names the dashboard answers (comma-separated: name, name:port, *.domain, *)',
  ),
  STEPLINE_DASHBOARD_MAX_STREAMS: stepline('most live dashboard streams in total', { default: '100' }),
  STEPLINE_DASHBOARD_MAX_STREAMS_PER_CLIENT: stepline('most live dashboard streams per client address', {
    default: '10',
  }),
  STEPLINE_API_TOKEN: stepline('bearer token for dashboard mutations', { secret: true }),
  STEPLINE_API_TOKENS: stepline(
    'per-user dashboard tokens `name:token,…`: allow mutations; decisions are recorded as by that name',
    { secret: true },
  ),
  STEPLINE_TEMPORAL_UI_URL: stepline(
    'Temporal Web UI base URL the dashboard links pipelines to (`npm start`/`stepline dev`: their UI)',
  ),
  STEPLINE_READ_TOKEN: stepline('bearer token for dashboard reads', { secret: true }),
  STEPLINE_USER: stepline('who the CLI records as deciding'),
  STEPLINE_HEADLESS: stepline('1: `npm start` without the Temporal Web UI (development)'),
  STEPLINE_ALLOW_SDK_DOWNLOAD: stepline('0: never download a dev server (development)'),
  TEMPORAL_CLI_PATH: stepline('Temporal CLI binary for the dev server (development)'),
  TEMPORAL_SERVER_PATH: stepline('temporal-server binary for `stepline cluster` (else PATH, then built)'),
  TEMPORAL_SQL_TOOL_PATH: stepline('temporal-sql-tool binary for `stepline cluster` (else PATH, then built)'),
  TEMPORAL_SCHEMA_DIR: stepline("the server's schema/postgresql/v12 folder for `stepline cluster`", {
    default: 'from the Go module cache',
  }),
  STEPLINE_PG_BIN: stepline('folder of pg_ctl and initdb for `stepline cluster`', {
    default: 'PATH, then /usr/lib/postgresql/<newest>/bin',
  }),
  STEPLINE_CLUSTER_DATABASE_URL: stepline(
    '`postgres://user:password@host:port` of an existing PostgreSQL for `stepline cluster` (else a local one)',
    { secret: true },
  ),
};

type EntryOptions = Pick<EnvVarInfo, 'default' | 'secret'>;

function stepline(description: string, options: EntryOptions = {}): EnvVarInfo {
  return { description, ...options, readBy: 'stepline' };
}

function envconfig(description: string, options: EntryOptions = {}): EnvVarInfo {
  return { description, ...options, readBy: '@temporalio/envconfig' };
}

function otlpExporter(description: string): EnvVarInfo {
  return { description, readBy: '@opentelemetry/exporter-trace-otlp-http' };
}
