/**
 * Bearer-token checks. Tokens are compared in constant time (SHA-256 digests of equal length through
 * `timingSafeEqual`), never logged and never echoed back. There are no cookies: the page sends the
 * token as an `Authorization` header, so other sites cannot ride on a browser's session.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';

/** Which tokens the server accepts. */
export interface TokenSettings {
  /** Needed for every mutation. None configured: mutations are refused (secure by default). */
  apiToken?: string;
  /** When set, reads need it (or the API token) too. */
  readToken?: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** A token check that compares digests in constant time. */
export class TokenGate {
  private readonly api?: Buffer;
  private readonly read?: Buffer;

  constructor(settings: TokenSettings) {
    if (settings.apiToken) this.api = digest(settings.apiToken);
    if (settings.readToken) this.read = digest(settings.readToken);
  }

  /** Whether reads need a token. */
  get readsNeedToken(): boolean {
    return this.read !== undefined;
  }

  /** Throws 401/403 unless the request may change pipelines. */
  checkMutation(authorization: string | undefined): void {
    if (!this.api) {
      throw new ApiError(
        403,
        'forbidden',
        'this dashboard is read-only: set STEPLINE_API_TOKEN on the server to allow starting, approving and repairing pipelines',
      );
    }
    const presented = bearerToken(authorization);
    if (presented === undefined) {
      throw new ApiError(
        401,
        'unauthorized',
        'this request needs an "Authorization: Bearer <STEPLINE_API_TOKEN>" header',
      );
    }
    if (!matches(presented, this.api))
      throw new ApiError(401, 'unauthorized', 'the bearer token is not valid');
  }

  /** Throws 401 unless the request may read (always allowed when no read token is configured). */
  checkRead(authorization: string | undefined): void {
    if (!this.read) return;
    const presented = bearerToken(authorization);
    if (presented === undefined) {
      throw new ApiError(
        401,
        'unauthorized',
        'reads need an "Authorization: Bearer <STEPLINE_READ_TOKEN>" header',
      );
    }
    // Both comparisons always run, so the timing does not tell which token matched.
    const read = matches(presented, this.read);
    const api = this.api ? matches(presented, this.api) : false;
    if (!read && !api) throw new ApiError(401, 'unauthorized', 'the bearer token is not valid');
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function matches(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(presented), expected);
}
