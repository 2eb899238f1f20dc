/**
 * Bearer-token checks. Tokens are compared in constant time (SHA-256 digests of equal length through
 * `timingSafeEqual`), never logged and never echoed back. There are no cookies: the page sends the
 * token as an `Authorization` header, so other sites cannot ride on a browser's session.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';
import type { UserToken } from './users.js';

/** Which tokens the server accepts. */
export interface TokenSettings {
  /** Needed for every mutation (or one of `apiTokens`). None configured: mutations are refused (secure by default). */
  apiToken?: string;
  /** Per-user tokens (env `STEPLINE_API_TOKENS`): each allows mutations and reads, acting as its name. */
  apiTokens?: UserToken[];
  /** When set, reads need it (or an API token) too. */
  readToken?: string;
}

/** Who a request acts as: `user` when it was signed with a per-user token. */
export interface Caller {
  user?: string;
}

/** Why this dashboard cannot change anything (no mutation token is configured). */
export const READ_ONLY_REASON =
  'this dashboard is read-only: set STEPLINE_API_TOKEN (or STEPLINE_API_TOKENS) on the server to allow starting, approving and repairing pipelines';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** A token check that compares digests in constant time. */
export class TokenGate {
  private readonly api?: Buffer;
  private readonly read?: Buffer;
  private readonly users: { name: string; digest: Buffer }[];

  constructor(settings: TokenSettings) {
    if (settings.apiToken) this.api = digest(settings.apiToken);
    if (settings.readToken) this.read = digest(settings.readToken);
    this.users = (settings.apiTokens ?? []).map((user) => ({ name: user.name, digest: digest(user.token) }));
  }

  /** Whether reads need a token. */
  get readsNeedToken(): boolean {
    return this.read !== undefined;
  }

  /** Whether no mutation is possible (no token of any kind configured). */
  get readOnly(): boolean {
    return !this.api && this.users.length === 0;
  }

  /** Whether per-user tokens are configured (then decisions are signed with the token's name). */
  get perUser(): boolean {
    return this.users.length > 0;
  }

  /** Throws 401/403 unless the request may change pipelines; says who it acts as. */
  checkMutation(authorization: string | undefined): Caller {
    if (this.readOnly) throw new ApiError(403, 'forbidden', READ_ONLY_REASON);
    const presented = requiredBearerToken(
      authorization,
      'this request needs an "Authorization: Bearer <STEPLINE_API_TOKEN>" header',
    );
    const caller = this.match(presented);
    if (!caller) throw unauthorized(INVALID_TOKEN);
    return caller;
  }

  /** Throws 401 unless the request may read (always allowed when no read token is configured). */
  checkRead(authorization: string | undefined): void {
    if (!this.read) return;
    const presented = requiredBearerToken(
      authorization,
      'reads need an "Authorization: Bearer <STEPLINE_READ_TOKEN>" header',
    );
    // Every comparison always runs, so the timing does not tell which token matched.
    const read = matches(presented, this.read);
    const api = this.match(presented) !== undefined;
    if (!read && !api) throw unauthorized(INVALID_TOKEN);
  }

  /** Who a request's token names, if any (never throws: for reads such as `GET /api/session`). */
  identify(authorization: string | undefined): Caller & { mayMutate: boolean } {
    const presented = bearerToken(authorization);
    const caller = presented === undefined ? undefined : this.match(presented);
    return { ...(caller ?? {}), mayMutate: caller !== undefined };
  }

  /** The caller a mutation token stands for; compares against every token. */
  private match(presented: string): Caller | undefined {
    const shared = this.api ? matches(presented, this.api) : false;
    let user: string | undefined;
    for (const entry of this.users) if (matches(presented, entry.digest)) user = entry.name;
    if (user !== undefined) return { user };
    return shared ? {} : undefined;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** The bearer token of a request that must carry one; 401 saying `whenMissing` when it does not. */
function requiredBearerToken(header: string | undefined, whenMissing: string): string {
  const presented = bearerToken(header);
  if (presented === undefined) throw unauthorized(whenMissing);
  return presented;
}

const INVALID_TOKEN = 'the bearer token is not valid';

function unauthorized(message: string): ApiError {
  return new ApiError(401, 'unauthorized', message);
}

function matches(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(presented), expected);
}
