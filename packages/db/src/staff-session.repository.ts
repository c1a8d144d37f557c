import type { Kysely } from 'kysely';
import type { Database } from './db.schema.js';
import { toStaffAccount, type StaffAccount } from './staff.repository.js';

/** Why a session ended: logout, idle or absolute expiry, or an admin action (disable, password reset, role change). */
export type SessionEndReason = 'logout' | 'idle' | 'absolute' | 'revoked';

/** A stored session (never its token) with the account it belongs to, as of the lookup. */
export interface StaffSession {
  id: string;
  staff: StaffAccount;
  createdAt: Date;
  lastSeenAt: Date;
  endedAt: Date | null;
  endReason: SessionEndReason | null;
}

/** Signed-in staff sessions, looked up by the sha256 of their token. */
export class StaffSessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new session; returns its id. */
  async create(s: { staffId: string; tokenHash: string; now: Date; clientIp: string | null; userAgent: string | null }): Promise<string> {
    const row = await this.db
      .insertInto('staff_sessions')
      .values({ staff_id: s.staffId, token_hash: s.tokenHash, created_at: s.now, last_seen_at: s.now, client_ip: s.clientIp, user_agent: s.userAgent?.slice(0, 256) ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return String(row.id);
  }

  /** The session whose token hashes to `tokenHash` (ended or not) with its account, or undefined. */
  async findByTokenHash(tokenHash: string): Promise<StaffSession | undefined> {
    const rows = await this.sessions().where('s.token_hash', '=', tokenHash).execute();
    return rows[0] && this.toSession(rows[0]);
  }

  /** The sessions with these ids (ended or not) with their accounts; unknown ids are left out. */
  async findByIds(ids: readonly string[]): Promise<StaffSession[]> {
    const numeric = ids.filter((id) => /^\d{1,18}$/.test(id));
    if (numeric.length === 0) return [];
    return (await this.sessions().where('s.id', 'in', numeric).execute()).map((r) => this.toSession(r));
  }

  /** Records a use at `now` unless one at or after `unlessSince` is recorded already (a write at most that often). */
  async touch(id: string, now: Date, unlessSince: Date): Promise<void> {
    await this.db.updateTable('staff_sessions').set({ last_seen_at: now }).where('id', '=', id).where('ended_at', 'is', null).where('last_seen_at', '<', unlessSince).execute();
  }

  /** Ends one session; false when it had ended already (so the caller audits an end once). */
  async end(id: string, reason: SessionEndReason, at: Date): Promise<boolean> {
    const r = await this.db.updateTable('staff_sessions').set({ ended_at: at, end_reason: reason }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Ends every open session of an account except `keepId`; returns how many ended. */
  async endAllOf(staffId: string, reason: SessionEndReason, at: Date, keepId?: string): Promise<number> {
    let q = this.db.updateTable('staff_sessions').set({ ended_at: at, end_reason: reason }).where('staff_id', '=', staffId).where('ended_at', 'is', null);
    if (keepId !== undefined) q = q.where('id', '<>', keepId);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }

  private sessions() {
    return this.db
      .selectFrom('staff_sessions as s')
      .innerJoin('staff_accounts as a', 'a.id', 's.staff_id')
      .selectAll('a')
      .select(['s.id as session_id', 's.created_at as session_created_at', 's.last_seen_at', 's.ended_at', 's.end_reason']);
  }

  private toSession(r: Awaited<ReturnType<ReturnType<StaffSessionRepository['sessions']>['execute']>>[number]): StaffSession {
    return { id: String(r.session_id), staff: toStaffAccount(r), createdAt: r.session_created_at, lastSeenAt: r.last_seen_at, endedAt: r.ended_at, endReason: r.end_reason };
  }
}
