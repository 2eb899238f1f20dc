/**
 * Redaction of step inputs and outputs for people (progress, the `stepValue` query, the CLI, the
 * dashboard): values of fields named like secrets are replaced, and inside strings URL credentials
 * (`https://user:pass@host`) and secret-named query parameters (`?token=…`) are. Pure and deterministic:
 * the workflow runs it at query time. What a step handler receives is never redacted.
 */

/** What stands in for a redacted value. */
export const REDACTED = '[redacted]';

/** What stands in for a part of a value nested deeper than {@link MAX_REDACT_DEPTH}. */
export const TOO_DEEP = '[nested too deep]';

/** Deepest nesting walked; deeper parts are replaced by {@link TOO_DEEP}. */
export const MAX_REDACT_DEPTH = 128;

/**
 * Field names treated as secrets, compared without case and without `-`, `_`, `.` and spaces: a name
 * containing one of these (`dbPassword`, `X-Api-Key`, `refresh_token`, `Set-Cookie`) is redacted.
 */
export const SECRET_NAME_PARTS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'authorization',
  'credential',
  'privatekey',
  'accesskey',
  'cookie',
  'sessionid',
  'signature',
];

/** Field names that are secrets only as a whole word (normalized as above): `auth`, `pwd`, `pass`, `sig`. */
export const SECRET_NAMES: readonly string[] = ['auth', 'pwd', 'pass', 'sig', 'jwt', 'bearer'];

/** A normalized name: lower case, without `-`, `_`, `.` and spaces. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, '');
}

/** Decides which field names are secrets: the built-in rules plus the definition's `redact` names. */
export class SecretNames {
  private readonly extra: ReadonlySet<string>;

  constructor(extra: readonly string[] = []) {
    this.extra = new Set(extra.map(normalizeName));
  }

  isSecret(name: string): boolean {
    const normalized = normalizeName(name);
    if (this.extra.has(normalized) || SECRET_NAMES.includes(normalized)) return true;
    return SECRET_NAME_PARTS.some((part) => normalized.includes(part));
  }
}

// Sources, not RegExp objects: a global RegExp keeps `lastIndex`, which a frozen (preloaded) module cannot.
const URL_USERINFO = String.raw`\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]+)@`;
const QUERY_PARAM = String.raw`([?&;])([^=&#;\s?]+)=([^&#;\s]*)`;

/** `text` with URL credentials and secret-named query parameters replaced by {@link REDACTED}. */
export function redactText(text: string, names: SecretNames): string {
  if (!text.includes('://') && !text.includes('=')) return text;
  let out = text.replace(new RegExp(URL_USERINFO, 'gi'), `$1${REDACTED}@`);
  if (out.includes('=')) {
    out = out.replace(new RegExp(QUERY_PARAM, 'g'), (whole, sep: string, name: string) =>
      names.isSecret(safeDecode(name)) ? `${sep}${name}=${REDACTED}` : whole,
    );
  }
  return out;
}

function safeDecode(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/**
 * A redacted copy of a JSON value: secret-named fields' values replaced (whatever they hold), strings
 * cleaned by {@link redactText}. Returns the value itself where nothing needs to change (no copy of
 * unchanged parts is guaranteed, but none is mutated).
 */
export function redactValue(value: unknown, names: SecretNames, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, names);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_REDACT_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item: unknown) => {
      const next = redactValue(item, names, depth + 1);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const next = names.isSecret(key) && item !== null ? REDACTED : redactValue(item, names, depth + 1);
    if (next !== item) changed = true;
    // Defined, not assigned: a "__proto__" key stays a plain field.
    Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return changed ? out : value;
}
