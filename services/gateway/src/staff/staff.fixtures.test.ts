// In-memory fakes of the staff ports for the sign-in and admin specs; `.test.ts` so tsc skips it and vitest does not
// collect it.
import { ManualClock, type LockoutState, type StaffRole } from '@cti/domain';
import type { SessionEndReason, StaffAccount, StaffAccountPatch, StaffSession } from '@cti/db';
import type { PasswordHasher } from './password.hasher.js';
import type { AuditSink, StaffAccountStore, StaffSessionStore } from './staff-auth.service.js';
import type { StaffDirectory } from './staff-admin.service.js';

/** A hasher that stores `plain:<password>` (the specs test sign-in logic, not scrypt) and counts its work. */
export class CountingHasher implements PasswordHasher {
  hashes = 0;
  verifies = 0;
  /** Hashes with this prefix count as made with old parameters. */
  outdatedPrefix = 'old:';

  async hash(password: string): Promise<string> {
    this.hashes++;
    return `plain:${password}`;
  }
  async verify(password: string, stored: string): Promise<boolean> {
    this.verifies++;
    return stored === `plain:${password}` || stored === `${this.outdatedPrefix}${password}`;
  }
  needsRehash(stored: string): boolean {
    return stored.startsWith(this.outdatedPrefix);
  }
}

/** Accounts and sessions in memory, with the repositories' semantics (sessionStore() gives the session port). */
export class MemoryStaffStore implements StaffAccountStore, StaffDirectory {
  readonly accounts = new Map<string, StaffAccount>();
  readonly sessions = new Map<string, { id: string; staffId: string; tokenHash: string; createdAt: Date; lastSeenAt: Date; endedAt: Date | null; endReason: SessionEndReason | null }>();
  private nextId = 1;

  add(a: { username: string; role?: StaffRole; agentId?: string | null; password?: string; disabled?: boolean; hash?: string }): StaffAccount {
    const account: StaffAccount = {
      id: String(this.nextId++),
      username: a.username,
      displayName: `显示 ${a.username}`,
      role: a.role ?? 'agent',
      agentId: a.agentId === undefined ? (a.role ?? 'agent') === 'agent' ? a.username : null : a.agentId,
      passwordHash: a.hash ?? `plain:${a.password ?? 'Right-Pass-1'}`,
      passwordChangedAt: new Date(0),
      failedAttempts: 0,
      lockedUntil: null,
      disabled: a.disabled ?? false,
      lastLoginAt: null,
      createdAt: new Date(0),
    };
    this.accounts.set(account.id, account);
    return account;
  }

  async create(a: { username: string; displayName: string; role: StaffRole; agentId: string | null; passwordHash: string; now: Date }): Promise<StaffAccount> {
    const account = this.add({ username: a.username, role: a.role, agentId: a.agentId, hash: a.passwordHash });
    account.displayName = a.displayName;
    return account;
  }
  async list(): Promise<StaffAccount[]> {
    return [...this.accounts.values()].map((a) => ({ ...a }));
  }
  // Copies, as rows read from a database are: a later update must not change what a caller read before it.
  async findByUsername(username: string) {
    const a = [...this.accounts.values()].find((x) => x.username === username);
    return a && { ...a };
  }
  async findById(id: string) {
    const a = this.accounts.get(id);
    return a && { ...a };
  }
  async updateLockout<T extends LockoutState>(id: string, next: (current: LockoutState) => T): Promise<T | undefined> {
    const a = this.accounts.get(id);
    if (!a) return undefined;
    const r = next({ failedAttempts: a.failedAttempts, lockedUntil: a.lockedUntil?.getTime() ?? null });
    a.failedAttempts = r.failedAttempts;
    a.lockedUntil = r.lockedUntil === null ? null : new Date(r.lockedUntil);
    return r;
  }
  async recordSignIn(id: string, at: Date) {
    const a = this.accounts.get(id) as StaffAccount;
    Object.assign(a, { failedAttempts: 0, lockedUntil: null, lastLoginAt: at });
  }
  async update(id: string, p: StaffAccountPatch): Promise<StaffAccount> {
    const a = this.accounts.get(id) as StaffAccount;
    if (p.displayName !== undefined) a.displayName = p.displayName;
    if (p.role !== undefined) a.role = p.role;
    if (p.agentId !== undefined) a.agentId = p.agentId;
    if (p.disabled !== undefined) a.disabled = p.disabled;
    if (p.passwordHash !== undefined) a.passwordHash = p.passwordHash;
    if (p.passwordChangedAt !== undefined) a.passwordChangedAt = p.passwordChangedAt;
    if (p.unlock) Object.assign(a, { failedAttempts: 0, lockedUntil: null });
    return { ...a };
  }

  private session(r: { id: string; staffId: string; createdAt: Date; lastSeenAt: Date; endedAt: Date | null; endReason: SessionEndReason | null }): StaffSession {
    return { id: r.id, staff: { ...(this.accounts.get(r.staffId) as StaffAccount) }, createdAt: r.createdAt, lastSeenAt: r.lastSeenAt, endedAt: r.endedAt, endReason: r.endReason };
  }
  async findByTokenHash(tokenHash: string) {
    const r = [...this.sessions.values()].find((s) => s.tokenHash === tokenHash);
    return r && this.session(r);
  }
  async findByIds(ids: readonly string[]) {
    return ids.flatMap((id) => {
      const r = this.sessions.get(id);
      return r ? [this.session(r)] : [];
    });
  }
  async touch(id: string, now: Date, unlessSince: Date) {
    const r = this.sessions.get(id);
    if (r && !r.endedAt && r.lastSeenAt < unlessSince) r.lastSeenAt = now;
  }
  async end(id: string, reason: SessionEndReason, at: Date) {
    const r = this.sessions.get(id);
    if (!r || r.endedAt) return false;
    Object.assign(r, { endedAt: at, endReason: reason });
    return true;
  }
  async endAllOf(staffId: string, reason: SessionEndReason, at: Date, keepId?: string) {
    let n = 0;
    for (const r of this.sessions.values()) if (r.staffId === staffId && !r.endedAt && r.id !== keepId && (await this.end(r.id, reason, at))) n++;
    return n;
  }
}

/** MemoryStaffStore's session side under the StaffSessionStore name (create needs its own signature). */
export function sessionStore(store: MemoryStaffStore): StaffSessionStore {
  let next = 1;
  return {
    create: async (s) => {
      const id = String(next++);
      store.sessions.set(id, { id, staffId: s.staffId, tokenHash: s.tokenHash, createdAt: s.now, lastSeenAt: s.now, endedAt: null, endReason: null });
      return id;
    },
    findByTokenHash: (h) => store.findByTokenHash(h),
    findByIds: (ids) => store.findByIds(ids),
    touch: (id, now, since) => store.touch(id, now, since),
    end: (id, r, at) => store.end(id, r, at),
    endAllOf: (id, r, at, keep) => store.endAllOf(id, r, at, keep),
  };
}

/** Audit rows as recorded. */
export class RecordingAudit implements AuditSink {
  readonly rows: Array<{ actorRole: string; actorId: string | null; action: string; target?: string; data?: Record<string, unknown> }> = [];
  async record(entry: (typeof this.rows)[number]) {
    this.rows.push(entry);
  }
  actions(): string[] {
    return this.rows.map((r) => r.action);
  }
}

/** A clock at a round instant. */
export const startClock = () => new ManualClock(Date.parse('2026-03-02T08:00:00+08:00'));
