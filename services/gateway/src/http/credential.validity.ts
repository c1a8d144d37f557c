import type { TokenValidity } from './token.watch.js';

/** Prefix of a staff session's principal id (`session:<id>`); every other id is a bearer token's. */
const SESSION_PREFIX = 'session:';

/**
 * Tells which credentials behind open streams are no longer valid, asking the token store about bearer token ids and
 * the session store about `session:<id>` ones, so one TokenWatch serves both.
 */
export class CredentialValidity implements TokenValidity {
  constructor(
    private readonly tokens: TokenValidity,
    private readonly sessions: TokenValidity,
  ) {}

  async findInvalid(ids: readonly string[]): Promise<string[]> {
    const sessionIds = ids.filter((id) => id.startsWith(SESSION_PREFIX));
    const tokenIds = ids.filter((id) => !id.startsWith(SESSION_PREFIX));
    const [badTokens, badSessions] = await Promise.all([
      tokenIds.length ? this.tokens.findInvalid(tokenIds) : Promise.resolve([]),
      sessionIds.length ? this.sessions.findInvalid(sessionIds) : Promise.resolve([]),
    ]);
    return [...badTokens, ...badSessions];
  }
}
