import { describe, expect, it } from 'vitest';
import { WallboardTickets } from './wallboard.ticket.js';

describe('wallboard tickets', () => {
  it('verifies a ticket it issued until it expires', () => {
    let now = 1_000_000;
    const t = new WallboardTickets('secret-secret', 60_000, () => now);
    const { ticket, expiresAt } = t.issue('大屏 control room', '42');
    expect(expiresAt).toBe(1_060_000);
    expect(t.verify(ticket)).toEqual({ subject: '大屏 control room', tokenId: '42', expiresAt });
    now = 1_059_999;
    expect(t.verify(ticket)).toBeDefined();
    now = 1_060_000;
    expect(t.verify(ticket)).toBeUndefined();
  });

  it('rejects a tampered expiry, a ticket signed with another secret, and garbage', () => {
    const now = () => 0;
    const a = new WallboardTickets('secret-a', 60_000, now);
    const { ticket } = a.issue('x', '7');
    const [v, , sub, tok, sig] = ticket.split('.');
    expect(a.verify(`${v}.${(10 ** 12).toString(36)}.${sub}.${tok}.${sig}`)).toBeUndefined();
    // Another token's id cannot be swapped in either.
    expect(a.verify(`${v}.${ticket.split('.')[1]}.${sub}.8.${sig}`)).toBeUndefined();
    expect(new WallboardTickets('secret-b', 60_000, now).verify(ticket)).toBeUndefined();
    expect(a.verify('nonsense')).toBeUndefined();
    expect(a.verify(undefined)).toBeUndefined();
  });

  it('uses a random key when no secret is configured, so another process cannot forge its tickets', () => {
    const now = () => 0;
    const { ticket } = new WallboardTickets('', 60_000, now).issue('x', '7');
    expect(new WallboardTickets('', 60_000, now).verify(ticket)).toBeUndefined();
  });
});
