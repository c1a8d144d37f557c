import type { Kysely } from 'kysely';
import {
  CtiError,
  DEPARTMENT_PROXY_ROLES,
  TICKET_TRANSITIONS,
  applyTicketAction,
  assertMergeable,
  computeDeadline,
  createTicket,
  findLinkCandidates,
  inRoleGroup,
  isOpenState,
  type Actor,
  type Category,
  type Ticket,
  type TicketActionName,
  type Urgency,
  type WorkingCalendar,
} from '@cti/domain';
import type { TicketSettings } from '@cti/contracts';
import type {
  Database,
  NewTicketRecord,
  Principal,
  SmsDraft,
  TicketChange,
  TicketHistoryDraft,
  TicketIntakeFields,
  TicketRow,
  TicketCallbackTaskRow,
} from '@cti/db';

/** Ticket storage (TicketRepository fits). */
export interface TicketStore {
  getById(id: string): Promise<TicketRow>;
  create(input: NewTicketRecord): Promise<TicketRow>;
  change(id: string, expectedVersion: number | undefined, decide: (row: TicketRow, ticket: Ticket) => Promise<TicketChange> | TicketChange): Promise<{ row: TicketRow; history: TicketHistoryDraft[] }>;
  openForCallerSuffix(digitsSuffix: string, limit: number): Promise<TicketRow[]>;
}

/** Checks dispatch targets (DepartmentRepository fits). */
export interface DepartmentCheck {
  assertActive(ids: readonly string[]): Promise<void>;
}

/** The holiday calendar in force (CachedWorkingCalendar fits). */
export interface CalendarSource {
  get(): Promise<WorkingCalendar>;
}

/** Writes that ride in the ticket's transaction: callback tasks, SMS outbox, exchange outbox. */
export interface TicketSideEffects {
  openCallbackRound(ticketId: string, at: Date, executor: Kysely<Database>): Promise<void>;
  updateCallbackTask(ticketId: string, patch: { status: TicketCallbackTaskRow['status']; attempts?: number; nextAttemptAt?: Date; satisfaction?: string; comment?: string | null; doneBy?: string }, executor: Kysely<Database>): Promise<void>;
  enqueueSms(draft: SmsDraft, executor: Kysely<Database>): Promise<void>;
  enqueuePush(p: { ticketId: string; partnerLine: string; idempotencyKey: string; body: Record<string, unknown> }, executor: Kysely<Database>): Promise<unknown>;
}

/** Whether a call exists (to link it). */
export interface CallLookup {
  callExists(linkedId: string): Promise<boolean>;
}

/** Fields of a ticket created by hand or by the partner. */
export interface NewTicketInput extends TicketIntakeFields {
  category: Category;
  urgency: Urgency;
  callerNumber: string;
  linkedCallIds?: string[];
}

/** The request of an action as the HTTP layer hands it over. */
export interface ActionRequest {
  expectedVersion?: number;
  /** A supervisor or manager recording a department's step (sign, reply, …) for that department. */
  asDepartment?: string;
  data: Record<string, unknown>;
}

// Actions a handling unit takes; the centre's staff may record them on the unit's behalf.
const DEPARTMENT_ACTIONS = new Set<TicketActionName>((Object.keys(TICKET_TRANSITIONS) as TicketActionName[]).filter((a) => TICKET_TRANSITIONS[a].roles.includes('department')));
const EDITABLE_DEADLINE_STATES = new Set(['intake', 'awaiting_dispatch']);

/** The data keys an action takes as dates (ISO 8601 over HTTP, epoch ms for the rules). */
const DATE_KEYS = ['requestedDeadline', 'newDeadline'];

/** Who the principal is to the ticket rules. */
export function actorOf(principal: Principal): Actor {
  if (principal.role === 'department') return { role: 'department', id: principal.departmentId ?? `token:${principal.tokenId}` };
  // A signed-in person without an agent id (a supervisor, a manager) is named by their username.
  return { role: principal.role, id: principal.agentId ?? (principal.staff ? `staff:${principal.staff.username}` : `token:${principal.tokenId}`) };
}

/** The ticket engine's use cases: create, edit, act, link; every write through the domain rules in one transaction. */
export class TicketService {
  constructor(
    private readonly store: TicketStore,
    private readonly departments: DepartmentCheck,
    private readonly calendar: CalendarSource,
    private readonly effects: TicketSideEffects,
    private readonly calls: CallLookup,
    private readonly settings: TicketSettings,
    private readonly now: () => number,
  ) {}

  /** Opens a ticket by hand (or for the partner) with its deadline set and a 'create' history line. */
  async create(input: NewTicketInput, principal: Principal, source: 'manual' | 'partner' = 'manual', partner?: { line: string; incidentNo: string; status: string }, executorAfter?: (trx: Kysely<Database>, row: TicketRow) => Promise<void>): Promise<TicketRow> {
    const now = this.now();
    const calendar = await this.calendar.get();
    for (const id of input.linkedCallIds ?? []) {
      if (!(await this.calls.callExists(id))) throw new CtiError('CTI_ERR_VALIDATION', `no call ${id} to link`, { linkedId: id });
    }
    const ticket = createTicket({ id: 'new', category: input.category, urgency: input.urgency, callerNumber: input.callerNumber, acceptedAt: now, linkedCallIds: input.linkedCallIds ?? [] }, calendar, this.settings.deadlinePolicy);
    const actor = actorOf(principal);
    return this.store.create({
      ticket,
      fields: input,
      source,
      createdBy: actor.id,
      ...(partner && { partnerLine: partner.line, partnerIncidentNo: partner.incidentNo, partnerStatus: partner.status }),
      history: { action: 'create', from: null, to: 'intake', actorRole: actor.role, actorId: actor.id, data: { source, ...(partner && { partnerIncidentNo: partner.incidentNo }) }, at: now },
      ...(executorAfter && { after: executorAfter }),
    });
  }

  /** Edits intake fields of an open ticket; a new category or urgency before dispatch recomputes the deadline. */
  async updateFields(id: string, expectedVersion: number, fields: TicketIntakeFields, principal: Principal): Promise<TicketRow> {
    const deadlineFor = await this.deadlines();
    const actor = actorOf(principal);
    const { row } = await this.store.change(id, expectedVersion, (row, ticket) => {
      if (!isOpenState(ticket.state)) throw new CtiError('CTI_ERR_INVALID_TRANSITION', `ticket ${id} is ${ticket.state}; finished tickets are not edited`, { id, state: ticket.state });
      let next: Ticket = ticket;
      const category = fields.category ?? (row.category as Category | null);
      const urgency = fields.urgency ?? ticket.urgency;
      const classificationChanged = (fields.category !== undefined && fields.category !== row.category) || urgency !== ticket.urgency;
      if (classificationChanged && category !== null && EDITABLE_DEADLINE_STATES.has(ticket.state) && ticket.extensionCount === 0) {
        next = { ...ticket, category, urgency, deadline: deadlineFor({ category, urgency }, ticket.acceptedAt) };
      }
      const changed = Object.keys(fields).filter((k) => (fields as Record<string, unknown>)[k] !== undefined);
      return {
        ticket: next,
        fields,
        history: [{ action: 'update_fields', from: ticket.state, to: ticket.state, actorRole: actor.role, actorId: actor.id, data: { changed, ...(next.deadline !== ticket.deadline && { deadline: next.deadline }) }, at: this.now() }],
      };
    });
    return row;
  }

  /** Links an answered call (and so its recording) to a ticket. */
  async linkCall(id: string, linkedId: string, expectedVersion: number | undefined, principal: Principal): Promise<TicketRow> {
    if (!(await this.calls.callExists(linkedId))) throw new CtiError('CTI_ERR_NOT_FOUND', `no call ${linkedId}`, { linkedId });
    const actor = actorOf(principal);
    const { row } = await this.store.change(id, expectedVersion, (_row, ticket) => {
      if (ticket.linkedCallIds.includes(linkedId)) throw new CtiError('CTI_ERR_CONFLICT', `call ${linkedId} is already linked`, { linkedId });
      return {
        ticket: { ...ticket, linkedCallIds: [...ticket.linkedCallIds, linkedId] },
        history: [{ action: 'link_call', from: ticket.state, to: ticket.state, actorRole: actor.role, actorId: actor.id, data: { linkedId }, at: this.now() }],
      };
    });
    return row;
  }

  /** Open tickets of the same caller that a new call could be linked or merged to, newest first. */
  async linkCandidates(callerNumber: string): Promise<TicketRow[]> {
    const digits = callerNumber.replace(/\D/g, '');
    if (digits.length < 4) return [];
    const rows = await this.store.openForCallerSuffix(digits.slice(-7), 50);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const matches = findLinkCandidates(rows.map((r) => ({ id: r.id, state: r.state as Ticket['state'], callerNumber: r.caller_number ?? '', acceptedAt: r.accepted_at.getTime() })), callerNumber);
    return matches.map((m) => byId.get(m.id) as TicketRow);
  }

  /** Applies one lifecycle action through the domain rules; coded errors leave the ticket untouched. */
  async act(id: string, action: TicketActionName, principal: Principal, req: ActionRequest): Promise<{ row: TicketRow; history: TicketHistoryDraft[] }> {
    const actor = this.actorFor(action, principal, req.asDepartment);
    const data: Record<string, unknown> = { ...req.data };
    for (const key of DATE_KEYS) {
      if (typeof data[key] === 'string') {
        const parsed = Date.parse(data[key] as string);
        if (!Number.isFinite(parsed)) throw new CtiError('CTI_ERR_VALIDATION', `${key} must be an ISO 8601 date-time`, { key });
        data[key] = parsed;
      }
    }
    if (action === 'callback_unreachable') data.maxAttempts = this.settings.callbackPolicy.maxAttempts;
    if (action === 'dispatch') {
      const lead = typeof data.leadDepartment === 'string' ? [data.leadDepartment] : [];
      const co = Array.isArray(data.coHandlers) ? (data.coHandlers as string[]) : [];
      await this.departments.assertActive([...lead, ...co]);
    }
    let parent: TicketRow | undefined;
    if (action === 'merge_into' && typeof data.parentTicketId === 'string') {
      parent = await this.store.getById(data.parentTicketId).catch((err: unknown) => {
        throw err instanceof CtiError && err.code === 'CTI_ERR_NOT_FOUND' ? new CtiError('CTI_ERR_VALIDATION', `no parent ticket ${String(data.parentTicketId)}`) : err;
      });
    }
    const deadlineFor = action === 'reopen' ? await this.deadlines() : undefined;
    const now = this.now();

    return this.store.change(id, req.expectedVersion, (row, ticket) => {
      if (parent) assertMergeable(ticket, { id: parent.id, state: parent.state as Ticket['state'], parentTicketId: parent.parent_ticket_id });
      if (deadlineFor) data.deadline = deadlineFor(ticket, now);
      const { ticket: next, historyEntry } = applyTicketAction(ticket, action, actor, data, now);
      const historyData: Record<string, unknown> = { ...historyEntry.data };
      if (req.asDepartment !== undefined) historyData.recordedBy = `${principal.role}:${principal.agentId ?? principal.label}`;
      return {
        ticket: next,
        history: [{ action, from: historyEntry.from, to: historyEntry.to, actorRole: actor.role, actorId: actor.id, data: historyData, at: now }],
        after: (trx, saved) => this.sideEffects(action, ticket, next, data, saved, actor, trx),
      };
    });
  }

  private actorFor(action: TicketActionName, principal: Principal, asDepartment: string | undefined): Actor {
    if (asDepartment === undefined) return actorOf(principal);
    if (!DEPARTMENT_ACTIONS.has(action)) throw new CtiError('CTI_ERR_VALIDATION', `asDepartment only applies to department actions, not ${action}`, { action });
    if (!inRoleGroup(DEPARTMENT_PROXY_ROLES, principal.role)) throw new CtiError('CTI_ERR_FORBIDDEN', `role ${principal.role} may not act for a department`, { role: principal.role });
    return { role: 'department', id: asDepartment };
  }

  // Callback tasks, SMS and exchange pushes that follow from an action, written in the same transaction.
  private async sideEffects(action: TicketActionName, before: Ticket, after: Ticket, data: Record<string, unknown>, row: TicketRow, actor: Actor, trx: Kysely<Database>): Promise<void> {
    const at = new Date(this.now());
    const caller = row.caller_number ?? '';
    if (action === 'submit_for_dispatch' && caller !== '') {
      await this.effects.enqueueSms({ ticketId: row.id, kind: 'receipt', dedupeKey: `receipt:${row.id}`, to: caller, body: `【甘孜12345】您的诉求已受理，工单号 ${row.ticket_no}，我们将按时办理并回访。` }, trx);
    }
    if (action === 'review_reply' && after.state === 'awaiting_callback') {
      await this.effects.openCallbackRound(row.id, at, trx);
      if (caller !== '') {
        await this.effects.enqueueSms({ ticketId: row.id, kind: 'callback_notice', dedupeKey: `callback:${row.id}:${row.version}`, to: caller, body: `【甘孜12345】工单 ${row.ticket_no} 已办理完毕，近日将有工作人员回访，请留意来电。` }, trx);
      }
    }
    if (action === 'record_callback' && after.satisfaction !== null) {
      const pending = after.flags.dissatisfactionReviewPending;
      await this.effects.updateCallbackTask(row.id, { status: pending ? 'review' : 'done', satisfaction: after.satisfaction, comment: typeof data.comment === 'string' ? data.comment : null, doneBy: actor.id }, trx);
    }
    if (action === 'callback_unreachable') {
      const failed = after.state === 'callback_failed';
      const nextAttemptAt = new Date(at.getTime() + this.settings.callbackPolicy.retryIntervalMinutes * 60_000);
      await this.effects.updateCallbackTask(row.id, { status: failed ? 'failed' : 'pending', attempts: after.callbackAttempts, nextAttemptAt, doneBy: actor.id }, trx);
    }
    if (action === 'review_dissatisfied') await this.effects.updateCallbackTask(row.id, { status: 'done', doneBy: actor.id }, trx);
    if (action === 'transfer_emergency' && data.method === 'push' && data.partnerLine === '110' && before.state === 'intake') {
      await this.effects.enqueuePush({ ticketId: row.id, partnerLine: '110', idempotencyKey: `push:${row.id}`, body: pushBody(row) }, trx);
    }
  }

  /**
   * A ticket's deadline counted from a given time (its acceptance, or now for a reopen or a matter the partner line
   * sent back), with the working calendar loaded once, so that it can be computed inside a ticket change.
   */
  async deadlines(): Promise<(ticket: Pick<Ticket, 'category' | 'urgency'>, from: number) => number> {
    const calendar = await this.calendar.get();
    return (ticket, from) => computeDeadline(ticket.category, ticket.urgency, from, calendar, this.settings.deadlinePolicy);
  }

  /** Queues a push of the ticket to the 110 platform (工单互派), once per ticket. */
  async pushToPartner(id: string, principal: Principal): Promise<TicketRow> {
    const actor = actorOf(principal);
    const { row } = await this.store.change(id, undefined, (r, ticket) => {
      if (r.partner_incident_no !== null) throw new CtiError('CTI_ERR_CONFLICT', `ticket ${id} is already with the 110 platform as ${r.partner_incident_no}`, { id });
      return {
        ticket,
        history: [{ action: 'exchange_push', from: ticket.state, to: ticket.state, actorRole: actor.role, actorId: actor.id, data: { partnerLine: '110' }, at: this.now() }],
        after: async (trx, saved) => void (await this.effects.enqueuePush({ ticketId: saved.id, partnerLine: '110', idempotencyKey: `push:${saved.id}`, body: pushBody(saved) }, trx)),
      };
    });
    return row;
  }
}

/** What 12345 sends the 110 platform about a ticket (docs/domain.md §4: exchanged data). */
export function pushBody(row: TicketRow): Record<string, unknown> {
  return {
    source: '12345',
    destination: '110',
    method: 'push',
    ticketNo: row.ticket_no,
    ticketId: row.id,
    category: row.category,
    urgency: row.urgency,
    callerNumber: row.caller_number,
    address: row.address,
    summary: row.summary,
    content: row.content,
    elements: row.elements,
    handling: row.state,
    recordingRef: row.recording_ref ?? row.source_call_id,
    acceptedAt: row.accepted_at.toISOString(),
  };
}
