/**
 * Host-header check against DNS rebinding: a page on `evil.example` whose name the attacker re-points at
 * this machine reaches the dashboard with `Host: evil.example`, so answering only the names the
 * dashboard is meant to be reached by keeps other sites' scripts out, whatever the network lets through.
 *
 * Always accepted: `localhost`, `127.0.0.1`, `[::1]` (a browser sends those only for a page it loaded
 * from this machine) and the address the server is bound to. Bound beyond loopback, also the names in
 * `STEPLINE_DASHBOARD_HOSTS` (comma-separated; `name`, `name:port`, `*.domain`, or `*` to accept any).
 */
import { isIP } from 'node:net';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/** One accepted host: a name (or IP) with an optional port, or a `*.domain` suffix. */
interface HostPattern {
  name: string;
  port?: string;
  suffix?: boolean;
}

/** Which Host headers a dashboard answers. */
export class HostPolicy {
  private readonly patterns: HostPattern[];
  private readonly any: boolean;

  /**
   * @param bindHost the address the server listens on (`127.0.0.1`, `0.0.0.0`, `::`, a name…).
   * @param allowed extra accepted hosts (`STEPLINE_DASHBOARD_HOSTS`).
   */
  constructor(bindHost: string, allowed: readonly string[] = []) {
    this.any = allowed.includes('*');
    const bound = normalizeName(bindHost);
    this.patterns = [
      ...LOOPBACK_NAMES.map((name) => ({ name })),
      ...(bound && !isWildcard(bound) ? [{ name: bound }] : []),
      ...allowed.filter((entry) => entry !== '*').map(parsePattern),
    ];
  }

  /** Whether a request with this `Host` header may be served. */
  allows(hostHeader: string | undefined): boolean {
    if (this.any) return true;
    const host = splitHost(hostHeader ?? '');
    if (!host) return false;
    return this.patterns.some((pattern) => {
      if (pattern.port !== undefined && pattern.port !== host.port) return false;
      if (pattern.suffix) return host.name.endsWith(`.${pattern.name}`);
      return host.name === pattern.name;
    });
  }
}

/** Parses `STEPLINE_DASHBOARD_HOSTS`; throws with the offending entry's position when one is malformed. */
export function parseAllowedHosts(text: string | undefined): string[] {
  if (!text || !text.trim()) return [];
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  entries.forEach((entry, i) => {
    if (entry === '*') return;
    const host = splitHost(entry.startsWith('*.') ? entry.slice(2) : entry);
    if (!host || !/^[a-z0-9.:_-]+$/.test(host.name)) {
      throw new Error(
        `STEPLINE_DASHBOARD_HOSTS: entry ${i + 1} is not a host name, IP address, name:port, *.domain or *`,
      );
    }
  });
  return entries;
}

function parsePattern(entry: string): HostPattern {
  const suffix = entry.startsWith('*.');
  const host = splitHost(suffix ? entry.slice(2) : entry);
  return {
    name: host?.name ?? entry.toLowerCase(),
    ...(host?.port !== undefined ? { port: host.port } : {}),
    ...(suffix ? { suffix } : {}),
  };
}

/** `Example.COM.:8080` → `{ name: 'example.com', port: '8080' }`; `[::1]:80` → `{ name: '::1', port: '80' }`. */
export function splitHost(value: string): { name: string; port?: string } | undefined {
  const text = value.trim();
  if (!text || /[\s/@?#\\]/.test(text)) return undefined;
  let name: string;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    name = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest && !/^:\d{1,5}$/.test(rest)) return undefined;
    port = rest ? rest.slice(1) : undefined;
    if (isIP(name) !== 6) return undefined;
  } else if (text.split(':').length === 2) {
    [name, port] = text.split(':') as [string, string];
    if (!/^\d{1,5}$/.test(port)) return undefined;
  } else if (text.includes(':')) {
    // A bare IPv6 address (only as an allow-list entry or a bind address).
    if (isIP(text) !== 6) return undefined;
    name = text;
  } else name = text;
  const normal = normalizeName(name);
  return normal ? { name: normal, ...(port !== undefined ? { port } : {}) } : undefined;
}

function normalizeName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}
