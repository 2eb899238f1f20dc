/**
 * Settings from one place: how the worker, the client, the CLI and the dashboard reach Temporal
 * (address, namespace, TLS / mTLS, API key — through `@temporalio/envconfig`, so a `temporal.toml`
 * profile works as it does for the Temporal CLI), and how a worker process runs (concurrency, shutdown,
 * metrics, logs, tracing). {@link ENVIRONMENT} lists every environment variable Stepline reads.
 * The modules under src/config/ hold each part; this entry re-exports them.
 */
export {
  DEFAULT_ADDRESS,
  DEFAULT_NAMESPACE,
  settingsFromEnv,
  type SteplineSettings,
} from './config/defaults.js';
export { ConfigError } from './config/errors.js';
export {
  connectionOptions,
  connectionSecrets,
  describeConnection,
  loadConnectionSettings,
  profileDefaults,
  tlsMode,
  type ConnectionSettings,
} from './config/connection.js';
export {
  parseListenAddress,
  workerSettingsFromEnv,
  type LogFormat,
  type TracingMode,
  type WorkerProcessSettings,
} from './config/worker.js';
export { ENVIRONMENT, type EnvReader, type EnvVarInfo } from './config/environment.js';
