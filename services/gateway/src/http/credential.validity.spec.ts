import { describe, expect, it } from 'vitest';
import { CredentialValidity } from './credential.validity.js';

/** A store that says which of its ids are invalid and remembers what it was asked. */
const store = (bad: string[]) => {
  const asked: string[][] = [];
  return { asked, findInvalid: async (ids: readonly string[]) => (asked.push([...ids]), ids.filter((id) => bad.includes(id))) };
};

describe('CredentialValidity', () => {
  it('asks each store only about its own ids (tokens, sessions, accounts) and returns every invalid one', async () => {
    const tokens = store(['17']);
    const sessions = store(['session:4']);
    const accounts = store([]);
    const v = new CredentialValidity(tokens, { 'session:': sessions, 'staff:': accounts });
    expect((await v.findInvalid(['17', 'session:3', '18', 'session:4', 'staff:2'])).sort()).toEqual(['17', 'session:4']);
    expect([tokens.asked, sessions.asked, accounts.asked]).toEqual([[['17', '18']], [['session:3', 'session:4']], [['staff:2']]]);
  });

  it('asks no store about nothing (the bigint token query would fail on a session id)', async () => {
    const tokens = store([]);
    await new CredentialValidity(tokens, { 'session:': store([]) }).findInvalid(['session:1']);
    expect(tokens.asked).toEqual([]);
  });
});
