/**
 * Per-user API tokens (env `STEPLINE_API_TOKENS`): `name:token` pairs separated by commas, e.g.
 * `alice:3f9c…,bob:a81d…`. A request signed with one of them acts as that name: the dashboard records it
 * as the decision's `by` (the free-text name is ignored), and approval gates check their `approvers`
 * against it. Problems name the entry's position, never its token.
 */

/** One named token. */
export interface UserToken {
  name: string;
  token: string;
}

/** Names people decide under: letters, digits and `._@-`, as in approver lists. */
const NAME = /^[A-Za-z0-9._@-]{1,100}$/;
/** Tokens: visible ASCII without `,` or `:` (they separate entries and names). */
const TOKEN = /^[!-+\--9;-~]{1,1000}$/;
/** Most entries accepted. */
export const MAX_USER_TOKENS = 1000;

/**
 * Parses `STEPLINE_API_TOKENS`. Empty or unset: no per-user tokens.
 *
 * @throws Error naming the bad entry by position (and its name when it has one), never its token.
 */
export function parseUserTokens(text: string | undefined): UserToken[] {
  if (!text || text.trim() === '') return [];
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length > MAX_USER_TOKENS) {
    throw new Error(`STEPLINE_API_TOKENS: at most ${MAX_USER_TOKENS} entries; got ${entries.length}`);
  }
  const users: UserToken[] = [];
  const names = new Set<string>();
  const tokens = new Set<string>();
  entries.forEach((entry, i) => {
    const where = `STEPLINE_API_TOKENS entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where}: expected name:token; got no ":"`);
    const name = entry.slice(0, colon).trim();
    const token = entry.slice(colon + 1).trim();
    if (!NAME.test(name)) {
      throw new Error(
        `${where}: expected a name of 1-100 letters, digits, ".", "_", "@" or "-"; got ${JSON.stringify(name.slice(0, 100))}`,
      );
    }
    if (!TOKEN.test(token)) {
      throw new Error(`${where} (${name}): expected a token of visible characters other than "," and ":"`);
    }
    if (names.has(name)) throw new Error(`${where}: the name ${name} is listed twice`);
    if (tokens.has(token)) throw new Error(`${where} (${name}): the same token is given to two names`);
    names.add(name);
    tokens.add(token);
    users.push({ name, token });
  });
  return users;
}
