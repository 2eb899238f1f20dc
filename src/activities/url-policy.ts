/**
 * The URL policy of `http.request` (SSRF protection): which hosts and addresses a step may reach.
 *
 * Denied by default: every address that is not public unicast — loopback, unspecified, link-local,
 * private, carrier-grade NAT, unique-local, multicast, broadcast, reserved — and the IPv6 forms that
 * embed such an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4). `STEPLINE_HTTP_ALLOW`
 * (comma-separated hostnames, `*.suffix` names, IP addresses and CIDRs) allows more. The check runs on
 * the address actually connected to: IP-literal hosts before connecting, names inside the socket's DNS
 * lookup (see {@link guardedLookup}), so a name cannot resolve to one address when checked and another
 * when connected (DNS rebinding).
 */
import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { StepError } from './errors.js';

/** The environment variable that widens the policy. */
export const HTTP_ALLOW_ENV = 'STEPLINE_HTTP_ALLOW';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One parsed `STEPLINE_HTTP_ALLOW`. */
export interface AllowList {
  /** Hostnames allowed by exact (case-insensitive) name, lower-cased, without a trailing dot. */
  readonly hosts: ReadonlySet<string>;
  /** `*.example.com` entries as `.example.com`: any name ending so (not `example.com` itself). */
  readonly suffixes: readonly string[];
  /** IP addresses (as /32 or /128) and CIDRs. */
  readonly ranges: ReadonlyArray<readonly [Address, number]>;
}

/** An entry of `STEPLINE_HTTP_ALLOW` that is neither a hostname, an IP address nor a CIDR. */
export class AllowListError extends Error {
  override readonly name = 'AllowListError';
  /** The entries that could not be parsed, as written. */
  readonly entries: readonly string[];

  constructor(entries: readonly string[]) {
    super(
      `${HTTP_ALLOW_ENV}: ${entries.map((e) => JSON.stringify(e)).join(', ')} ` +
        `${entries.length === 1 ? 'is' : 'are'} not a hostname (api.example.com, *.example.com), ` +
        'an IP address (10.0.0.5, ::1) or a CIDR (10.0.0.0/8, fc00::/7)',
    );
    this.entries = entries;
  }
}

const LABEL = '[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?';
const HOSTNAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/**
 * Parses `STEPLINE_HTTP_ALLOW`: comma-separated entries, blanks ignored.
 *
 * @throws AllowListError naming every entry that cannot be parsed.
 */
export function parseAllowList(text: string | undefined): AllowList {
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  const ranges: Array<[Address, number]> = [];
  const bad: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const range = parseRange(entry);
    if (range) {
      ranges.push(range);
      continue;
    }
    const name = entry.toLowerCase().replace(/\.$/, '');
    if (name.startsWith('*.') && HOSTNAME.test(name.slice(2))) suffixes.push(name.slice(1));
    else if (HOSTNAME.test(name) && !/^[\d.]+$/.test(name)) hosts.add(name);
    else bad.push(entry);
  }
  if (bad.length) throw new AllowListError(bad);
  return { hosts, suffixes, ranges };
}

function parseRange(entry: string): [Address, number] | undefined {
  const text = entry.replace(/^\[(.*)\](\/\d+)?$/, '$1$2');
  try {
    if (text.includes('/')) {
      if (!/\/\d{1,3}$/.test(text)) return undefined;
      return ipaddr.parseCIDR(text);
    }
    if (!ipaddr.isValid(text)) return undefined;
    const address = ipaddr.parse(text);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

let cached: { text: string | undefined; list?: AllowList; error?: AllowListError } | undefined;

/** `STEPLINE_HTTP_ALLOW` as set now (read at each call, parsed once per value). */
export function currentAllowList(env: NodeJS.ProcessEnv = process.env): AllowList {
  const text = env.STEPLINE_HTTP_ALLOW;
  if (!cached || cached.text !== text) {
    try {
      cached = { text, list: parseAllowList(text) };
    } catch (err) {
      cached = { text, error: err as AllowListError };
    }
  }
  if (cached.error) throw cached.error;
  return cached.list!;
}

/** Whether the allow-list names `hostname` (not an IP literal). */
export function hostAllowed(list: AllowList, hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return list.hosts.has(name) || list.suffixes.some((suffix) => name.endsWith(suffix));
}

/** Why `address` is denied (`a loopback address`), or undefined when it may be reached. */
export function deniedReason(address: string, list: AllowList): string | undefined {
  let parsed: Address;
  try {
    parsed = ipaddr.parse(address.replace(/^\[(.*)\]$/, '$1'));
  } catch {
    return 'not an IP address';
  }
  if (list.ranges.some((range) => sameKindMatch(parsed, range))) return undefined;
  if (parsed.kind() === 'ipv6') {
    const embedded = embeddedIPv4(parsed as ipaddr.IPv6);
    if (embedded) {
      if (list.ranges.some((range) => sameKindMatch(embedded.address, range))) return undefined;
      const inner = ipv4Reason(embedded.address);
      return inner ? `${embedded.form} ${inner.replace(/^an? /, '')}` : undefined;
    }
    return ipv6Reason(parsed as ipaddr.IPv6);
  }
  return ipv4Reason(parsed as ipaddr.IPv4);
}

function sameKindMatch(address: Address, [network, bits]: readonly [Address, number]): boolean {
  if (address.kind() !== network.kind()) return false;
  return (address as ipaddr.IPv4).match(network as ipaddr.IPv4, bits);
}

const IPV4_ALLOWED = new Set(['unicast', 'as112', 'amt']);
const IPV6_ALLOWED = new Set(['unicast', 'as112v6', 'amt']);

const RANGE_WORDS: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address',
  private: 'a private address',
  reserved: 'a reserved address',
  uniqueLocal: 'a unique-local address',
  benchmarking: 'a benchmarking address',
  teredo: 'a Teredo address',
  deprecatedSiteLocal: 'a site-local address',
  discard: 'a discard-only address',
};

function words(range: string): string {
  return RANGE_WORDS[range] ?? `a reserved address (${range})`;
}

function ipv4Reason(address: ipaddr.IPv4): string | undefined {
  const range = address.range();
  return IPV4_ALLOWED.has(range) ? undefined : words(range);
}

function ipv6Reason(address: ipaddr.IPv6): string | undefined {
  const range = address.range();
  return IPV6_ALLOWED.has(range) ? undefined : words(range);
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one: IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-compatible `::a.b.c.d`, SIIT `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:AABB:CCDD::`.
 */
function embeddedIPv4(address: ipaddr.IPv6): { address: ipaddr.IPv4; form: string } | undefined {
  const p = address.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((part) => part === 0);
  if (zeros(0, 5) && p[5] === 0xffff) return { address: v4(p[6]!, p[7]!), form: 'an IPv4-mapped' };
  if (zeros(0, 6) && (p[6] !== 0 || p[7]! > 1)) {
    return { address: v4(p[6]!, p[7]!), form: 'an IPv4-compatible' };
  }
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) {
    return { address: v4(p[6]!, p[7]!), form: 'an IPv4-translated' };
  }
  if (p[0] === 0x64 && p[1] === 0xff9b) return { address: v4(p[6]!, p[7]!), form: 'a NAT64' };
  if (p[0] === 0x2002) return { address: v4(p[1]!, p[2]!), form: 'a 6to4' };
  return undefined;
}

/** The URL as messages show it: origin and path only (credentials and query may hold secrets). */
export function displayUrl(url: URL | string): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

const HINT = `allow it with ${HTTP_ALLOW_ENV} (hosts, IPs, CIDRs)`;

/** The `validation` error of a refused target, code `URL_DENIED`. */
export function urlDenied(url: URL, reason: string, redirectedFrom?: URL): StepError {
  const from = redirectedFrom ? ` (redirected from ${displayUrl(redirectedFrom)})` : '';
  return new StepError(`http.request refused ${displayUrl(url)}${from}: ${reason}; ${HINT}`, {
    category: 'validation',
    code: 'URL_DENIED',
  });
}

/** The `validation` error of an unusable `STEPLINE_HTTP_ALLOW`, code `HTTP_ALLOW_INVALID`. */
export function allowListInvalid(err: AllowListError): StepError {
  return new StepError(`http.request cannot run: ${err.message}`, {
    category: 'validation',
    code: 'HTTP_ALLOW_INVALID',
  });
}

/**
 * Checks a URL before connecting: its scheme, and its host when it is an IP literal or allowed by
 * name. Returns whether the host still needs the DNS-time check ({@link guardedLookup}).
 *
 * @throws StepError `URL_DENIED` (or `HTTP_ALLOW_INVALID`) when the target is refused.
 */
export function checkUrl(url: URL, redirectedFrom?: URL): { list: AllowList; needsLookupCheck: boolean } {
  let list: AllowList;
  try {
    list = currentAllowList();
  } catch (err) {
    if (err instanceof AllowListError) throw allowListInvalid(err);
    throw err;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw urlDenied(url, `${url.protocol.replace(/:$/, '')} is not http or https`, redirectedFrom);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host))) {
    const reason = deniedReason(host, list);
    if (reason) throw urlDenied(url, `${host} is ${reason}`, redirectedFrom);
    return { list, needsLookupCheck: false };
  }
  return { list, needsLookupCheck: !hostAllowed(list, host) };
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that resolves every address of the name and refuses the connection
 * when any of them is denied: the refusal is handed to `onDenied` (and fails the socket).
 */
export function guardedLookup(
  url: URL,
  list: AllowList,
  onDenied: (error: StepError) => void,
  redirectedFrom?: URL,
): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, options.all ? [] : '');
        return;
      }
      if (addresses.length === 0) {
        const notFound = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        callback(notFound, options.all ? [] : '');
        return;
      }
      for (const { address } of addresses) {
        const reason = deniedReason(address, list);
        if (reason) {
          const denied = urlDenied(url, `${hostname} resolves to ${address}, ${reason}`, redirectedFrom);
          onDenied(denied);
          callback(Object.assign(new Error(denied.message), { code: 'URL_DENIED' }), options.all ? [] : '');
          return;
        }
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
