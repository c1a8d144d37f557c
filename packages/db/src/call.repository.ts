import { sql, type Kysely } from 'kysely';
import { CHINA_2026_CALENDAR_DATA, SICHUAN_DEADLINE_POLICY, computeDeadline, createWorkingCalendar, type CallRecord } from '@cti/domain';
import type { Database } from './db.schema.js';

/** What storing one call record did: whether this delivery created the call and its ticket. */
export interface StoreCallResult {
  callCreated: boolean;
  ticketId: string | null;
  ticketCreated: boolean;
}

/** Counts behind the answer rate for a period. */
export interface AnswerCounts {
  offered: number;
  answered: number;
  abandoned: number;
  answeredWithin15s: number;
}

const ts = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));

/** Deadline of an intake ticket accepted at the given instant (the ticket engine passes its calendar and policy). */
export type IntakeDeadline = (acceptedAt: number) => number | Promise<number>;

const FALLBACK_CALENDAR = createWorkingCalendar(CHINA_2026_CALENDAR_DATA);
// An unclassified intake ticket runs on the shortest normal limit (consultation) until the agent classifies it.
const defaultIntakeDeadline: IntakeDeadline = (acceptedAt) => computeDeadline('consultation', 'normal', acceptedAt, FALLBACK_CALENDAR, SICHUAN_DEADLINE_POLICY);

/** Stores finished calls and opens their tickets; the only code that writes `calls`. */
export class CallRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly intakeDeadline: IntakeDeadline = defaultIntakeDeadline,
  ) {}

  /**
   * Upserts the call and, for an answered call, opens its intake ticket, in one transaction.
   * Delivering the same record again changes nothing: one call row, one ticket.
   */
  async storeCallRecord(record: CallRecord): Promise<StoreCallResult> {
    const acceptedAt = record.answeredAt ?? record.endedAt;
    const deadline = record.outcome === 'answered' ? await this.intakeDeadline(acceptedAt) : null;
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('calls')
        .values({
          linked_id: record.linkedId,
          trunk: record.trunk,
          caller_number: record.callerNumber,
          did: record.did,
          language: record.language,
          arrived_at: new Date(record.arrivedAt),
          queued_at: ts(record.queuedAt),
          offered_at: ts(record.offeredAt),
          answered_at: ts(record.answeredAt),
          ended_at: new Date(record.endedAt),
          agent_id: record.agentId ?? null,
          seat: record.seat ?? null,
          outcome: record.outcome,
          ended_by: record.endedBy ?? null,
          offers: record.offers,
          via_fallback: record.viaFallback ?? false,
          callback_requested_at: ts(record.callbackRequestedAt),
          recording: record.recording ?? null,
        })
        .onConflict((oc) => oc.column('linked_id').doNothing())
        .returning('linked_id')
        .executeTakeFirst();
      if (record.outcome !== 'answered') return { callCreated: inserted !== undefined, ticketId: null, ticketCreated: false };

      const ticket = await trx
        .insertInto('tickets')
        .values({
          state: 'intake',
          caller_number: record.callerNumber,
          language: record.language,
          source_call_id: record.linkedId,
          accepted_at: new Date(acceptedAt),
          deadline_at: deadline === null ? null : new Date(deadline),
          created_by: record.agentId ?? null,
        })
        .onConflict((oc) => oc.column('source_call_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!ticket) {
        const existing = await trx.selectFrom('tickets').select('id').where('source_call_id', '=', record.linkedId).executeTakeFirstOrThrow();
        return { callCreated: inserted !== undefined, ticketId: existing.id, ticketCreated: false };
      }
      await trx.insertInto('ticket_calls').values({ ticket_id: ticket.id, linked_id: record.linkedId }).execute();
      await trx
        .insertInto('ticket_history')
        .values({
          ticket_id: ticket.id,
          action: 'open_from_call',
          from_state: null,
          to_state: 'intake',
          actor_role: 'system',
          actor_id: record.agentId ?? null,
          data: JSON.stringify({ linkedId: record.linkedId }),
        })
        .execute();
      return { callCreated: inserted !== undefined, ticketId: ticket.id, ticketCreated: true };
    });
  }

  /** Counts offered (entered the agent queue), answered and abandoned calls that arrived in [from, to). */
  async answerCounts(from: Date, to: Date): Promise<AnswerCounts> {
    const row = await this.db
      .selectFrom('calls')
      .select([
        sql<string>`count(*) filter (where queued_at is not null)`.as('offered'),
        sql<string>`count(*) filter (where queued_at is not null and outcome = 'answered')`.as('answered'),
        sql<string>`count(*) filter (where queued_at is not null and outcome = 'abandoned')`.as('abandoned'),
        sql<string>`count(*) filter (where outcome = 'answered' and answered_at - queued_at <= interval '15 seconds')`.as('within15'),
      ])
      .where('arrived_at', '>=', from)
      .where('arrived_at', '<', to)
      .executeTakeFirstOrThrow();
    return {
      offered: Number(row.offered),
      answered: Number(row.answered),
      abandoned: Number(row.abandoned),
      answeredWithin15s: Number(row.within15),
    };
  }

  /** Number of call rows stored for these linkedids (used by end-to-end checks and reconciliation). */
  async countByLinkedIds(linkedIds: string[]): Promise<number> {
    if (linkedIds.length === 0) return 0;
    const row = await this.db.selectFrom('calls').select(sql<string>`count(*)`.as('n')).where('linked_id', 'in', linkedIds).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
