import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { CtiError, assertMarkApproval, assertMarkStep, markNumber, type CallerMarkKind, type CallerMarkStatus } from '@cti/domain';
import type { CallerMarksTable, Database } from './db.schema.js';

/** A mark as the API shows it (times in epoch ms). */
export interface CallerMark {
  id: string;
  number: string;
  kind: CallerMarkKind;
  status: CallerMarkStatus;
  flaggedBy: string;
  flaggedAt: number;
  flagReason: string;
  flaggedCallId: string | null;
  flags: number;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionReason: string | null;
  expiresAt: number | null;
  policeReferral: boolean;
  policeNote: string | null;
  liftedBy: string | null;
  liftedAt: number | null;
  liftReason: string | null;
}

/** One step of a mark's history. */
export interface CallerMarkEvent {
  action: 'flag' | 'approve' | 'reject' | 'lift' | 'expire';
  actor: string;
  at: number;
  note: string | null;
  callId: string | null;
}

const ms = (d: Date | null) => (d === null ? null : d.getTime());
function present(r: Selectable<CallerMarksTable>): CallerMark {
  return {
    id: r.id,
    number: r.number,
    kind: r.kind,
    status: r.status,
    flaggedBy: r.flagged_by,
    flaggedAt: r.flagged_at.getTime(),
    flagReason: r.flag_reason,
    flaggedCallId: r.flagged_call_id,
    flags: r.flags,
    decidedBy: r.decided_by,
    decidedAt: ms(r.decided_at),
    decisionReason: r.decision_reason,
    expiresAt: ms(r.expires_at),
    policeReferral: r.police_referral,
    policeNote: r.police_note,
    liftedBy: r.lifted_by,
    liftedAt: ms(r.lifted_at),
    liftReason: r.lift_reason,
  };
}

/** Nuisance and malicious callers' marks (docs/domain.md §16); every step is written with its event in one transaction. */
export class CallerMarkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Active marks past their expiry become `expired` (with an event); run before reading or flagging a number. */
  private async expire(tx: Transaction<Database>, now: number, number?: string): Promise<void> {
    let q = tx.updateTable('caller_marks').set({ status: 'expired' }).where('status', '=', 'active').where('expires_at', '<=', new Date(now));
    if (number !== undefined) q = q.where('number', '=', number);
    const gone = await q.returning('id').execute();
    if (gone.length > 0) await tx.insertInto('caller_mark_events').values(gone.map((g) => ({ mark_id: g.id, action: 'expire' as const, actor: 'system', note: null, call_id: null }))).execute();
  }

  /**
   * An agent (or lead) flags a caller. A number without an open mark gets a pending one; a pending mark counts one
   * more flag; an active mark is refused (409: already marked).
   */
  async flag(input: { number: string; kind: CallerMarkKind; reason: string; callId: string | null }, by: string, now: number): Promise<CallerMark> {
    const number = markNumber(input.number);
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`cti12345.caller-mark.${number}`}))`.execute(tx);
      await this.expire(tx, now, number);
      const open = await tx.selectFrom('caller_marks').selectAll().where('number', '=', number).where('status', 'in', ['pending', 'active']).forUpdate().executeTakeFirst();
      if (open?.status === 'active') throw new CtiError('CTI_ERR_CONFLICT', `this caller is already marked until ${new Date(open.expires_at as Date).toISOString()}`, { id: open.id });
      let id: string;
      if (open) {
        id = open.id;
        await tx.updateTable('caller_marks').set({ flags: sql<number>`flags + 1`, ...(input.kind === 'malicious' && { kind: 'malicious' as const }) }).where('id', '=', id).execute();
      } else {
        id = (
          await tx
            .insertInto('caller_marks')
            .values({ number, kind: input.kind, flagged_by: by, flag_reason: input.reason, flagged_call_id: input.callId })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      }
      await tx.insertInto('caller_mark_events').values({ mark_id: id, action: 'flag', actor: by, note: input.reason, call_id: input.callId }).execute();
      return present(await tx.selectFrom('caller_marks').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    });
  }

  /** A shift lead approves (until `expiresAt`, with a reason, optionally a police referral) or rejects a pending mark. */
  async decide(
    id: string,
    d: { approve: boolean; reason: string; expiresAt: number | null; policeReferral: boolean; policeNote: string | null },
    by: string,
    now: number,
  ): Promise<CallerMark> {
    if (d.approve) assertMarkApproval({ expiresAt: d.expiresAt ?? Number.NaN, reason: d.reason }, now);
    return this.db.transaction().execute(async (tx) => {
      const m = await tx.selectFrom('caller_marks').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!m) throw new CtiError('CTI_ERR_NOT_FOUND', `no caller mark ${id}`, { id });
      assertMarkStep(m.status, 'decide');
      await tx
        .updateTable('caller_marks')
        .set({
          status: d.approve ? 'active' : 'rejected',
          decided_by: by,
          decided_at: new Date(now),
          decision_reason: d.reason,
          expires_at: d.approve ? new Date(d.expiresAt as number) : null,
          police_referral: d.approve && d.policeReferral,
          police_note: d.approve && d.policeReferral ? d.policeNote : null,
        })
        .where('id', '=', id)
        .execute();
      const note = d.approve && d.policeReferral ? `${d.reason}（已移交公安：${d.policeNote ?? ''}）` : d.reason;
      await tx.insertInto('caller_mark_events').values({ mark_id: id, action: d.approve ? 'approve' : 'reject', actor: by, note, call_id: null }).execute();
      return present(await tx.selectFrom('caller_marks').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    });
  }

  /** Lifts an active mark before its expiry, with a reason. */
  async lift(id: string, reason: string, by: string, now: number): Promise<CallerMark> {
    return this.db.transaction().execute(async (tx) => {
      await this.expire(tx, now);
      const m = await tx.selectFrom('caller_marks').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!m) throw new CtiError('CTI_ERR_NOT_FOUND', `no caller mark ${id}`, { id });
      assertMarkStep(m.status, 'lift');
      await tx.updateTable('caller_marks').set({ status: 'lifted', lifted_by: by, lifted_at: new Date(now), lift_reason: reason }).where('id', '=', id).execute();
      await tx.insertInto('caller_mark_events').values({ mark_id: id, action: 'lift', actor: by, note: reason, call_id: null }).execute();
      return present(await tx.selectFrom('caller_marks').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    });
  }

  /** Marks by status (all when absent), newest first. */
  async list(status: CallerMarkStatus | undefined, limit: number, now: number): Promise<CallerMark[]> {
    await this.db.transaction().execute((tx) => this.expire(tx, now));
    let q = this.db.selectFrom('caller_marks').selectAll().orderBy('id', 'desc').limit(limit);
    if (status) q = q.where('status', '=', status);
    return (await q.execute()).map(present);
  }

  /** Marks in force at `now` (the gateway keeps them in memory to show on offers). */
  async active(now: number): Promise<CallerMark[]> {
    const rows = await this.db.selectFrom('caller_marks').selectAll().where('status', '=', 'active').where('expires_at', '>', new Date(now)).execute();
    return rows.map(present);
  }

  /** One mark, or undefined. */
  async find(id: string): Promise<CallerMark | undefined> {
    const r = await this.db.selectFrom('caller_marks').selectAll().where('id', '=', id).executeTakeFirst();
    return r && present(r);
  }

  /** Every step of a mark, oldest first. */
  async history(id: string): Promise<CallerMarkEvent[]> {
    const rows = await this.db.selectFrom('caller_mark_events').select(['action', 'actor', 'at', 'note', 'call_id']).where('mark_id', '=', id).orderBy('id').execute();
    return rows.map((r) => ({ action: r.action, actor: r.actor, at: r.at.getTime(), note: r.note, callId: r.call_id }));
  }
}
