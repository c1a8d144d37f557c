import type { TokenValidity } from './token.watch.js';

/**
 * Tells which credentials behind open streams are no longer valid. Ids with a prefix listed in `byPrefix`
 * (`session:<id>` for a staff session, `staff:<id>` for a credential issued to a person) go to that store; every other
 * id is a bearer token's. One TokenWatch so serves tokens, sessions and people.
 */
export class CredentialValidity implements TokenValidity {
  constructor(
    private readonly tokens: TokenValidity,
    private readonly byPrefix: Record<string, TokenValidity>,
  ) {}

  async findInvalid(ids: readonly string[]): Promise<string[]> {
    const prefixes = Object.keys(this.byPrefix);
    const groups = new Map<TokenValidity, string[]>();
    for (const id of ids) {
      const prefix = prefixes.find((p) => id.startsWith(p));
      const store = prefix === undefined ? this.tokens : (this.byPrefix[prefix] as TokenValidity);
      groups.set(store, [...(groups.get(store) ?? []), id]);
    }
    const invalid = await Promise.all([...groups].map(([store, group]) => store.findInvalid(group)));
    return invalid.flat();
  }
}
