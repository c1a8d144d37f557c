import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { CtiError, TERMINAL_STATES, isOpenState, type Category, type SatisfactionLevel, type Ticket, type TicketState, type Urgency, type WarningPolicy } from '@cti/domain';
import type { Database, TicketHistoryTable, TicketsTable } from './db.schema.js';

/** A ticket as read from the database. */
export type TicketRow = Selectable<TicketsTable>;
/** One history line as read from the database. */
export type TicketHistoryRow = Selectable<TicketHistoryTable>;

/**
 * The tickets an agent may read (README: Security → citizens' data): those they opened or acted on (`actorId` in the
 * history), those of calls they answered (`agentId`: the source call or a linked call), and — while a call is
 * connected to them — the caller's tickets (`liveCaller`, matched on the last 11 digits).
 */
export interface AgentTicketScope {
  actorId: string;
  agentId: string | null;
  liveCaller?: string;
}

/** The SQL predicate of an agent's scope over `tickets`. */
function agentScopeSql(scope: AgentTicketScope) {
  const live = (scope.liveCaller ?? '').replace(/\D/g, '').slice(-11);
  return sql<boolean>`(
    EXISTS (SELECT 1 FROM ticket_history h WHERE h.ticket_id = tickets.id AND h.actor_id = ${scope.actorId})
    OR (${scope.agentId}::text IS NOT NULL AND EXISTS (
      SELECT 1 FROM calls c WHERE c.agent_id = ${scope.agentId}::text
        AND (c.linked_id = tickets.source_call_id OR c.linked_id IN (SELECT tc.linked_id FROM ticket_calls tc WHERE tc.ticket_id = tickets.id))))
    OR (${live}::text <> '' AND length(${live}::text) >= 7 AND right(regexp_replace(coalesce(tickets.caller_number, ''), '[^0-9]', '', 'g'), 11) = ${live}::text)
  )`;
}

/** Filters of the ticket search; every field optional. */
export interface TicketFilter {
  /** Only the tickets this agent may read. */
  agentScope?: AgentTicketScope;
  state?: string;
  category?: string;
  callerNumber?: string;
  departmentId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  /** Live warning level; needs `now` and `warningPolicy`. */
  deadlineStatus?: 'ok' | 'yellow' | 'red';
  now?: Date;
  warningPolicy?: WarningPolicy;
  limit: number;
  offset: number;
}

/** Free-text intake fields besides the rule-relevant ones (docs/domain.md §3: five elements, address, summary, …). */
export interface TicketIntakeFields {
  category?: Category | null;
  urgency?: Urgency;
  callerNumber?: string | null;
  language?: string | null;
  summary?: string | null;
  content?: string | null;
  address?: string | null;
  elements?: Record<string, string>;
  suggestedDepartment?: string | null;
  recordingRef?: string | null;
  /** The Ganzi county or county-level city (docs/domain.md §17); the gateway checks it against the configured list. */
  county?: string | null;
}

/** One history line to append. */
export interface TicketHistoryDraft {
  action: string;
  from: TicketState | null;
  to: TicketState;
  actorRole: string;
  actorId: string | null;
  data: Record<string, unknown>;
  at: number;
}

/** What a decision inside `change` wants written. */
export interface TicketChange {
  /** The ticket after the change (domain view); its rule-relevant fields are written back. */
  ticket: Ticket;
  fields?: TicketIntakeFields;
  history: TicketHistoryDraft[];
  /** New live warning level (deadline jobs). */
  warningLevel?: 'ok' | 'yellow' | 'red';
  /** Status feedback from the partner platform (110) to store on the ticket. */
  partner?: { line: string; incidentNo: string; status: string; result: string | null; at: Date };
  /** Writes in the same transaction after the ticket row was updated (callback tasks, SMS, exchange outbox). */
  after?: (trx: Kysely<Database>, row: TicketRow) => Promise<void>;
}

/** A new ticket to insert. */
export interface NewTicketRecord {
  ticket: Ticket;
  fields: TicketIntakeFields;
  source: 'call' | 'manual' | 'partner';
  createdBy: string | null;
  partnerLine?: string;
  partnerIncidentNo?: string;
  partnerStatus?: string;
  history: TicketHistoryDraft;
  after?: (trx: Kysely<Database>, row: TicketRow) => Promise<void>;
}

const TERMINAL = [...TERMINAL_STATES];
const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

/** The rule-relevant view of a row, for applyTicketAction; history is left empty (the table holds it). */
export function toDomainTicket(row: TicketRow, linkedCallIds: readonly string[] = []): Ticket {
  return {
    id: row.id,
    state: row.state as TicketState,
    // An unclassified intake ticket is treated as 'other' by the rules; its row keeps category null.
    category: (row.category ?? 'other') as Category,
    urgency: row.urgency as Urgency,
    callerNumber: row.caller_number ?? '',
    acceptedAt: row.accepted_at.getTime(),
    deadline: ms(row.deadline_at) ?? row.accepted_at.getTime(),
    closedAt: ms(row.closed_at),
    leadDepartment: row.department_id,
    coHandlers: row.co_handlers,
    replyText: row.reply_text,
    satisfaction: row.satisfaction as SatisfactionLevel | null,
    callbackAttempts: row.callback_attempts,
    returnCount: row.return_count,
    extensionCount: row.extension_count,
    reminderCount: row.reminder_count,
    parentTicketId: row.parent_ticket_id,
    closeReason: row.close_reason,
    linkedCallIds,
    flags: row.flags,
    history: [],
  };
}

function fieldValues(f: TicketIntakeFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.category !== undefined) out.category = f.category;
  if (f.urgency !== undefined) out.urgency = f.urgency;
  if (f.callerNumber !== undefined) out.caller_number = f.callerNumber;
  if (f.language !== undefined) out.language = f.language;
  if (f.summary !== undefined) out.summary = f.summary;
  if (f.content !== undefined) out.content = f.content;
  if (f.address !== undefined) out.address = f.address;
  if (f.elements !== undefined) out.elements = JSON.stringify(f.elements);
  if (f.suggestedDepartment !== undefined) out.suggested_department = f.suggestedDepartment;
  if (f.recordingRef !== undefined) out.recording_ref = f.recordingRef;
  if (f.county !== undefined) out.county = f.county;
  return out;
}

function ruleValues(t: Ticket) {
  return {
    state: t.state,
    deadline_at: new Date(t.deadline),
    closed_at: t.closedAt === null ? null : new Date(t.closedAt),
    department_id: t.leadDepartment,
    co_handlers: JSON.stringify(t.coHandlers),
    reply_text: t.replyText,
    satisfaction: t.satisfaction,
    callback_attempts: t.callbackAttempts,
    return_count: t.returnCount,
    extension_count: t.extensionCount,
    reminder_count: t.reminderCount,
    parent_ticket_id: t.parentTicketId,
    close_reason: t.closeReason,
    flags: JSON.stringify(t.flags),
  };
}

function historyValues(ticketId: string, h: TicketHistoryDraft) {
  return {
    ticket_id: ticketId,
    action: h.action,
    from_state: h.from,
    to_state: h.to,
    actor_role: h.actorRole,
    actor_id: h.actorId,
    data: JSON.stringify(h.data),
    at: new Date(h.at),
  };
}

/** Tickets: search, history, and every write, each in one transaction with a row-version check. */
export class TicketRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Tickets matching the filter, newest first, with the total count. */
  async list(filter: TicketFilter): Promise<{ total: number; items: TicketRow[] }> {
    let q = this.db.selectFrom('tickets');
    if (filter.agentScope) q = q.where(agentScopeSql(filter.agentScope));
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.category) q = q.where('category', '=', filter.category);
    if (filter.callerNumber) q = q.where('caller_number', '=', filter.callerNumber);
    if (filter.departmentId) {
      const dep = filter.departmentId;
      q = q.where((eb) => eb.or([eb('department_id', '=', dep), sql<boolean>`co_handlers ? ${dep}`]));
    }
    if (filter.createdFrom) q = q.where('created_at', '>=', filter.createdFrom);
    if (filter.createdTo) q = q.where('created_at', '<', filter.createdTo);
    if (filter.deadlineStatus) {
      const now = filter.now ?? new Date();
      const policy = filter.warningPolicy ?? { yellowRemainingFraction: 0.2, yellowWithinHours: 24 };
      const open = sql<boolean>`state NOT IN (${sql.join(TERMINAL)})`;
      const windowExpr = sql`greatest(${policy.yellowRemainingFraction}::float8 * greatest(deadline_at - accepted_at, interval '0'), ${policy.yellowWithinHours}::float8 * interval '1 hour')`;
      if (filter.deadlineStatus === 'red') q = q.where(sql<boolean>`(${open} AND deadline_at < ${now})`);
      else if (filter.deadlineStatus === 'yellow') q = q.where(sql<boolean>`(${open} AND deadline_at >= ${now} AND deadline_at - ${now}::timestamptz <= ${windowExpr})`);
      else q = q.where(sql<boolean>`(NOT (${open}) OR deadline_at IS NULL OR deadline_at - ${now}::timestamptz > ${windowExpr})`);
    }
    const [items, total] = await Promise.all([
      q.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(),
      q.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
    ]);
    return { total: Number(total.n), items };
  }

  /** Of the given ticket ids, those within the agent's scope. */
  async inAgentScope(ids: readonly string[], scope: AgentTicketScope): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('tickets').select('id').where('id', 'in', ids).where(agentScopeSql(scope)).execute();
    return new Set(rows.map((r) => String(r.id)));
  }

  /** One ticket by id, or undefined. */
  async findById(id: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** One ticket by id; throws CTI_ERR_NOT_FOUND. */
  async getById(id: string): Promise<TicketRow> {
    const row = await this.findById(id);
    if (!row) throw new CtiError('CTI_ERR_NOT_FOUND', `no ticket ${id}`, { id });
    return row;
  }

  /** One ticket by its number (GZ12345-…), or undefined. */
  async findByNo(ticketNo: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('ticket_no', '=', ticketNo).executeTakeFirst();
  }

  /** The ticket opened from a call, or undefined. */
  async findBySourceCall(linkedId: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('source_call_id', '=', linkedId).executeTakeFirst();
  }

  /** The ticket a partner incident created or was pushed as, or undefined. */
  async findByPartnerIncident(partnerLine: string, incidentNo: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('partner_line', '=', partnerLine).where('partner_incident_no', '=', incidentNo).executeTakeFirst();
  }

  /** The newest tickets of a caller (shown to the agent when the call is offered). */
  async recentForCaller(callerNumber: string, limit: number): Promise<TicketRow[]> {
    return this.db.selectFrom('tickets').selectAll().where('caller_number', '=', callerNumber).orderBy('id', 'desc').limit(limit).execute();
  }

  /** Open tickets whose stored number ends with the same last digits, for link candidates (the domain matches exactly). */
  async openForCallerSuffix(digitsSuffix: string, limit: number): Promise<TicketRow[]> {
    return this.db
      .selectFrom('tickets')
      .selectAll()
      .where('caller_number', 'like', `%${digitsSuffix.replace(/[^0-9]/g, '')}`)
      .where('state', 'not in', TERMINAL)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Open tickets past their deadline, most overdue first (the shift lead's list). */
  async overdue(now: Date, limit: number): Promise<TicketRow[]> {
    return this.db
      .selectFrom('tickets')
      .selectAll()
      .where('state', 'not in', TERMINAL)
      .where('deadline_at', '<', now)
      .orderBy('deadline_at', 'asc')
      .limit(limit)
      .execute();
  }

  /** Whether a call record with this linkedid is stored. */
  async callExists(linkedId: string): Promise<boolean> {
    return (await this.db.selectFrom('calls').select('linked_id').where('linked_id', '=', linkedId).executeTakeFirst()) !== undefined;
  }

  /** Calls linked to the ticket. */
  async linkedCallIds(id: string): Promise<string[]> {
    const rows = await this.db.selectFrom('ticket_calls').select('linked_id').where('ticket_id', '=', id).orderBy('linked_id').execute();
    return rows.map((r) => r.linked_id);
  }

  /** The ticket's history, oldest first. */
  async history(id: string): Promise<TicketHistoryRow[]> {
    return this.db.selectFrom('ticket_history').selectAll().where('ticket_id', '=', id).orderBy('id', 'asc').execute();
  }

  /** Inserts a new ticket with its first history line (and any `after` writes) in one transaction. */
  async create(input: NewTicketRecord): Promise<TicketRow> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('tickets')
        .values({
          ...ruleValues(input.ticket),
          ...fieldValues(input.fields),
          category: input.fields.category ?? input.ticket.category,
          urgency: input.ticket.urgency,
          caller_number: input.ticket.callerNumber,
          accepted_at: new Date(input.ticket.acceptedAt),
          source: input.source,
          created_by: input.createdBy,
          partner_line: input.partnerLine ?? null,
          partner_incident_no: input.partnerIncidentNo ?? null,
          partner_status: input.partnerStatus ?? null,
          partner_updated_at: input.partnerIncidentNo ? new Date(input.ticket.acceptedAt) : null,
        } as never)
        .returningAll()
        .executeTakeFirstOrThrow();
      await linkCalls(trx, row.id, input.ticket.linkedCallIds);
      await trx.insertInto('ticket_history').values(historyValues(row.id, input.history)).execute();
      if (input.after) await input.after(trx, row);
      return row;
    });
  }

  /**
   * Reads the ticket, lets `decide` compute the change, and writes it with the history lines, all in one
   * transaction. The row is locked from the read on (FOR UPDATE), so writers of one ticket take turns, each deciding
   * on what the one before wrote: a staff action that meets a deadline job's 催办 both land, where an unlocked
   * read-then-write made the later one fail. Only a caller's own `expectedVersion` that is no longer current is a
   * conflict (CTI_ERR_CONFLICT, nothing written); anything `decide` throws also leaves the ticket untouched.
   */
  async change(id: string, expectedVersion: number | undefined, decide: (row: TicketRow, ticket: Ticket) => Promise<TicketChange> | TicketChange): Promise<{ row: TicketRow; history: TicketHistoryDraft[] }> {
    return this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('tickets').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!current) throw new CtiError('CTI_ERR_NOT_FOUND', `no ticket ${id}`, { id });
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new CtiError('CTI_ERR_CONFLICT', `ticket ${id} changed since version ${expectedVersion} (now ${current.version})`, { id, expectedVersion, version: current.version });
      }
      const linked = await trx.selectFrom('ticket_calls').select('linked_id').where('ticket_id', '=', id).execute();
      const before = toDomainTicket(current, linked.map((r) => r.linked_id));
      const change = await decide(current, before);
      const after = change.ticket;
      const deadlineMoved = after.deadline !== before.deadline || (!isOpenState(before.state) && isOpenState(after.state));
      const updated = await trx
        .updateTable('tickets')
        .set({
          ...ruleValues(after),
          ...fieldValues(change.fields ?? {}),
          ...(change.partner && {
            partner_line: change.partner.line,
            partner_incident_no: change.partner.incidentNo,
            partner_status: change.partner.status,
            partner_result: change.partner.result,
            partner_updated_at: change.partner.at,
          }),
          version: current.version + 1,
          updated_at: new Date(),
          ...(deadlineMoved && { schedule_dirty: true, warning_level: 'ok' as const }),
          ...(change.warningLevel !== undefined && { warning_level: change.warningLevel }),
        } as never)
        .where('id', '=', id)
        .where('version', '=', current.version)
        .returningAll()
        .executeTakeFirst();
      if (!updated) throw new CtiError('CTI_ERR_CONFLICT', `ticket ${id} was changed concurrently`, { id, version: current.version });
      const newCalls = after.linkedCallIds.filter((c) => !before.linkedCallIds.includes(c));
      await linkCalls(trx, id, newCalls);
      if (change.history.length > 0) await trx.insertInto('ticket_history').values(change.history.map((h) => historyValues(id, h))).execute();
      if (change.after) await change.after(trx, updated);
      return { row: updated, history: change.history };
    });
  }

  /** Sets the live warning level (the deadline job's bookkeeping; not a state change). */
  async setWarningLevel(id: string, level: 'ok' | 'yellow' | 'red'): Promise<void> {
    await this.db.updateTable('tickets').set({ warning_level: level }).where('id', '=', id).execute();
  }

  /** Up to `limit` open tickets whose deadline jobs are not yet scheduled for their current deadline. */
  async findUnscheduled(limit: number): Promise<Pick<TicketRow, 'id' | 'state' | 'accepted_at' | 'deadline_at'>[]> {
    return this.db.selectFrom('tickets').select(['id', 'state', 'accepted_at', 'deadline_at']).where('schedule_dirty', '=', true).orderBy('id').limit(limit).execute();
  }

  /** Marks deadline jobs scheduled, unless the deadline moved meanwhile (then it stays dirty). */
  async markScheduled(items: { id: string; deadlineAt: Date | null }[]): Promise<void> {
    if (items.length === 0) return;
    await sql`UPDATE tickets t SET schedule_dirty = false
      FROM (SELECT unnest(${items.map((i) => i.id)}::bigint[]) AS id, unnest(${items.map((i) => i.deadlineAt)}::timestamptz[]) AS d) v
      WHERE t.id = v.id AND t.deadline_at IS NOT DISTINCT FROM v.d`.execute(this.db);
  }
}

// Links calls that exist (a partner's or a reopen's call id may not be one of ours).
async function linkCalls(trx: Kysely<Database> | Transaction<Database>, ticketId: string, linkedIds: readonly string[]): Promise<void> {
  if (linkedIds.length === 0) return;
  await sql`INSERT INTO ticket_calls (ticket_id, linked_id)
    SELECT ${ticketId}::bigint, c.linked_id FROM calls c WHERE c.linked_id = ANY(${[...linkedIds]}::text[])
    ON CONFLICT DO NOTHING`.execute(trx);
}
