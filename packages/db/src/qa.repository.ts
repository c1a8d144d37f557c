import { sql, type Kysely, type Selectable } from 'kysely';
import { CtiError, monthPeriodOf, sampleCallsForQa, type AnsweredCall, type KpiPeriod, type QaScore } from '@cti/domain';
import type { Database, QaReviewsTable } from './db.schema.js';

/** A QA review as stored. */
export type QaReviewRow = Selectable<QaReviewsTable>;

/** Per-agent QA figures of a month. */
export interface QaAgentReport {
  agentId: string;
  answered: number;
  sampled: number;
  reviewed: number;
  passed: number;
  averageScore: number | null;
}

/** A month's QA report: coverage and ticket-form accuracy (passed ÷ reviewed). */
export interface QaReport {
  period: string;
  answered: number;
  sampled: number;
  reviewed: number;
  passed: number;
  coverage: number | null;
  formAccuracy: number | null;
  agents: QaAgentReport[];
}

/** [from, to) of a Beijing-time month 'YYYY-MM'; CTI_ERR_VALIDATION for anything else. */
export function beijingMonthBounds(period: string): { from: Date; to: Date } {
  let p: KpiPeriod;
  try {
    p = monthPeriodOf(period);
  } catch {
    throw new CtiError('CTI_ERR_VALIDATION', 'period must be YYYY-MM', { period });
  }
  return { from: new Date(p.from), to: new Date(p.to) };
}

/** QA sampling (stratified per agent), review assignment and scores. */
export class QaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Agent ids holding an active `qa` token, to add to the configured QA staff. */
  async qaStaffFromTokens(): Promise<string[]> {
    const rows = await this.db.selectFrom('api_tokens').select('agent_id').distinct().where('role', '=', 'qa').where('revoked_at', 'is', null).where('expires_at', '>', sql<Date>`now()`).where('agent_id', 'is not', null).execute();
    return rows.map((r) => r.agent_id as string).sort();
  }

  /**
   * Samples the month's answered calls with the domain's stratified sampler and assigns them to `staff`.
   * A month is sampled once: a second run adds nothing and reports the existing count.
   */
  async sampleMonth(period: string, rate: number, staff: readonly string[], seed: string): Promise<{ created: number; existing: number; answered: number }> {
    const { from, to } = beijingMonthBounds(period);
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${'qa-sample-' + period}))`.execute(trx);
      const existing = Number((await trx.selectFrom('qa_reviews').select(sql<string>`count(*)`.as('n')).where('period', '=', period).executeTakeFirstOrThrow()).n);
      const calls = await trx
        .selectFrom('calls')
        .select(['linked_id', 'agent_id', 'answered_at'])
        .where('outcome', '=', 'answered')
        .where('agent_id', 'is not', null)
        .where('arrived_at', '>=', from)
        .where('arrived_at', '<', to)
        .execute();
      if (existing > 0 || calls.length === 0) return { created: 0, existing, answered: calls.length };
      const answered: AnsweredCall[] = calls.map((c) => ({ callId: c.linked_id, agentId: c.agent_id as string, answeredAt: c.answered_at?.getTime() ?? 0 }));
      const picks = sampleCallsForQa(answered, rate, staff, seed);
      for (let i = 0; i < picks.length; i += 500) {
        const chunk = picks.slice(i, i + 500);
        await trx
          .insertInto('qa_reviews')
          .values(chunk.map((p) => ({ period, call_id: p.callId, agent_id: p.agentId, assigned_to: p.assignedTo, ticket_id: sql<string>`(SELECT id FROM tickets WHERE source_call_id = ${p.callId})` as never })))
          .onConflict((oc) => oc.columns(['period', 'call_id']).doNothing())
          .execute();
      }
      return { created: picks.length, existing: 0, answered: calls.length };
    });
  }

  /** Reviews by month, reviewer and status. */
  async list(filter: { period?: string; assignedTo?: string; status?: 'pending' | 'done'; limit: number; offset: number }): Promise<QaReviewRow[]> {
    let q = this.db.selectFrom('qa_reviews').selectAll();
    if (filter.period) q = q.where('period', '=', filter.period);
    if (filter.assignedTo) q = q.where('assigned_to', '=', filter.assignedTo);
    if (filter.status) q = q.where('status', '=', filter.status);
    return q.orderBy('id').limit(filter.limit).offset(filter.offset).execute();
  }

  /** The finished reviews of one agent's calls, newest first (what the agent's desk shows as "QA results for me"). */
  async doneForAgent(agentId: string, limit: number): Promise<QaReviewRow[]> {
    return this.db.selectFrom('qa_reviews').selectAll().where('agent_id', '=', agentId).where('status', '=', 'done').orderBy('reviewed_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** One review; CTI_ERR_NOT_FOUND when absent. */
  async getById(id: string): Promise<QaReviewRow> {
    const row = await this.db.selectFrom('qa_reviews').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new CtiError('CTI_ERR_NOT_FOUND', `no QA review ${id}`, { id });
    return row;
  }

  /** Stores a scored review (a later submission replaces an earlier one). */
  async saveReview(id: string, r: { marks: Record<string, number>; score: QaScore; comments: string | null; reviewedBy: string; at: Date }): Promise<QaReviewRow> {
    const row = await this.db
      .updateTable('qa_reviews')
      .set({
        status: 'done',
        marks: JSON.stringify(r.marks),
        score: r.score.score,
        passed: r.score.passed,
        failed_critical: JSON.stringify(r.score.failedCritical),
        comments: r.comments,
        reviewed_by: r.reviewedBy,
        reviewed_at: r.at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new CtiError('CTI_ERR_NOT_FOUND', `no QA review ${id}`, { id });
    return row;
  }

  /** The month's QA report per agent, with coverage and ticket-form accuracy. */
  async report(period: string): Promise<QaReport> {
    const { from, to } = beijingMonthBounds(period);
    const answeredRows = await this.db
      .selectFrom('calls')
      .select(['agent_id', sql<string>`count(*)`.as('n')])
      .where('outcome', '=', 'answered')
      .where('agent_id', 'is not', null)
      .where('arrived_at', '>=', from)
      .where('arrived_at', '<', to)
      .groupBy('agent_id')
      .execute();
    const reviewRows = await this.db
      .selectFrom('qa_reviews')
      .select([
        'agent_id',
        sql<string>`count(*)`.as('sampled'),
        sql<string>`count(*) filter (where status = 'done')`.as('reviewed'),
        sql<string>`count(*) filter (where passed)`.as('passed'),
        sql<string | null>`avg(score) filter (where status = 'done')`.as('avg'),
      ])
      .where('period', '=', period)
      .groupBy('agent_id')
      .execute();
    const agents = new Map<string, QaAgentReport>();
    const get = (id: string) => {
      let a = agents.get(id);
      if (!a) agents.set(id, (a = { agentId: id, answered: 0, sampled: 0, reviewed: 0, passed: 0, averageScore: null }));
      return a;
    };
    for (const r of answeredRows) get(r.agent_id as string).answered = Number(r.n);
    for (const r of reviewRows) {
      const a = get(r.agent_id);
      a.sampled = Number(r.sampled);
      a.reviewed = Number(r.reviewed);
      a.passed = Number(r.passed);
      a.averageScore = r.avg === null ? null : Math.round(Number(r.avg) * 100) / 100;
    }
    const list = [...agents.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : 1));
    const sum = (k: 'answered' | 'sampled' | 'reviewed' | 'passed') => list.reduce((s, a) => s + a[k], 0);
    const answered = sum('answered');
    const reviewed = sum('reviewed');
    const passed = sum('passed');
    return { period, answered, sampled: sum('sampled'), reviewed, passed, coverage: answered ? reviewed / answered : null, formAccuracy: reviewed ? passed / reviewed : null, agents: list };
  }
}
