import { sql, type Kysely, type Transaction } from 'kysely';
import { CtiError, carriedOver, assertCanAcknowledge, validateHandoverItems, type HandoverItem, type RotaAssignment, type StateSpan } from '@cti/domain';
import type { Database } from './db.schema.js';

/** A rota entry as stored. */
export interface RotaEntry extends RotaAssignment {
  source: 'plan' | 'swap';
  updatedBy: string;
  updatedAt: Date;
}

/** A swap request (换班申请). */
export interface RotaSwap {
  id: string;
  agentId: string;
  date: string;
  shift: string;
  withAgentId: string;
  /** The other agent's shift given in exchange, or null when the other agent simply takes this one. */
  withDate: string | null;
  withShift: string | null;
  reason: string;
  status: 'requested' | 'approved' | 'rejected' | 'withdrawn';
  requestedBy: string;
  requestedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
}

/** A handover (交接班记录). */
export interface Handover {
  id: string;
  date: string;
  shift: string;
  writtenBy: string;
  writtenAt: Date;
  items: HandoverItem[];
  note: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
}

/** An agent as the rota plans them. */
export interface RotaAgentRow {
  id: string;
  name: string;
  skills: string[];
}

/** How far around a changed range the rules are checked (rest and consecutive days reach across it). */
const NEIGHBOUR_DAYS = 14;
/** One lock for every change of the rota: saving a month and deciding a swap never interleave. */
const ROTA_LOCK = sql`pg_advisory_xact_lock(hashtext('cti12345.rota'))`;

const day = (column: string) => sql<string>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;
const shiftDays = (date: string, days: number) => sql<string>`(${date}::date + ${days}::int)`;

/** The rota, shift swaps and handovers (docs/domain.md §14); rule checks are the domain's, run inside the lock. */
export class RotaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Entries dated in [from, to] (inclusive calendar days), by date then agent. */
  async entries(from: string, to: string, db: Kysely<Database> | Transaction<Database> = this.db): Promise<RotaEntry[]> {
    const rows = await db
      .selectFrom('rota_entries')
      .select(['agent_id', 'shift', 'source', 'updated_by', 'updated_at', day('date').as('date')])
      .where('date', '>=', sql<string>`${from}::date`)
      .where('date', '<=', sql<string>`${to}::date`)
      .orderBy('date')
      .orderBy('agent_id')
      .execute();
    return rows.map((r) => ({ agentId: r.agent_id, date: r.date, shift: r.shift, source: r.source, updatedBy: r.updated_by, updatedAt: r.updated_at }));
  }

  /** Agents that may be planned, with the skills they hold (level above 0). */
  async agents(): Promise<RotaAgentRow[]> {
    const rows = await this.db.selectFrom('agents').select(['id', 'name', 'skills']).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, skills: Object.entries(r.skills as Record<string, number>).filter(([, lv]) => lv > 0).map(([s]) => s).sort() }));
  }

  /**
   * Replaces the entries dated in [from, to] with `entries` (all inside the range), after `check` accepted them
   * together with the entries of the fortnight on each side (so rest rules hold across the range's edges).
   * Unknown agents are refused with a 400.
   */
  async replaceRange(from: string, to: string, entries: readonly RotaAssignment[], by: string, check: (all: RotaAssignment[]) => void): Promise<{ saved: number; removed: number }> {
    for (const e of entries) {
      if (e.date < from || e.date > to) throw new CtiError('CTI_ERR_VALIDATION', `entry dated ${e.date} lies outside ${from}…${to}`, { date: e.date });
    }
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT ${ROTA_LOCK}`.execute(tx);
      await this.assertAgents(tx, entries.map((e) => e.agentId));
      const before = await this.around(tx, from, to);
      check([...before, ...entries]);
      const removed = await tx.deleteFrom('rota_entries').where('date', '>=', sql<string>`${from}::date`).where('date', '<=', sql<string>`${to}::date`).executeTakeFirst();
      if (entries.length > 0) {
        await tx
          .insertInto('rota_entries')
          .values(entries.map((e) => ({ agent_id: e.agentId, date: sql<string>`${e.date}::date`, shift: e.shift, source: 'plan' as const, updated_by: by })))
          .execute();
      }
      return { saved: entries.length, removed: Number(removed.numDeletedRows) };
    });
  }

  /** Entries of the NEIGHBOUR_DAYS before `from` and after `to`. */
  private async around(tx: Transaction<Database>, from: string, to: string): Promise<RotaAssignment[]> {
    const rows = await tx
      .selectFrom('rota_entries')
      .select(['agent_id', 'shift', day('date').as('date')])
      .where((eb) =>
        eb.or([
          eb.and([eb('date', '>=', shiftDays(from, -NEIGHBOUR_DAYS)), eb('date', '<', sql<string>`${from}::date`)]),
          eb.and([eb('date', '>', sql<string>`${to}::date`), eb('date', '<=', shiftDays(to, NEIGHBOUR_DAYS))]),
        ]),
      )
      .execute();
    return rows.map((r) => ({ agentId: r.agent_id, date: r.date, shift: r.shift }));
  }

  private async assertAgents(tx: Transaction<Database>, ids: readonly string[]): Promise<void> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return;
    const found = new Set((await tx.selectFrom('agents').select('id').where('id', 'in', wanted).execute()).map((r) => r.id));
    const unknown = wanted.filter((id) => !found.has(id));
    if (unknown.length > 0) throw new CtiError('CTI_ERR_VALIDATION', `unknown agent ${unknown.join(', ')}`, { unknown });
  }

  /** Records a swap request; the entries it names must exist now (checked again when it is decided). */
  async requestSwap(input: { agentId: string; date: string; withAgentId: string; withDate: string | null; reason: string }, by: string): Promise<RotaSwap> {
    if (input.agentId === input.withAgentId) throw new CtiError('CTI_ERR_VALIDATION', 'a swap needs two different agents', { agentId: input.agentId });
    return this.db.transaction().execute(async (tx) => {
      const mine = await this.entryOf(tx, input.agentId, input.date);
      if (!mine) throw new CtiError('CTI_ERR_VALIDATION', `${input.agentId} has no shift on ${input.date}`, { agentId: input.agentId, date: input.date });
      let withShift: string | null = null;
      if (input.withDate !== null) {
        const theirs = await this.entryOf(tx, input.withAgentId, input.withDate);
        if (!theirs) throw new CtiError('CTI_ERR_VALIDATION', `${input.withAgentId} has no shift on ${input.withDate}`, { agentId: input.withAgentId, date: input.withDate });
        withShift = theirs;
      }
      const { id } = await tx
        .insertInto('rota_swaps')
        .values({
          agent_id: input.agentId,
          date: sql<string>`${input.date}::date`,
          shift: mine,
          with_agent_id: input.withAgentId,
          with_date: input.withDate === null ? null : sql<string>`${input.withDate}::date`,
          with_shift: withShift,
          reason: input.reason,
          requested_by: by,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await this.swap(tx, id))!;
    });
  }

  private async entryOf(tx: Transaction<Database>, agentId: string, date: string): Promise<string | undefined> {
    const r = await tx.selectFrom('rota_entries').select('shift').where('agent_id', '=', agentId).where('date', '=', sql<string>`${date}::date`).executeTakeFirst();
    return r?.shift;
  }

  private async swap(db: Kysely<Database> | Transaction<Database>, id: string): Promise<RotaSwap | undefined> {
    return (await this.swapRows(db).where('id', '=', id).executeTakeFirst()) as RotaSwap | undefined;
  }

  private swapRows(db: Kysely<Database> | Transaction<Database>) {
    return db
      .selectFrom('rota_swaps')
      .select([
        'id',
        'agent_id as agentId',
        'shift',
        'with_agent_id as withAgentId',
        'with_shift as withShift',
        'reason',
        'status',
        'requested_by as requestedBy',
        'requested_at as requestedAt',
        'decided_by as decidedBy',
        'decided_at as decidedAt',
        'decision_note as decisionNote',
        day('date').as('date'),
        sql<string | null>`to_char(with_date, 'YYYY-MM-DD')`.as('withDate'),
      ]);
  }

  /** Swaps, newest first; `status` filters. */
  async swaps(status: RotaSwap['status'] | undefined, limit: number): Promise<RotaSwap[]> {
    let q = this.swapRows(this.db);
    if (status) q = q.where('status', '=', status);
    return (await q.orderBy('id', 'desc').limit(limit).execute()) as RotaSwap[];
  }

  /**
   * Decides a requested swap. Approving applies it — the entries must still be as requested (409 otherwise) and
   * `check` must accept both agents' rota around the changed dates with the swap applied — in the rota lock.
   */
  async decideSwap(id: string, approve: boolean, by: string, note: string | null, check: (all: RotaAssignment[]) => void): Promise<RotaSwap> {
    return this.db.transaction().execute(async (tx) => {
      await sql`SELECT ${ROTA_LOCK}`.execute(tx);
      const s = await this.swapRows(tx).where('id', '=', id).forUpdate().executeTakeFirst() as RotaSwap | undefined;
      if (!s) throw new CtiError('CTI_ERR_NOT_FOUND', `no swap ${id}`, { id });
      if (s.status !== 'requested') throw new CtiError('CTI_ERR_INVALID_STATE', `swap ${id} is already ${s.status}`, { id, status: s.status });
      if (approve) {
        const mine = await this.entryOf(tx, s.agentId, s.date);
        // Stale: the shifts the swap names are no longer as asked. (The other agent working that day already is a
        // broken rule, one shift a day, which the check below names.)
        const theirs = s.withDate === null ? undefined : await this.entryOf(tx, s.withAgentId, s.withDate);
        const stale = mine !== s.shift || (s.withDate !== null && theirs !== s.withShift);
        if (stale) throw new CtiError('CTI_ERR_CONFLICT', `the rota changed since swap ${id} was asked for`, { id });
        const dates = [s.date, ...(s.withDate ? [s.withDate] : [])].sort();
        const lo = dates[0]!;
        const hi = dates[dates.length - 1]!;
        const window = await tx
          .selectFrom('rota_entries')
          .select(['agent_id', 'shift', day('date').as('date')])
          .where('agent_id', 'in', [s.agentId, s.withAgentId])
          .where('date', '>=', shiftDays(lo, -NEIGHBOUR_DAYS))
          .where('date', '<=', shiftDays(hi, NEIGHBOUR_DAYS))
          .execute();
        const after: RotaAssignment[] = window
          .filter((r) => !(r.agent_id === s.agentId && r.date === s.date) && !(s.withDate !== null && r.agent_id === s.withAgentId && r.date === s.withDate))
          .map((r) => ({ agentId: r.agent_id, date: r.date, shift: r.shift }));
        after.push({ agentId: s.withAgentId, date: s.date, shift: s.shift });
        if (s.withDate !== null) after.push({ agentId: s.agentId, date: s.withDate, shift: s.withShift! });
        check(after);
        await tx.deleteFrom('rota_entries').where('agent_id', '=', s.agentId).where('date', '=', sql<string>`${s.date}::date`).execute();
        if (s.withDate !== null) await tx.deleteFrom('rota_entries').where('agent_id', '=', s.withAgentId).where('date', '=', sql<string>`${s.withDate}::date`).execute();
        await tx.insertInto('rota_entries').values({ agent_id: s.withAgentId, date: sql<string>`${s.date}::date`, shift: s.shift, source: 'swap', updated_by: by }).execute();
        if (s.withDate !== null) await tx.insertInto('rota_entries').values({ agent_id: s.agentId, date: sql<string>`${s.withDate}::date`, shift: s.withShift!, source: 'swap', updated_by: by }).execute();
      }
      await tx
        .updateTable('rota_swaps')
        .set({ status: approve ? 'approved' : 'rejected', decided_by: by, decided_at: sql<Date>`now()`, decision_note: note })
        .where('id', '=', id)
        .execute();
      return (await this.swap(tx, id))!;
    });
  }

  /** State spans of these agents that overlap [from, to) (attendance). */
  async stateSpans(agentIds: readonly string[], from: number, to: number): Promise<Map<string, StateSpan[]>> {
    const out = new Map<string, StateSpan[]>();
    if (agentIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('agent_state_intervals')
      .select(['agent_id', 'state', 'started_at', 'ended_at'])
      .where('agent_id', 'in', [...new Set(agentIds)])
      .where('started_at', '<', new Date(to))
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', new Date(from))]))
      .orderBy('started_at')
      .execute();
    for (const r of rows) {
      const list = out.get(r.agent_id) ?? [];
      list.push({ state: r.state, from: r.started_at.getTime(), to: r.ended_at === null ? null : r.ended_at.getTime() });
      out.set(r.agent_id, list);
    }
    return out;
  }

  /** Handovers, newest first. */
  async handovers(limit: number): Promise<Handover[]> {
    return (await this.handoverRows(this.db).orderBy('id', 'desc').limit(limit).execute()).map(presentHandover);
  }

  private handoverRows(db: Kysely<Database> | Transaction<Database>) {
    return db.selectFrom('handovers').select(['id', 'shift', 'written_by', 'written_at', 'items', 'note', 'acknowledged_by', 'acknowledged_at', day('date').as('date')]);
  }

  /** The matters a new handover starts from: the open ones of the latest handover. */
  async draft(): Promise<HandoverItem[]> {
    const last = await this.handoverRows(this.db).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return carriedOver(last ? presentHandover(last).items : null);
  }

  /** Records a handover written by `by`. */
  async writeHandover(input: { date: string; shift: string; items: HandoverItem[]; note: string | null }, by: string): Promise<Handover> {
    const items = validateHandoverItems(input.items);
    const row = await this.db
      .insertInto('handovers')
      .values({ date: sql<string>`${input.date}::date`, shift: input.shift, written_by: by, items: JSON.stringify(items), note: input.note })
      .returning('id')
      .executeTakeFirstOrThrow();
    return presentHandover((await this.handoverRows(this.db).where('id', '=', row.id).executeTakeFirstOrThrow()));
  }

  /** The incoming shift lead acknowledges a handover (once; not its writer). */
  async acknowledgeHandover(id: string, by: string): Promise<Handover> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.handoverRows(tx).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new CtiError('CTI_ERR_NOT_FOUND', `no handover ${id}`, { id });
      assertCanAcknowledge({ writtenBy: row.written_by, acknowledgedBy: row.acknowledged_by }, by);
      await tx.updateTable('handovers').set({ acknowledged_by: by, acknowledged_at: sql<Date>`now()` }).where('id', '=', id).execute();
      return presentHandover((await this.handoverRows(tx).where('id', '=', id).executeTakeFirstOrThrow()));
    });
  }
}

function presentHandover(r: { id: string; date: string; shift: string; written_by: string; written_at: Date; items: unknown; note: string | null; acknowledged_by: string | null; acknowledged_at: Date | null }): Handover {
  return {
    id: r.id,
    date: r.date,
    shift: r.shift,
    writtenBy: r.written_by,
    writtenAt: r.written_at,
    items: r.items as HandoverItem[],
    note: r.note,
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: r.acknowledged_at,
  };
}
