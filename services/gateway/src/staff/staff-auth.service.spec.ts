import { beforeEach, describe, expect, it } from 'vitest';
import { CtiError, type ManualClock } from '@cti/domain';
import { csrfMatches } from '../http/session.cookie.js';
import { StaffAuthService, signInAddressKey } from './staff-auth.service.js';
import { CountingHasher, MemoryStaffStore, RecordingAudit, sessionStore, startClock } from './staff.fixtures.test.js';

const MIN = 60_000;
const settings = { lockout: { attempts: 5, lockMs: 15 * MIN }, session: { idleMs: 30 * MIN, absoluteMs: 12 * 60 * MIN } };
const client = { ip: '10.0.0.7', userAgent: 'spec' };

let clock: ManualClock;
let store: MemoryStaffStore;
let hasher: CountingHasher;
let audit: RecordingAudit;
let auth: StaffAuthService;

beforeEach(async () => {
  clock = startClock();
  store = new MemoryStaffStore();
  hasher = new CountingHasher();
  audit = new RecordingAudit();
  auth = new StaffAuthService(store, sessionStore(store), hasher, audit, clock, settings);
  store.add({ username: 'a01', role: 'agent', agentId: 'a01', password: 'Right-Pass-1' });
  store.add({ username: 'sup01', role: 'supervisor', agentId: null, password: 'Super-Pass-1' });
  await Promise.resolve();
  hasher.hashes = 0; // the dummy hash made at construction
});

/** The error code a promise rejects with. */
const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: CtiError) => `${e.code}`);

/** The CtiError a promise rejects with; a promise that resolves fails the test here. */
const rejection = (p: Promise<unknown>): Promise<CtiError> =>
  p.then(
    (value) => {
      throw new Error(`expected a rejection, resolved with ${JSON.stringify(value)}`);
    },
    (e: CtiError) => e,
  );

describe('sign-in', () => {
  it('signs a person in: their account, a session token, its CSRF token and the idle expiry; audited', async () => {
    const s = await auth.login('A01', 'Right-Pass-1', client);
    expect(s.staff).toEqual({ id: '1', username: 'a01', displayName: '显示 a01', role: 'agent', agentId: 'a01' });
    expect(s.token).toMatch(/^cts_[A-Za-z0-9_-]{43}$/);
    expect(csrfMatches(s.token, s.csrfToken)).toBe(true);
    expect(s.expiresAt.getTime()).toBe(clock.now() + 30 * MIN);
    expect(audit.rows.at(-1)).toMatchObject({ action: 'staff.login', actorRole: 'agent', actorId: 'a01', target: 'staff:1', data: { ip: '10.0.0.7' } });
    // Only the token's hash is stored.
    expect([...store.sessions.values()][0]?.tokenHash).not.toContain(s.token);
  });

  it('answers an unknown username exactly like a wrong password, after the same scrypt work', async () => {
    const wrong = await rejection(auth.login('a01', 'Wrong-Pass-1', client));
    const verifiesAfterWrong = hasher.verifies;
    const unknown = await rejection(auth.login('nobody', 'Wrong-Pass-1', client));
    expect(unknown).toBeInstanceOf(CtiError);
    expect([unknown.code, unknown.message, unknown.details]).toEqual([wrong.code, wrong.message, wrong.details]);
    expect(wrong.code).toBe('CTI_ERR_AUTH_FAILED');
    expect(hasher.verifies - verifiesAfterWrong).toBe(1);
    expect(verifiesAfterWrong).toBe(1);
    expect(audit.actions()).toEqual(['staff.login_failed', 'staff.login_failed']);
    expect(audit.rows[1]?.data).toMatchObject({ reason: 'unknown_user', username: 'nobody', known: false });
  });

  it('locks an account on the 5th consecutive failure for 15 minutes, refuses even the right password without checking it, then lets it in', async () => {
    for (let i = 1; i <= 4; i++) expect(await code(auth.login('a01', `Wrong-Pass-${i}`, client))).toBe('CTI_ERR_AUTH_FAILED');
    const fifth = await rejection(auth.login('a01', 'Wrong-Pass-5', client));
    expect(fifth.code).toBe('CTI_ERR_AUTH_LOCKED');
    expect(fifth.details).toEqual({ lockedUntil: new Date(clock.now() + 15 * MIN).toISOString(), retryAfterSeconds: 900 });
    expect(audit.actions().filter((a) => a === 'staff.lockout')).toHaveLength(1);
    const verifies = hasher.verifies;
    clock.advance(15 * MIN - 1_000);
    expect(await code(auth.login('a01', 'Right-Pass-1', client))).toBe('CTI_ERR_AUTH_LOCKED');
    expect(hasher.verifies).toBe(verifies);
    clock.advance(1_000);
    expect((await auth.login('a01', 'Right-Pass-1', client)).staff.username).toBe('a01');
    expect(store.accounts.get('1')).toMatchObject({ failedAttempts: 0, lockedUntil: null });
  });

  it('counts only consecutive failures: a success in between starts the count again', async () => {
    for (let i = 0; i < 4; i++) await code(auth.login('a01', 'Wrong-Pass-1', client));
    await auth.login('a01', 'Right-Pass-1', client);
    for (let i = 0; i < 4; i++) expect(await code(auth.login('a01', 'Wrong-Pass-1', client))).toBe('CTI_ERR_AUTH_FAILED');
  });

  it('locks an unknown username after the same number of failures, so a lockout does not reveal that an account exists', async () => {
    for (let i = 0; i < 4; i++) expect(await code(auth.login('ghost', 'Wrong-Pass-1', client))).toBe('CTI_ERR_AUTH_FAILED');
    expect(await code(auth.login('ghost', 'Wrong-Pass-1', client))).toBe('CTI_ERR_AUTH_LOCKED');
    expect(await code(auth.login('ghost', 'Wrong-Pass-1', client))).toBe('CTI_ERR_AUTH_LOCKED');
    clock.advance(15 * MIN);
    expect(await code(auth.login('ghost', 'Wrong-Pass-1', client))).toBe('CTI_ERR_AUTH_FAILED');
  });

  it('says "disabled" only to someone who gave the right password; a wrong one is a plain failure', async () => {
    (store.accounts.get('1') as { disabled: boolean }).disabled = true;
    expect(await code(auth.login('a01', 'Wrong-Pass-1', client))).toBe('CTI_ERR_AUTH_FAILED');
    expect(await code(auth.login('a01', 'Right-Pass-1', client))).toBe('CTI_ERR_AUTH_DISABLED');
    expect(store.sessions.size).toBe(0);
  });

  it('rehashes a password stored with outdated parameters at the next successful sign-in', async () => {
    store.add({ username: 'qa01', role: 'qa', agentId: null, hash: 'old:Quality-Pass-1' });
    await auth.login('qa01', 'Quality-Pass-1', client);
    expect((await store.findByUsername('qa01'))?.passwordHash).toBe('plain:Quality-Pass-1');
  });
});

describe('sign-in limit per address (on top of the per-account lockout)', () => {
  const limited = () => {
    const warnings: Array<Record<string, unknown>> = [];
    const service = new StaffAuthService(store, sessionStore(store), hasher, audit, clock, { ...settings, address: { failures: 6, windowMs: 10 * MIN } }, { warn: (o) => warnings.push(o) });
    return { service, warnings };
  };

  it('refuses an address (429, Retry-After, a reason) after its 6th refused guess across many usernames, without checking passwords; logged and audited once', async () => {
    const { service, warnings } = limited();
    const started = clock.now();
    // Password spraying: a different username each time, so no account's lockout ever sees two failures.
    for (let i = 0; i < 6; i++) {
      expect(await code(service.login(i % 2 ? `user${i}` : 'a01', `Guess-${i}-2026`, client))).toBe('CTI_ERR_AUTH_FAILED');
      clock.advance(10_000);
    }
    const verifies = hasher.verifies;
    const refused = await rejection(service.login('sup01', 'Super-Pass-1', client));
    expect([refused.code, refused.details]).toEqual(['CTI_ERR_RATE_LIMITED', { reason: 'sign_in_failures_from_address', retryAfterSeconds: 600 - 60 }]);
    expect(hasher.verifies).toBe(verifies);
    expect(audit.rows.filter((r) => r.action === 'staff.login_address_limited')).toEqual([
      { actorRole: 'unknown', actorId: null, action: 'staff.login_address_limited', target: 'address:10.0.0.7', data: { ip: '10.0.0.7', address: '10.0.0.7', failures: 6, windowSeconds: 600, blockedUntil: new Date(started + 10 * MIN).toISOString(), lastRefusal: 'CTI_ERR_AUTH_FAILED' } },
    ]);
    expect(warnings).toHaveLength(1);
    // Another address signs in as usual.
    expect((await service.login('sup01', 'Super-Pass-1', { ip: '10.0.0.8', userAgent: 'spec' })).staff.username).toBe('sup01');
    // Once the oldest refusal has left the window, the address may try again.
    clock.advance(started + 10 * MIN - clock.now());
    expect((await service.login('sup01', 'Super-Pass-1', client)).staff.username).toBe('sup01');
  });

  it('counts attempts on a locked account, not a disabled account’s right password, and never a success', async () => {
    const { service } = limited();
    for (let i = 0; i < 5; i++) await code(service.login('a01', 'Wrong-Pass-1', client)); // the 5th locks a01
    (store.accounts.get('2') as { disabled: boolean }).disabled = true;
    expect(await code(service.login('sup01', 'Super-Pass-1', client))).toBe('CTI_ERR_AUTH_DISABLED');
    store.add({ username: 'qa01', role: 'qa', agentId: null, password: 'Quality-Pass-1' });
    expect((await service.login('qa01', 'Quality-Pass-1', client)).staff.username).toBe('qa01');
    expect(await code(service.login('a01', 'Right-Pass-1', client))).toBe('CTI_ERR_AUTH_LOCKED'); // the 6th guess
    expect(await code(service.login('qa01', 'Quality-Pass-1', client))).toBe('CTI_ERR_RATE_LIMITED');
  });

  it('has no limit without settings or without a client address', async () => {
    for (let i = 0; i < 30; i++) await code(auth.login(`user${i}`, 'Guess-2026', client));
    expect((await auth.login('sup01', 'Super-Pass-1', client)).staff.username).toBe('sup01');
    const { service } = limited();
    for (let i = 0; i < 10; i++) await code(service.login(`user${i}`, 'Guess-2026', { ip: null, userAgent: null }));
    expect((await service.login('sup01', 'Super-Pass-1', { ip: null, userAgent: null })).staff.username).toBe('sup01');
  });

  it('counts IPv4 addresses as such (also IPv4-mapped) and IPv6 addresses by their /64', () => {
    expect(signInAddressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(signInAddressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(signInAddressKey('2001:db8:0:12:a::1')).toBe('2001:db8:0:12::/64');
    expect(signInAddressKey('2001:0db8:0000:0012:ffff:1:2:3')).toBe('2001:db8:0:12::/64');
    expect(signInAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(signInAddressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('sessions', () => {
  it('gives every request the principal of the session, in the shape of a token principal', async () => {
    const s = await auth.login('a01', 'Right-Pass-1', client);
    const { principal } = await auth.authenticate(s.token);
    // Used at once after sign-in: the idle expiry is still the one sign-in gave.
    expect(principal).toEqual({ tokenId: 'session:1', role: 'agent', agentId: 'a01', label: 'a01', expiresAt: s.expiresAt, staff: { id: '1', username: 'a01', displayName: '显示 a01', sessionId: '1' } });
  });

  it('expires a session unused for the idle time (audited once), while use keeps it alive', async () => {
    const s = await auth.login('a01', 'Right-Pass-1', client);
    clock.advance(29 * MIN);
    const used = await auth.authenticate(s.token);
    expect(used.principal.expiresAt?.getTime()).toBe(clock.now() + 30 * MIN);
    clock.advance(30 * MIN - 1);
    await auth.authenticate(s.token);
    clock.advance(30 * MIN);
    const err = await rejection(auth.authenticate(s.token));
    expect([err.code, err.details]).toEqual(['CTI_ERR_AUTH_SESSION_EXPIRED', { reason: 'idle' }]);
    expect(await code(auth.authenticate(s.token))).toBe('CTI_ERR_AUTH_SESSION_EXPIRED');
    expect(audit.actions().filter((a) => a === 'staff.session_expired')).toHaveLength(1);
  });

  it('writes a use at most once a minute (a tenth of the idle time when that is shorter)', async () => {
    const s = await auth.login('a01', 'Right-Pass-1', client);
    const row = () => store.sessions.get('1')?.lastSeenAt.getTime();
    const signedInAt = clock.now();
    clock.advance(59_000);
    await auth.authenticate(s.token);
    expect(row()).toBe(signedInAt);
    clock.advance(1_000);
    await auth.authenticate(s.token);
    expect(row()).toBe(clock.now());
  });

  it('expires a session in constant use at the absolute limit', async () => {
    const s = await auth.login('sup01', 'Super-Pass-1', client);
    for (let t = 0; t < 12 * 60 - 10; t += 10) {
      clock.advance(10 * MIN);
      await auth.authenticate(s.token);
    }
    clock.advance(10 * MIN);
    const err = await rejection(auth.authenticate(s.token));
    expect([err.code, err.details]).toEqual(['CTI_ERR_AUTH_SESSION_EXPIRED', { reason: 'absolute' }]);
  });

  it('ends a session at logout (audited): its token is refused as ended, not as expired', async () => {
    const s = await auth.login('a01', 'Right-Pass-1', client);
    const { principal } = await auth.authenticate(s.token);
    expect(await auth.logout(principal)).toBe(true);
    expect(await auth.logout(principal)).toBe(false);
    const err = await rejection(auth.authenticate(s.token));
    expect([err.code, err.details]).toEqual(['CTI_ERR_AUTH_SESSION_ENDED', { reason: 'logout' }]);
    expect(audit.actions().filter((a) => a === 'staff.logout')).toHaveLength(1);
  });

  it('refuses a token no session has, and the sessions of a disabled account at once', async () => {
    expect(await code(auth.authenticate('cts_' + 'x'.repeat(43)))).toBe('CTI_ERR_AUTH_SESSION_ENDED');
    const s = await auth.login('a01', 'Right-Pass-1', client);
    (store.accounts.get('1') as { disabled: boolean }).disabled = true;
    const err = await rejection(auth.authenticate(s.token));
    expect([err.code, err.details]).toEqual(['CTI_ERR_AUTH_SESSION_ENDED', { reason: 'revoked' }]);
  });

  it('tells the stream watch which sessions are no longer live (ended, expired, disabled)', async () => {
    const live = await auth.login('a01', 'Right-Pass-1', client);
    const out = await auth.login('sup01', 'Super-Pass-1', client);
    await auth.logout((await auth.authenticate(out.token)).principal);
    expect(await auth.findInvalid(['session:1', 'session:2', 'session:99'])).toEqual(['session:2', 'session:99']);
    clock.advance(31 * MIN);
    expect(await auth.findInvalid(['session:1'])).toEqual(['session:1']);
    expect(await code(auth.authenticate(live.token))).toBe('CTI_ERR_AUTH_SESSION_EXPIRED');
  });
});

describe('credentials issued to a person (wallboard tickets)', () => {
  it('stay valid while the account is enabled and holds one of the roles, whatever happens to its sessions', async () => {
    const s = await auth.login('sup01', 'Super-Pass-1', client);
    await auth.logout((await auth.authenticate(s.token)).principal);
    const roles = ['supervisor', 'manager', 'admin'];
    expect(await auth.findInvalidAccounts(['staff:2', 'staff:1', 'staff:99'], roles)).toEqual(['staff:1', 'staff:99']);
    (store.accounts.get('2') as { disabled: boolean }).disabled = true;
    expect(await auth.findInvalidAccounts(['staff:2'], roles)).toEqual(['staff:2']);
  });
});

describe('changing one’s own password', () => {
  it('checks the current password and the policy, then ends the person’s other sessions but not this one', async () => {
    const here = await auth.login('a01', 'Right-Pass-1', client);
    const elsewhere = await auth.login('a01', 'Right-Pass-1', client);
    const { principal } = await auth.authenticate(here.token);
    expect(await code(auth.changePassword(principal, 'Wrong-Pass-1', 'New-Pass-2026'))).toBe('CTI_ERR_AUTH_FAILED');
    const weak = await rejection(auth.changePassword(principal, 'Right-Pass-1', 'short'));
    expect([weak.code, weak.details.policy]).toEqual(['CTI_ERR_VALIDATION', ['too_short', 'too_few_classes']]);
    expect(await code(auth.changePassword(principal, 'Right-Pass-1', 'Right-Pass-1'))).toBe('CTI_ERR_VALIDATION');
    await auth.changePassword(principal, 'Right-Pass-1', 'New-Pass-2026');
    expect(await code(auth.authenticate(here.token))).toBe('resolved');
    expect(await code(auth.authenticate(elsewhere.token))).toBe('CTI_ERR_AUTH_SESSION_ENDED');
    expect(await code(auth.login('a01', 'Right-Pass-1', client))).toBe('CTI_ERR_AUTH_FAILED');
    expect((await auth.login('a01', 'New-Pass-2026', client)).staff.username).toBe('a01');
    expect(JSON.stringify(audit.rows)).not.toContain('New-Pass-2026');
  });
});
