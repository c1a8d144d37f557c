import { sql, type Kysely } from 'kysely';
import {
  CHINA_2026_CALENDAR_DATA,
  SICHUAN_DEADLINE_POLICY,
  createWorkingCalendar,
  openTicketFromCall,
  opensTicket,
  type CallRecord,
  type DeadlinePolicy,
  type WorkingCalendar,
} from '@cti/domain';
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

/** The holiday calendar and deadline policy a new ticket's deadline is computed with. */
export interface TicketDeadlineRules {
  calendar: WorkingCalendar;
  policy: DeadlinePolicy;
}

/** The deadline rules in force when an answered call's ticket is opened (the ticket engine passes its calendar and policy). */
export type IntakeDeadlineRules = () => TicketDeadlineRules | Promise<TicketDeadlineRules>;

// Without the ticket engine's rules: the 2026 calendar and the Sichuan limits.
const FALLBACK_RULES: TicketDeadlineRules = { calendar: createWorkingCalendar(CHINA_2026_CALENDAR_DATA), policy: SICHUAN_DEADLINE_POLICY };
const defaultIntakeRules: IntakeDeadlineRules = () => FALLBACK_RULES;

/** Stores finished calls and opens their tickets; the only code that writes `calls`. */
export class CallRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly intakeRules: IntakeDeadlineRules = defaultIntakeRules,
  ) {}

  /**
   * Upserts the call and, for an answered call, opens its intake ticket, in one transaction.
   * Delivering the same record again changes nothing: one call row, one ticket.
   * The ticket (state, acceptance, deadline, first history line) is the domain's `openTicketFromCall`.
   */
  async storeCallRecord(record: CallRecord): Promise<StoreCallResult> {
    // One statement (data-modifying CTEs) instead of a six-round-trip transaction: the call, its intake ticket,
    // the ticket link and the first history line are written atomically, and a redelivery changes nothing.
    const insertCall = this.db
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
        hangup_cause: record.hangupCause ?? null,
        offers: record.offers,
        via_fallback: record.viaFallback ?? false,
        callback_requested_at: ts(record.callbackRequestedAt),
        recording: record.recording ?? null,
      })
      .onConflict((oc) => oc.column('linked_id').doNothing())
      .returning('linked_id');
    // The rules in force are read only for a call that opens a ticket (an answered one).
    const rules = opensTicket(record) ? await this.intakeRules() : null;
    const opening = rules === null ? null : openTicketFromCall(record, rules.calendar, rules.policy);
    if (opening === null) {
      const inserted = await insertCall.executeTakeFirst();
      return { callCreated: inserted !== undefined, ticketId: null, ticketCreated: false };
    }
    const { ticket, history } = opening;
    // The row stays unclassified (category null) until the agent classifies it; urgency and flags keep their defaults.
    const result = await sql<{ call_created: number; ticket_id: string | null }>`
      WITH c AS (${insertCall}),
      t AS (
        INSERT INTO tickets (state, caller_number, language, source_call_id, accepted_at, deadline_at, created_by)
        VALUES (${ticket.state}, ${ticket.callerNumber}, ${opening.language}, ${opening.sourceCallId}, ${new Date(ticket.acceptedAt)}, ${new Date(ticket.deadline)}, ${opening.createdBy})
        ON CONFLICT (source_call_id) DO NOTHING
        RETURNING id
      ),
      tc AS (INSERT INTO ticket_calls (ticket_id, linked_id) SELECT id, ${opening.sourceCallId} FROM t),
      h AS (
        INSERT INTO ticket_history (ticket_id, action, from_state, to_state, actor_role, actor_id, data)
        SELECT id, ${history.action}, NULL, ${history.to}, ${history.actorRole}, ${history.actorId}, ${JSON.stringify(history.data)}::jsonb FROM t
      )
      SELECT (SELECT count(*) FROM c)::int AS call_created, (SELECT id FROM t) AS ticket_id`.execute(this.db);
    const row = result.rows[0];
    const callCreated = (row?.call_created ?? 0) > 0;
    if (row?.ticket_id) return { callCreated, ticketId: String(row.ticket_id), ticketCreated: true };
    // Delivered before (or concurrently, committed after this statement's snapshot): read the ticket that exists.
    const existing = await this.db.selectFrom('tickets').select('id').where('source_call_id', '=', record.linkedId).executeTakeFirstOrThrow();
    return { callCreated, ticketId: existing.id, ticketCreated: false };
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
