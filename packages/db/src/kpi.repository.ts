import { sql, type Kysely, type RawBuilder } from 'kysely';
import { kpi } from '@cti/domain';
import type { Config } from '@cti/contracts';
import type { Database } from './db.schema.js';
import { AgentStateRepository } from './agent-state.repository.js';
import { AuditRepository } from './audit.repository.js';
import { isFinishedTicketState, isOverdue, toCallFact, toTicketFact, UNCATEGORIZED, type CallOfferRow, type TicketFactRow } from './kpi.facts.js';

/** A declared system fault as stored. */
export interface FaultWindowRow {
  id: string;
  from: number;
  to: number;
  reason: string;
  declaredBy: string | null;
}

/** Who declares or withdraws a fault window (written to the audit log). */
export interface FaultWindowActor {
  role: string;
  id: string | null;
}

/** Tickets of one category by deadline status. */
export interface TicketCategoryRow {
  category: string;
  total: number;
  /** Finished (terminal state). */
  closed: number;
  /** Finished by the deadline (or without one). */
  closedOnTime: number;
  /** Open, deadline not yet passed (or none). */
  openInTime: number;
  /** Open past the deadline. */
  overdue: number;
}

/**
 * Whether the number had an approved caller mark (nuisance, malicious) in force at the time: approved before it, not
 * expired, not lifted (caller_marks keeps every mark's decision and lift times; docs/domain.md §16).
 */
const markedAt = (number: RawBuilder<unknown>, at: RawBuilder<unknown>) => sql<boolean>`EXISTS (
  SELECT 1 FROM caller_marks m
  WHERE m.number = ${number} AND m.decided_at IS NOT NULL AND m.status IN ('active', 'lifted', 'expired')
    AND m.decided_at <= ${at} AND m.expires_at > ${at} AND (m.lifted_at IS NULL OR m.lifted_at > ${at}))`;

const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);

/** The counted-set choices of the KPI engine taken from configuration (fault windows come from the table). */
export function kpiOverridesFromConfig(
  c: Pick<Config, 'CTI_KPI_SHORT_ABANDON_S' | 'CTI_KPI_EXCLUDED_LINES' | 'CTI_KPI_PRODUCTIVE_PAUSE_REASONS' | 'CTI_KPI_EXCLUDE_MARKED_CALLERS'>,
): Partial<kpi.KpiConfig> {
  return {
    shortAbandonSeconds: c.CTI_KPI_SHORT_ABANDON_S,
    excludedLines: list(c.CTI_KPI_EXCLUDED_LINES),
    excludeMarkedCallers: c.CTI_KPI_EXCLUDE_MARKED_CALLERS,
    productivePauseReasons: list(c.CTI_KPI_PRODUCTIVE_PAUSE_REASONS),
  };
}

/** Loads the stored facts the KPI engine computes over; read-only. */
export class KpiRepository {
  private readonly states: AgentStateRepository;

  constructor(private readonly db: Kysely<Database>) {
    this.states = new AgentStateRepository(db);
  }

  /** The KPI config for a period: configured choices plus the fault windows declared over it. */
  async kpiConfig(overrides: Partial<kpi.KpiConfig>, from: number, to: number): Promise<kpi.KpiConfig> {
    const windows = await this.faultWindows(from, to);
    return kpi.createKpiConfig({ ...overrides, faultWindows: windows.map((w) => ({ from: w.from, to: w.to })) });
  }

  /** The active hotline lines (双号并行, docs/domain.md §18) as the per-line figures need them, 12345 first. */
  async hotlineLines(): Promise<kpi.HotlineLineInfo[]> {
    const rows = await this.db.selectFrom('hotline_lines').select(['did', 'name', 'answer_rate_target']).where('active', '=', true).orderBy('did').execute();
    return rows
      .map((r) => ({ did: r.did, name: r.name, answerRateTarget: r.answer_rate_target === null ? null : Number(r.answer_rate_target) }))
      .sort((a, b) => Number(b.did === '12345') - Number(a.did === '12345'));
  }

  /** Every fact of a period the contract KPI table needs. */
  async facts(from: number, to: number, now: number): Promise<kpi.KpiFacts> {
    const [calls, agentIntervals, tickets, qaReviews] = await Promise.all([this.callFacts(from, to), this.agentIntervals(from, to, now), this.ticketFacts(from, to), this.qaReviews(from, to)]);
    return { calls, agentIntervals, tickets, qaReviews };
  }

  /** Completed QA reviews of calls that entered the queue in [from, to) (QA coverage, per-agent QA score). */
  async qaReviews(from: number, to: number): Promise<kpi.QaReview[]> {
    const rows = await this.db
      .selectFrom('qa_reviews as q')
      .innerJoin('calls as c', 'c.linked_id', 'q.call_id')
      .select(['q.call_id', 'q.agent_id', 'q.score'])
      .where('q.status', '=', 'done')
      .where('c.queued_at', '>=', new Date(from))
      .where('c.queued_at', '<', new Date(to))
      .execute();
    return rows.map((r) => ({ callId: r.call_id, agentId: r.agent_id, score: Number(r.score ?? 0) }));
  }

  /**
   * Calls that entered the agent queue in [from, to), without their rings (the answer rate, the projection and
   * staffing do not use them), each with when it was stored; only those stored after `storedAfter` when given, so
   * that a live view reads what is new since its last read instead of the whole day.
   */
  async callFactsStored(from: number, to: number, storedAfter?: number): Promise<Array<{ fact: kpi.CallFact; storedAt: number }>> {
    const rows = await this.callRows(from, to, storedAfter);
    return rows.map((r) => ({ fact: toCallFact(r), storedAt: r.recorded_at.getTime() }));
  }

  /**
   * The answer-rate tallies of the calls queued in [from, to), aggregated in PostgreSQL with the KPI engine's rules
   * (kpi.selectCountedCalls: excluded line, then fault window, then short abandon), plus the counted answered calls
   * that waited at most `config.serviceLevelSeconds`: one row back however many calls the period holds.
   */
  async answerRateCounts(from: number, to: number, config: kpi.KpiConfig): Promise<kpi.AnswerRateCounts & { answeredWithin: number }> {
    const lines = [...(config.excludedLines ?? [])];
    const faultFrom = config.faultWindows.map((w) => new Date(w.from));
    const faultTo = config.faultWindows.map((w) => new Date(w.to));
    const shortMs = config.shortAbandonSeconds * 1000;
    const withinMs = config.serviceLevelSeconds * 1000;
    const ms = (a: string, b: string) => sql<number>`extract(epoch FROM (${sql.ref(a)} - ${sql.ref(b)})) * 1000`;
    const r = await sql<{ [k: string]: number }>`
      WITH c AS (
        SELECT outcome, answered_at, ended_at, queued_at,
          CASE
            WHEN did = ANY(${lines}::text[]) THEN 'line'
            WHEN EXISTS (SELECT 1 FROM unnest(${faultFrom}::timestamptz[], ${faultTo}::timestamptz[]) AS w(f, t) WHERE queued_at >= w.f AND queued_at < w.t) THEN 'fault'
            WHEN ${config.excludeMarkedCallers === true} AND ${markedAt(sql.ref('calls.caller_number'), sql.ref('calls.queued_at'))} THEN 'marked'
            WHEN outcome = 'abandoned' AND ${shortMs}::float8 > 0 AND ${ms('ended_at', 'queued_at')} <= ${shortMs}::float8 THEN 'short'
            ELSE 'counted'
          END AS class
        FROM calls
        WHERE queued_at >= ${new Date(from)} AND queued_at < ${new Date(to)}
      )
      SELECT count(*)::int AS "offeredInPeriod",
        (count(*) FILTER (WHERE class = 'line'))::int AS "excludedLine",
        (count(*) FILTER (WHERE class = 'fault'))::int AS "excludedFaultWindow",
        (count(*) FILTER (WHERE class = 'marked'))::int AS "excludedMarkedCaller",
        (count(*) FILTER (WHERE class = 'short'))::int AS "excludedShortAbandon",
        (count(*) FILTER (WHERE class = 'counted' AND outcome = 'answered'))::int AS "answered",
        (count(*) FILTER (WHERE class = 'counted' AND outcome = 'abandoned'))::int AS "abandoned",
        (count(*) FILTER (WHERE class = 'counted' AND outcome = 'failed'))::int AS "failed",
        (count(*) FILTER (WHERE class = 'counted' AND outcome = 'answered'
          AND greatest(0, extract(epoch FROM (coalesce(answered_at, ended_at) - queued_at)) * 1000) <= ${withinMs}::float8))::int AS "answeredWithin"
      FROM c`.execute(this.db);
    const row = r.rows[0] ?? {};
    const n = (k: string) => Number(row[k] ?? 0);
    // Call-backs are not stored on the call row (CallFacts read from it carry none either).
    return {
      offeredInPeriod: n('offeredInPeriod'),
      excludedLine: n('excludedLine'),
      excludedFaultWindow: n('excludedFaultWindow'),
      excludedMarkedCaller: n('excludedMarkedCaller'),
      excludedShortAbandon: n('excludedShortAbandon'),
      answered: n('answered'),
      abandoned: n('abandoned'),
      failed: n('failed'),
      abandonedCalledBack: 0,
      answeredWithin: n('answeredWithin'),
    };
  }

  /** How many calls were queued in [from, to) (to refuse a period too large to read row by row). */
  async countQueuedCalls(from: number, to: number): Promise<number> {
    const r = await this.db.selectFrom('calls').select((eb) => eb.fn.countAll<string>().as('n')).where('queued_at', '>=', new Date(from)).where('queued_at', '<', new Date(to)).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Calls that entered the agent queue in [from, to), with their rings at agents. */
  async callFacts(from: number, to: number): Promise<kpi.CallFact[]> {
    const rows = await this.callRows(from, to);
    if (rows.length === 0) return [];
    // Rings happen after queueing; a 1-day margin covers calls that waited long and keeps the index usable.
    const offers = await this.db
      .selectFrom('call_offers')
      .select(['call_id', 'agent_id', 'offered_at', 'answered'])
      .where('offered_at', '>=', new Date(from))
      .where('offered_at', '<', new Date(to + 86_400_000))
      .execute();
    const byCall = new Map<string, CallOfferRow[]>();
    for (const o of offers) byCall.set(o.call_id, [...(byCall.get(o.call_id) ?? []), o]);
    return rows.map((r) => toCallFact(r, byCall.get(r.linked_id)));
  }

  /** The columns of the calls queued in [from, to) that a CallFact needs, and when each was stored. */
  private callRows(from: number, to: number, storedAfter?: number) {
    let q = this.db
      .selectFrom('calls')
      .select(['linked_id', 'did', 'trunk', 'queued_at', 'answered_at', 'ended_at', 'outcome', 'agent_id', 'recorded_at'])
      .select(markedAt(sql.ref('calls.caller_number'), sql.ref('calls.queued_at')).as('marked_caller'))
      .where('queued_at', '>=', new Date(from))
      .where('queued_at', '<', new Date(to));
    if (storedAfter !== undefined) q = q.where('recorded_at', '>', new Date(storedAfter));
    return q.execute();
  }

  /** Agent state intervals overlapping [from, to); open ones count until `now`. */
  agentIntervals(from: number, to: number, now: number): Promise<kpi.AgentStateInterval[]> {
    return this.states.intervals(from, to, now);
  }

  /** Tickets accepted in [from, to) or due in it, with what their history says. */
  async ticketFacts(from: number, to: number): Promise<kpi.TicketFact[]> {
    const f = new Date(from);
    const t = new Date(to);
    const rows = await sql<TicketFactRow>`
      SELECT t.id, t.category, t.state, t.caller_number, t.created_at, t.deadline_at,
        (SELECT min(h.at) FROM ticket_history h WHERE h.ticket_id = t.id AND h.to_state IN ('closed', 'direct_answered')) AS closed_at,
        EXISTS (SELECT 1 FROM ticket_history h WHERE h.ticket_id = t.id AND h.action = 'direct_answer') AS direct_answered,
        (SELECT count(*)::int FROM ticket_history h WHERE h.ticket_id = t.id AND h.action = 'dispatch') AS dispatches,
        EXISTS (SELECT 1 FROM ticket_history h WHERE h.ticket_id = t.id AND h.action = 'approve_return') AS returned,
        (SELECT h.data->>'satisfaction' FROM ticket_history h WHERE h.ticket_id = t.id AND h.action = 'record_callback'
          AND h.data ? 'satisfaction' ORDER BY h.id DESC LIMIT 1) AS satisfaction,
        (SELECT c.arrived_at FROM ticket_calls tc JOIN calls c ON c.linked_id = tc.linked_id
          WHERE tc.ticket_id = t.id ORDER BY c.arrived_at OFFSET 1 LIMIT 1) AS repeat_call_at,
        EXISTS (SELECT 1 FROM qa_reviews q WHERE q.ticket_id = t.id AND q.status = 'done') AS qa_reviewed,
        (SELECT bool_and(q.passed) FROM qa_reviews q WHERE q.ticket_id = t.id AND q.status = 'done') AS qa_passed
      FROM tickets t
      WHERE (t.created_at >= ${f} AND t.created_at < ${t}) OR (t.deadline_at >= ${f} AND t.deadline_at < ${t})`.execute(this.db);
    return rows.rows.map(toTicketFact);
  }

  /** Tickets past their deadline and still open at `now`. */
  async overdueTicketCount(now: number): Promise<number> {
    const rows = await this.db.selectFrom('tickets').select(['state', 'deadline_at']).where('deadline_at', '<', new Date(now)).execute();
    return rows.filter((r) => isOverdue(r.state, r.deadline_at, now)).length;
  }

  /**
   * Tickets past their deadline and still open at `now` (the same test as overdueTicketCount), per lead department:
   * its id and name, or null for a ticket not dispatched yet (docs/domain.md §17).
   */
  async overdueTicketsByDepartment(now: number): Promise<Array<{ departmentId: string | null; name: string | null; count: number }>> {
    const rows = await this.db
      .selectFrom('tickets as t')
      .leftJoin('departments as d', 'd.id', 't.department_id')
      .select(['t.state', 't.deadline_at', 't.department_id', 'd.name'])
      .where('t.deadline_at', '<', new Date(now))
      .execute();
    const by = new Map<string | null, { departmentId: string | null; name: string | null; count: number }>();
    for (const r of rows) {
      if (!isOverdue(r.state, r.deadline_at, now)) continue;
      const row = by.get(r.department_id) ?? { departmentId: r.department_id, name: r.department_id === null ? null : (r.name ?? r.department_id), count: 0 };
      row.count++;
      by.set(r.department_id, row);
    }
    return [...by.values()];
  }

  /** Tickets accepted in [from, to) per county as stored (null: none chosen), counted by the database. */
  async ticketsByCounty(from: number, to: number): Promise<Array<{ county: string | null; count: number }>> {
    const rows = await this.db
      .selectFrom('tickets')
      .select(['county', (eb) => eb.fn.countAll<string>().as('n')])
      .where('created_at', '>=', new Date(from))
      .where('created_at', '<', new Date(to))
      .groupBy('county')
      .execute();
    return rows.map((r) => ({ county: r.county, count: Number(r.n) }));
  }

  /** Tickets accepted in [from, to) by category and deadline status as of `now`. */
  async ticketsByCategory(from: number, to: number, now: number): Promise<TicketCategoryRow[]> {
    const facts = await this.db
      .selectFrom('tickets')
      .select(['category', 'state', 'deadline_at'])
      .select(sql<Date | null>`(SELECT min(h.at) FROM ticket_history h WHERE h.ticket_id = tickets.id AND h.to_state IN ('closed', 'direct_answered'))`.as('closed_at'))
      .where('created_at', '>=', new Date(from))
      .where('created_at', '<', new Date(to))
      .execute();
    const by = new Map<string, TicketCategoryRow>();
    for (const r of facts) {
      const category = r.category ?? UNCATEGORIZED;
      const row = by.get(category) ?? { category, total: 0, closed: 0, closedOnTime: 0, openInTime: 0, overdue: 0 };
      row.total++;
      if (isFinishedTicketState(r.state)) {
        row.closed++;
        const closedAt = r.closed_at === null ? null : new Date(r.closed_at).getTime();
        if (r.deadline_at === null || closedAt === null || closedAt <= r.deadline_at.getTime()) row.closedOnTime++;
      } else if (isOverdue(r.state, r.deadline_at, now)) row.overdue++;
      else row.openInTime++;
      by.set(category, row);
    }
    return [...by.values()].sort((a, b) => b.total - a.total || a.category.localeCompare(b.category));
  }

  /** Declared faults overlapping [from, to). */
  async faultWindows(from: number, to: number): Promise<FaultWindowRow[]> {
    const rows = await this.db
      .selectFrom('kpi_fault_windows')
      .selectAll()
      .where('from_at', '<', new Date(to))
      .where('to_at', '>', new Date(from))
      .orderBy('from_at')
      .execute();
    return rows.map((r) => ({ id: r.id, from: new Date(r.from_at).getTime(), to: new Date(r.to_at).getTime(), reason: r.reason, declaredBy: r.declared_by }));
  }

  /**
   * Declares a fault window and, in the same transaction, an audit row saying who and why: a fault window removes
   * calls from the contractual answer rate, so it is never declared without a trace.
   */
  async addFaultWindow(from: number, to: number, reason: string, actor: FaultWindowActor): Promise<FaultWindowRow> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .insertInto('kpi_fault_windows')
        .values({ from_at: new Date(from), to_at: new Date(to), reason, declared_by: actor.id })
        .returning('id')
        .executeTakeFirstOrThrow();
      await new AuditRepository(trx).record({ actorRole: actor.role, actorId: actor.id, action: 'kpi.fault_window.add', target: r.id, data: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), reason } });
      return { id: r.id, from, to, reason, declaredBy: actor.id };
    });
  }

  /** Withdraws a fault window with an audit row (who, why, and the window withdrawn); false when there was none. */
  async deleteFaultWindow(id: string, reason: string, actor: FaultWindowActor): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const w = await trx.deleteFrom('kpi_fault_windows').where('id', '=', id).returningAll().executeTakeFirst();
      if (!w) return false;
      const withdrawn = { from: new Date(w.from_at).toISOString(), to: new Date(w.to_at).toISOString(), reason: w.reason, declaredBy: w.declared_by };
      await new AuditRepository(trx).record({ actorRole: actor.role, actorId: actor.id, action: 'kpi.fault_window.delete', target: id, data: { reason, withdrawn } });
      return true;
    });
  }
}
