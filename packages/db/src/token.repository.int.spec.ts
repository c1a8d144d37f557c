import { beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Database } from './db.schema.js';
import { TokenRepository } from './token.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_tokens', 3);
let db: Kysely<Database>;
let tokens: TokenRepository;

beforeAll(() => {
  db = testSchema.db();
  tokens = new TokenRepository(db, { agent: 30, admin: 7 });
});

const expiresInDays = async (token: string) => {
  const p = await tokens.findPrincipal(token);
  return p?.expiresAt ? Math.round((p.expiresAt.getTime() - Date.now()) / 86_400_000) : undefined;
};

describe('TokenRepository on PostgreSQL: expiry and revocation', () => {
  it("gives a new token its role's lifetime, or the lifetime asked for", async () => {
    expect(await expiresInDays(await tokens.create('agent', 'desk', null))).toBe(30);
    expect(await expiresInDays(await tokens.create('admin', 'ops', null))).toBe(7);
    expect(await expiresInDays(await tokens.create('agent', 'short', null, null, 2))).toBe(2);
  });

  it('refuses an expired token, and reports it invalid to the stream watch', async () => {
    const token = await tokens.create('supervisor', 'lead', null);
    const id = await tokens.findIdByToken(token);
    expect(await tokens.findPrincipal(token)).toMatchObject({ role: 'supervisor', tokenId: id });
    await db.updateTable('api_tokens').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', id as string).execute();
    expect(await tokens.findPrincipal(token)).toBeUndefined();
    expect(await tokens.findInvalid([id as string])).toEqual([id]);
  });

  it('revokes a token once: it is refused at once, listed as revoked, and only it is reported invalid', async () => {
    const keep = await tokens.create('agent', 'keep', null);
    const drop = await tokens.create('agent', 'drop', null);
    const [keepId, dropId] = [await tokens.findIdByToken(keep), await tokens.findIdByToken(drop)] as [string, string];
    expect(await tokens.revoke(dropId)).toBe(true);
    expect(await tokens.revoke(dropId)).toBe(false);
    expect(await tokens.revoke('999999999')).toBe(false);
    expect(await tokens.findPrincipal(drop)).toBeUndefined();
    expect(await tokens.findPrincipal(keep)).toBeDefined();
    expect(await tokens.findInvalid([keepId, dropId, '999999999'])).toEqual([dropId, '999999999']);
    const listed = await tokens.list();
    expect(listed.find((t) => t.id === dropId)?.revokedAt).toBeInstanceOf(Date);
    expect(listed.find((t) => t.id === keepId)).toMatchObject({ role: 'agent', label: 'keep', revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(keep);
  });
});
