import { createHash, randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import {
  CtiError,
  SignInAddressLimit,
  afterFailedSignIn,
  isLocked,
  passwordProblems,
  sessionExpiredBy,
  sessionExpiresAt,
  type AddressLimitSettings,
  type Clock,
  type LockoutSettings,
  type LockoutState,
  type SessionLifetime,
} from '@cti/domain';
import type { Principal, SessionEndReason, StaffAccount, StaffAccountPatch, StaffSession } from '@cti/db';
import { csrfTokenFor, newSessionToken } from '../http/session.cookie.js';
import type { PasswordHasher } from './password.hasher.js';

/** The accounts sign-in reads and updates (StaffRepository fits). */
export interface StaffAccountStore {
  findByUsername(username: string): Promise<StaffAccount | undefined>;
  findById(id: string): Promise<StaffAccount | undefined>;
  /** Applies `next` to the failure count and lock atomically; undefined when the account is gone. */
  updateLockout<T extends LockoutState>(id: string, next: (current: LockoutState) => T): Promise<T | undefined>;
  recordSignIn(id: string, at: Date): Promise<void>;
  update(id: string, patch: StaffAccountPatch): Promise<StaffAccount>;
}

/** Where sessions live (StaffSessionRepository fits). */
export interface StaffSessionStore {
  create(s: { staffId: string; tokenHash: string; now: Date; clientIp: string | null; userAgent: string | null }): Promise<string>;
  findByTokenHash(tokenHash: string): Promise<StaffSession | undefined>;
  findByIds(ids: readonly string[]): Promise<StaffSession[]>;
  touch(id: string, now: Date, unlessSince: Date): Promise<void>;
  end(id: string, reason: SessionEndReason, at: Date): Promise<boolean>;
  endAllOf(staffId: string, reason: SessionEndReason, at: Date, keepId?: string): Promise<number>;
}

/** Where sign-in events are recorded (AuditRepository fits). */
export interface AuditSink {
  record(entry: { actorRole: string; actorId: string | null; action: string; target?: string; data?: Record<string, unknown> }): Promise<void>;
}

/** The person behind a session, as the API shows them (the login and /auth/me contract). */
export interface StaffView {
  id: string;
  username: string;
  displayName: string;
  role: StaffAccount['role'];
  agentId: string | null;
}

/** A signed-in session as the API hands it out: the cookie value is only ever in `token`. */
export interface SignedInSession {
  staff: StaffView;
  /** Goes into the `cti_session` cookie, never into a response body. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** Sign-in, session and lockout settings (CTI_STAFF_*). */
export interface StaffAuthSettings {
  lockout: LockoutSettings;
  session: SessionLifetime;
  /** Refused sign-ins one address may cause per window (CTI_STAFF_ADDRESS_*); absent = no limit. */
  address?: AddressLimitSettings;
}

/** Where the service logs what an operator should see (a pino Logger fits). */
export interface StaffAuthLog {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Where a request came from, kept with the session and in audit rows. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** Prefix of a session principal's tokenId (`session:<id>`): tells the stream watch which store to ask. */
export const SESSION_PRINCIPAL_PREFIX = 'session:';
/** Prefix of a staff account's id where a credential outlives one session (`staff:<id>`, wallboard tickets). */
export const STAFF_PRINCIPAL_PREFIX = 'staff:';
/** Usernames without an account tracked for the look-alike lockout; the oldest is forgotten beyond this. */
const MAX_TRACKED_UNKNOWN = 10_000;
/** Refusals that count towards the per-address limit: the ones that guessed (a disabled account's right password did not). */
const GUESSES = new Set(['CTI_ERR_AUTH_FAILED', 'CTI_ERR_AUTH_LOCKED']);

/**
 * The key the per-address limit counts under: an IPv4 address (also when IPv4-mapped), or the /64 of an IPv6 address
 * (one subscriber usually holds a whole /64, so counting single IPv6 addresses would not limit anyone).
 */
export function signInAddressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** The account as the API shows it. */
export function staffView(a: StaffAccount): StaffView {
  return { id: a.id, username: a.username, displayName: a.displayName, role: a.role, agentId: a.agentId };
}

/** Sign-in names are compared lower-case, blanks around them ignored. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Staff sign-in and sessions. An unknown username and a wrong password get the same answer after the same work
 * (one scrypt check) and both count towards a lockout, so neither the answer nor its time tells whether an account
 * exists. A locked account is refused without checking the password. Sessions are stored by the sha256 of their
 * token and expire when idle or at an absolute age; every check reads the account, so disabling it ends its sessions
 * at once.
 */
export class StaffAuthService {
  private readonly unknown = new Map<string, LockoutState>();
  private readonly addresses: SignInAddressLimit;
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly accounts: StaffAccountStore,
    private readonly sessions: StaffSessionStore,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditSink,
    private readonly clock: Clock,
    private readonly settings: StaffAuthSettings,
    private readonly log?: StaffAuthLog,
  ) {
    this.addresses = new SignInAddressLimit(settings.address ?? { failures: 0, windowMs: 1 });
    // What an unknown username's password is checked against, so that answer costs the same scrypt work.
    this.dummyHash = hasher.hash(randomBytes(18).toString('base64url'));
    this.dummyHash.catch(() => undefined);
  }

  /**
   * Signs a person in; throws CTI_ERR_AUTH_FAILED / _LOCKED / _DISABLED (each audited), or CTI_ERR_RATE_LIMITED
   * (nothing checked) while the client's address is over the per-address limit.
   */
  async login(usernameGiven: string, password: string, client: ClientInfo): Promise<SignedInSession> {
    const address = client.ip ? signInAddressKey(client.ip) : undefined;
    if (address !== undefined) {
      const until = this.addresses.blockedUntil(address, this.clock.now());
      if (until !== null) throw this.addressLimited(until, this.clock.now());
    }
    try {
      return await this.checkSignIn(usernameGiven, password, client);
    } catch (err) {
      if (address !== undefined && err instanceof CtiError && GUESSES.has(err.code)) await this.countAddressFailure(address, client, err);
      throw err;
    }
  }

  /** A refused guess from `address`: counted, and when it starts a block, logged and audited (once per block). */
  private async countAddressFailure(address: string, client: ClientInfo, refusal: CtiError): Promise<void> {
    const now = this.clock.now();
    const until = this.addresses.recordFailure(address, now);
    if (until === null) return;
    const limit = this.settings.address as AddressLimitSettings;
    const data = { ip: client.ip, address, failures: limit.failures, windowSeconds: limit.windowMs / 1000, blockedUntil: new Date(until).toISOString(), lastRefusal: refusal.code };
    this.log?.warn(data, 'too many refused sign-ins from one address; its sign-ins are refused for a while');
    await this.audit.record({ actorRole: 'unknown', actorId: null, action: 'staff.login_address_limited', target: `address:${address}`, data });
  }

  private async checkSignIn(usernameGiven: string, password: string, client: ClientInfo): Promise<SignedInSession> {
    const username = normalizeUsername(usernameGiven);
    const account = await this.accounts.findByUsername(username);
    if (!account) return this.refuseUnknown(username, password, client);
    const now = this.clock.now();
    if (isLocked({ lockedUntil: account.lockedUntil?.getTime() ?? null }, now)) {
      await this.audit.record({ actorRole: account.role, actorId: account.username, action: 'staff.login_failed', target: `staff:${account.id}`, data: { reason: 'locked', ip: client.ip } });
      throw this.locked(account.lockedUntil?.getTime() ?? now, now);
    }
    if (!(await this.hasher.verify(password, account.passwordHash))) {
      const failedAt = this.clock.now();
      const next = await this.accounts.updateLockout(account.id, (s) => afterFailedSignIn(s, failedAt, this.settings.lockout));
      await this.audit.record({ actorRole: account.role, actorId: account.username, action: 'staff.login_failed', target: `staff:${account.id}`, data: { reason: 'wrong_password', failedAttempts: next?.failedAttempts ?? null, ip: client.ip } });
      if (next?.lockedNow && next.lockedUntil !== null) {
        await this.audit.record({ actorRole: account.role, actorId: account.username, action: 'staff.lockout', target: `staff:${account.id}`, data: { lockedUntil: new Date(next.lockedUntil).toISOString(), attempts: this.settings.lockout.attempts, ip: client.ip } });
        throw this.locked(next.lockedUntil, failedAt);
      }
      throw this.failed();
    }
    if (account.disabled) {
      await this.audit.record({ actorRole: account.role, actorId: account.username, action: 'staff.login_failed', target: `staff:${account.id}`, data: { reason: 'disabled', ip: client.ip } });
      throw new CtiError('CTI_ERR_AUTH_DISABLED', 'this staff account is disabled; ask an administrator');
    }
    const at = new Date(this.clock.now());
    await this.accounts.recordSignIn(account.id, at);
    if (this.hasher.needsRehash(account.passwordHash)) await this.accounts.update(account.id, { passwordHash: await this.hasher.hash(password) });
    const token = newSessionToken();
    const sessionId = await this.sessions.create({ staffId: account.id, tokenHash: sha256(token), now: at, clientIp: client.ip, userAgent: client.userAgent });
    await this.audit.record({ actorRole: account.role, actorId: account.username, action: 'staff.login', target: `staff:${account.id}`, data: { sessionId, ip: client.ip } });
    return { staff: staffView(account), token, csrfToken: csrfTokenFor(token), expiresAt: new Date(sessionExpiresAt({ createdAt: at.getTime(), lastSeenAt: at.getTime() }, this.settings.session)) };
  }

  /**
   * The principal of a live session, recording the use (at most one write a minute, or per tenth of the idle time when shorter); throws
   * CTI_ERR_AUTH_SESSION_EXPIRED (idle/absolute) or CTI_ERR_AUTH_SESSION_ENDED (logged out, revoked, unknown).
   */
  async authenticate(token: string): Promise<{ principal: Principal; session: SignedInSession }> {
    const found = await this.sessions.findByTokenHash(sha256(token));
    if (!found) throw new CtiError('CTI_ERR_AUTH_SESSION_ENDED', 'no such session; sign in again', { reason: 'unknown' });
    const now = this.clock.now();
    await this.assertLive(found, now);
    const touchEvery = Math.min(60_000, this.settings.session.idleMs / 10);
    let lastSeenAt = found.lastSeenAt.getTime();
    if (now - lastSeenAt >= touchEvery) {
      await this.sessions.touch(found.id, new Date(now), new Date(now - touchEvery + 1));
      lastSeenAt = now;
    }
    const expiresAt = new Date(sessionExpiresAt({ createdAt: found.createdAt.getTime(), lastSeenAt }, this.settings.session));
    const a = found.staff;
    return {
      principal: { tokenId: `${SESSION_PRINCIPAL_PREFIX}${found.id}`, role: a.role, agentId: a.agentId, label: a.username, expiresAt, staff: { id: a.id, username: a.username, displayName: a.displayName, sessionId: found.id } },
      session: { staff: staffView(a), token, csrfToken: csrfTokenFor(token), expiresAt },
    };
  }

  /** Ends the principal's session (audited); false when it was no session or had ended already. */
  async logout(principal: Principal): Promise<boolean> {
    if (!principal.staff) return false;
    const ended = await this.sessions.end(principal.staff.sessionId, 'logout', new Date(this.clock.now()));
    if (ended) await this.audit.record({ actorRole: principal.role, actorId: principal.staff.username, action: 'staff.logout', target: `staff:${principal.staff.id}`, data: { sessionId: principal.staff.sessionId } });
    return ended;
  }

  /**
   * A signed-in person changes their own password: the current one is checked like a sign-in (a wrong one counts
   * towards the lockout), the new one against the policy; their other sessions end.
   */
  async changePassword(principal: Principal, current: string, next: string): Promise<void> {
    const staff = principal.staff;
    if (!staff) throw new CtiError('CTI_ERR_FORBIDDEN', 'only a signed-in person changes their password');
    const account = await this.accounts.findById(staff.id);
    if (!account) throw new CtiError('CTI_ERR_AUTH_SESSION_ENDED', 'the account is gone', { reason: 'revoked' });
    const now = this.clock.now();
    if (isLocked({ lockedUntil: account.lockedUntil?.getTime() ?? null }, now)) throw this.locked(account.lockedUntil?.getTime() ?? now, now);
    if (!(await this.hasher.verify(current, account.passwordHash))) {
      const lock = await this.accounts.updateLockout(account.id, (s) => afterFailedSignIn(s, now, this.settings.lockout));
      await this.audit.record({ actorRole: account.role, actorId: account.username, action: 'staff.login_failed', target: `staff:${account.id}`, data: { reason: 'wrong_current_password' } });
      if (lock?.lockedNow && lock.lockedUntil !== null) {
        await this.audit.record({ actorRole: account.role, actorId: account.username, action: 'staff.lockout', target: `staff:${account.id}`, data: { lockedUntil: new Date(lock.lockedUntil).toISOString(), attempts: this.settings.lockout.attempts } });
        await this.sessions.endAllOf(account.id, 'revoked', new Date(now));
        throw this.locked(lock.lockedUntil, now);
      }
      throw new CtiError('CTI_ERR_AUTH_FAILED', 'the current password is wrong');
    }
    assertPasswordPolicy(next, account.username);
    if (next === current) throw new CtiError('CTI_ERR_VALIDATION', 'invalid body: newPassword: must differ from the current password', { where: 'body', issues: [{ field: 'newPassword', reason: 'same_as_current' }], policy: ['same_as_current'] });
    await this.accounts.update(account.id, { passwordHash: await this.hasher.hash(next), passwordChangedAt: new Date(now), unlock: true });
    const ended = await this.sessions.endAllOf(account.id, 'revoked', new Date(now), staff.sessionId);
    await this.audit.record({ actorRole: account.role, actorId: account.username, action: 'staff.password_change', target: `staff:${account.id}`, data: { otherSessionsEnded: ended } });
  }

  /** Of the given session principal ids (`session:<id>`), those no longer live: their open streams must close. */
  async findInvalid(principalIds: readonly string[]): Promise<string[]> {
    const ids = principalIds.map((p) => p.slice(SESSION_PRINCIPAL_PREFIX.length));
    const live = new Set<string>();
    const now = this.clock.now();
    for (const s of await this.sessions.findByIds(ids)) {
      try {
        await this.assertLive(s, now);
        live.add(s.id);
      } catch (err) {
        if (!(err instanceof CtiError)) throw err;
      }
    }
    return principalIds.filter((_p, i) => !live.has(ids[i] as string));
  }

  /**
   * Of the given account ids (`staff:<id>`), those whose account is gone, disabled or no longer holds one of `roles`:
   * what a credential issued to a person rather than to one session (a wallboard ticket) lives by.
   */
  async findInvalidAccounts(accountIds: readonly string[], roles: readonly string[]): Promise<string[]> {
    const invalid: string[] = [];
    for (const id of accountIds) {
      const a = await this.accounts.findById(id.slice(STAFF_PRINCIPAL_PREFIX.length));
      if (!a || a.disabled || !roles.includes(a.role)) invalid.push(id);
    }
    return invalid;
  }

  /** Throws unless the session is open, its account enabled and neither expiry reached (ending it if one was). */
  private async assertLive(s: StaffSession, now: number): Promise<void> {
    if (s.endedAt) {
      if (s.endReason === 'idle' || s.endReason === 'absolute') throw expired(s.endReason);
      throw new CtiError('CTI_ERR_AUTH_SESSION_ENDED', s.endReason === 'logout' ? 'signed out; sign in again' : 'the session was ended by an administrator; sign in again', { reason: s.endReason });
    }
    if (s.staff.disabled) {
      await this.sessions.end(s.id, 'revoked', new Date(now));
      throw new CtiError('CTI_ERR_AUTH_SESSION_ENDED', 'this staff account is disabled', { reason: 'revoked' });
    }
    const by = sessionExpiredBy({ createdAt: s.createdAt.getTime(), lastSeenAt: s.lastSeenAt.getTime() }, this.settings.session, now);
    if (by) {
      if (await this.sessions.end(s.id, by, new Date(now))) {
        await this.audit.record({ actorRole: s.staff.role, actorId: s.staff.username, action: 'staff.session_expired', target: `staff:${s.staff.id}`, data: { sessionId: s.id, reason: by } });
      }
      throw expired(by);
    }
  }

  private async refuseUnknown(username: string, password: string, client: ClientInfo): Promise<never> {
    const now = this.clock.now();
    const state = this.unknown.get(username) ?? { failedAttempts: 0, lockedUntil: null };
    if (isLocked(state, now)) {
      await this.audit.record({ actorRole: 'unknown', actorId: null, action: 'staff.login_failed', data: { reason: 'locked', username: username.slice(0, 64), known: false, ip: client.ip } });
      throw this.locked(state.lockedUntil ?? now, now);
    }
    await this.hasher.verify(password, await this.dummyHash);
    const next = afterFailedSignIn(state, this.clock.now(), this.settings.lockout);
    this.unknown.delete(username);
    this.unknown.set(username, { failedAttempts: next.failedAttempts, lockedUntil: next.lockedUntil });
    if (this.unknown.size > MAX_TRACKED_UNKNOWN) this.unknown.delete(this.unknown.keys().next().value as string);
    await this.audit.record({ actorRole: 'unknown', actorId: null, action: 'staff.login_failed', data: { reason: 'unknown_user', username: username.slice(0, 64), known: false, ip: client.ip } });
    if (next.lockedNow && next.lockedUntil !== null) throw this.locked(next.lockedUntil, now);
    throw this.failed();
  }

  private failed(): CtiError {
    return new CtiError('CTI_ERR_AUTH_FAILED', 'wrong username or password');
  }

  private addressLimited(until: number, now: number): CtiError {
    const limit = this.settings.address as AddressLimitSettings;
    return new CtiError('CTI_ERR_RATE_LIMITED', `too many failed sign-ins from this address (${limit.failures} within ${limit.windowMs / 1000} s); try again later`, {
      reason: 'sign_in_failures_from_address',
      retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
    });
  }

  private locked(until: number, now: number): CtiError {
    return new CtiError('CTI_ERR_AUTH_LOCKED', `too many failed sign-ins; locked until ${new Date(until).toISOString()}`, {
      lockedUntil: new Date(until).toISOString(),
      retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
    });
  }
}

function expired(reason: 'idle' | 'absolute'): CtiError {
  return new CtiError('CTI_ERR_AUTH_SESSION_EXPIRED', reason === 'idle' ? 'the session expired after inactivity; sign in again' : 'the session reached its maximum age; sign in again', { reason });
}

/** Throws CTI_ERR_VALIDATION listing the policy's objections to `password` for `username` (README: staff sign-in). */
export function assertPasswordPolicy(password: string, username: string, field = 'newPassword'): void {
  const problems = passwordProblems(password, username);
  if (problems.length > 0) {
    throw new CtiError('CTI_ERR_VALIDATION', `invalid body: ${field}: the password does not meet the policy (${problems.join(', ')})`, {
      where: 'body',
      issues: problems.map((reason) => ({ field, reason })),
      policy: problems,
    });
  }
}
