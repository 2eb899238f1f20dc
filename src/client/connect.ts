/**
 * What a {@link PipelineClient} is built from: its options, the settings they come to (options over the
 * environment), and the connection `PipelineClient.connect` opens when it is given no client.
 */
import { Client, Connection } from '@temporalio/client';
import {
  connectionOptions,
  loadConnectionSettings,
  settingsFromEnv,
  type SteplineSettings,
} from '../config.js';
import { withoutUndefined } from '../pipeline/plain-objects.js';

export interface PipelineClientOptions extends Partial<SteplineSettings> {
  /** Reuse an open client (its namespace wins). */
  client?: Client;
  /**
   * Where `connect` reads the connection settings it is not given (TLS / mTLS, API key, profile):
   * see `loadConnectionSettings` in `src/config.ts`. Default `process.env`.
   */
  env?: NodeJS.ProcessEnv;
}

/** The settings of a client built on `options.client`: the options' own, else the environment's. */
export function clientSettings(options: PipelineClientOptions & { client: Client }): SteplineSettings {
  return {
    ...settingsFromEnv(),
    ...definedOnly(options),
    namespace: options.client.options.namespace,
  };
}

/**
 * The options with an open client: `options.client`, else a new connection to `address` (env
 * `TEMPORAL_ADDRESS`, a `temporal.toml` profile, default `127.0.0.1:7233`) with the environment's
 * TLS / mTLS / API-key settings.
 */
export async function connectedOptions(
  options: PipelineClientOptions,
): Promise<PipelineClientOptions & { client: Client }> {
  if (options.client) return { ...options, client: options.client };
  const { env = process.env, ...rest } = options;
  const connectionSettings = loadConnectionSettings(
    env,
    definedOnly({ address: rest.address, namespace: rest.namespace }),
  );
  const settings = {
    ...settingsFromEnv(env),
    ...definedOnly(rest),
    address: connectionSettings.address,
    namespace: connectionSettings.namespace,
  };
  const connection = await Connection.connect(connectionOptions(connectionSettings));
  return { ...settings, client: new Client({ connection, namespace: settings.namespace }) };
}

/** The options' defined fields, without the `client` and `env` they may carry. */
function definedOnly<T extends object>(value: T): Partial<T> {
  const { client: _client, env: _env, ...fields } = value as T & { client?: unknown; env?: unknown };
  return withoutUndefined(fields) as Partial<T>;
}
