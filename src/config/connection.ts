/**
 * How the worker, the client, the CLI and the dashboard reach Temporal: address, namespace, TLS / mTLS and
 * API key, through `@temporalio/envconfig`, so a `temporal.toml` profile works as it does for the Temporal CLI.
 */
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/client';
import { DEFAULT_ADDRESS, DEFAULT_NAMESPACE } from './defaults.js';
import { ConfigError, errorMessage } from './errors.js';

/** Everything needed to open a `Connection` (client) or `NativeConnection` (worker). */
export interface ConnectionSettings {
  /** `host:port`: explicit option, else env `TEMPORAL_ADDRESS`, else the profile's, else `127.0.0.1:7233`. */
  address: string;
  /** Explicit option, else env `TEMPORAL_NAMESPACE`, else the profile's, else `default`. */
  namespace: string;
  /**
   * Temporal Cloud API key (env `TEMPORAL_API_KEY` or the profile's `api_key`). Sent as
   * `Authorization: Bearer …`; turns TLS on unless TLS is explicitly disabled. Never logged.
   */
  apiKey?: string;
  /**
   * `undefined`/`false`: plaintext. `true`: TLS with the system's roots. An object: a server CA
   * (`TEMPORAL_TLS_SERVER_CA_CERT_PATH`), a client certificate pair for mTLS
   * (`TEMPORAL_TLS_CLIENT_CERT_PATH` + `TEMPORAL_TLS_CLIENT_KEY_PATH`) and/or a server name override.
   */
  tls?: TLSConfig | boolean;
  /** Extra gRPC metadata (env `TEMPORAL_GRPC_META_<NAME>`). */
  metadata?: Record<string, string>;
}

/** Older names (the Temporal CLI's and server images') for the certificate paths, read when the new ones are unset. */
const TLS_ALIASES = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;

/**
 * The connection settings for `env`: `@temporalio/envconfig` reads the profile (`TEMPORAL_PROFILE`, default
 * `default`) from `TEMPORAL_CONFIG_FILE` or `~/.config/temporalio/temporal.toml` when one exists, and the
 * `TEMPORAL_*` variables override it; `overrides` (CLI flags, options in code) win over both.
 * Empty variables count as unset.
 *
 * @throws ConfigError when a certificate cannot be read or half an mTLS pair is given.
 */
export function loadConnectionSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Pick<ConnectionSettings, 'address' | 'namespace' | 'apiKey' | 'tls'>> = {},
): ConnectionSettings {
  const vars = setVariables(env);
  for (const [alias, name] of Object.entries(TLS_ALIASES)) {
    if (vars[alias] && !vars[name]) vars[name] = vars[alias];
  }
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    throw new ConfigError([`Temporal client profile: ${errorMessage(err)}`]);
  }
  const problems: string[] = [];
  const tlsInput = profile.tls;
  if (tlsInput && !tlsInput.disabled && Boolean(tlsInput.clientCert) !== Boolean(tlsInput.clientKey)) {
    problems.push(
      tlsInput.clientCert
        ? 'TEMPORAL_TLS_CLIENT_CERT_PATH is set but TEMPORAL_TLS_CLIENT_KEY_PATH is not: mTLS needs both'
        : 'TEMPORAL_TLS_CLIENT_KEY_PATH is set but TEMPORAL_TLS_CLIENT_CERT_PATH is not: mTLS needs both',
    );
  }
  if (problems.length) throw new ConfigError(problems);
  let options: ReturnType<typeof toClientOptions>['connectionOptions'];
  try {
    options = toClientOptions(profile).connectionOptions;
  } catch (err) {
    // Reading a certificate failed: say which setting, never the file's contents.
    throw new ConfigError([`TLS settings: ${errorMessage(err)}`]);
  }
  const settings: ConnectionSettings = {
    address: overrides.address || options.address || DEFAULT_ADDRESS,
    namespace: overrides.namespace || profile.namespace || DEFAULT_NAMESPACE,
  };
  const apiKey = overrides.apiKey ?? options.apiKey;
  if (typeof apiKey === 'string' && apiKey) settings.apiKey = apiKey;
  const tls = overrides.tls ?? options.tls;
  if (tls !== undefined && tls !== null) settings.tls = tls;
  const metadata = Object.entries(options.metadata ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  if (metadata.length) settings.metadata = Object.fromEntries(metadata);
  return settings;
}

/**
 * Address and namespace of the client config profile alone (file only, no environment; `{}` without a
 * file or when it cannot be read): the defaults a CLI shows, which the environment and flags override.
 */
export function profileDefaults(env: NodeJS.ProcessEnv = process.env): {
  address?: string;
  namespace?: string;
} {
  try {
    const profile = loadClientConfigProfile({ overrideEnvVars: setVariables(env), disableEnv: true });
    return {
      ...(profile.address ? { address: profile.address } : {}),
      ...(profile.namespace ? { namespace: profile.namespace } : {}),
    };
  } catch {
    return {};
  }
}

/** Options for `Connection.connect` / `NativeConnection.connect` (the two accept the same fields). */
export function connectionOptions(settings: ConnectionSettings): {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
} {
  return {
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}

/** How TLS is set up: `off`, `tls` (server verified) or `mtls` (a client certificate too). */
export function tlsMode(tls: ConnectionSettings['tls']): 'off' | 'tls' | 'mtls' {
  if (!tls) return 'off';
  if (tls === true) return 'tls';
  return tls.clientCertPair ? 'mtls' : 'tls';
}

/** What may be logged about a connection: never a key, a certificate or a metadata value. */
export function describeConnection(settings: ConnectionSettings): Record<string, string> {
  return {
    address: settings.address,
    namespace: settings.namespace,
    tls: tlsMode(settings.tls),
    auth: settings.apiKey ? 'api-key' : 'none',
    ...(settings.metadata ? { grpcMetadata: Object.keys(settings.metadata).join(',') } : {}),
  };
}

/** Secret strings of a connection, for log scrubbing. */
export function connectionSecrets(settings: ConnectionSettings): string[] {
  const secrets: string[] = [];
  if (settings.apiKey) secrets.push(settings.apiKey);
  if (settings.tls && typeof settings.tls === 'object' && settings.tls.clientCertPair) {
    secrets.push(Buffer.from(settings.tls.clientCertPair.key).toString('utf8'));
  }
  for (const value of Object.values(settings.metadata ?? {})) if (value.length >= 8) secrets.push(value);
  return secrets;
}

/** The variables of `env` that are set: empty ones count as unset. */
function setVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value) vars[name] = value;
  return vars;
}
