import { z } from 'zod';
import {
  CATEGORIES,
  CtiError,
  DEPARTMENT_PROXY_ROLES,
  INTAKE_ROLES,
  PARTNER_LINES,
  PARTNER_TRANSFER_METHODS,
  SATISFACTION_LEVELS,
  STAFF_ROLES,
  SUPERVISING_ROLES,
  TICKET_STATES,
  TICKET_TRANSITIONS,
  deadlineStatus,
  inRoleGroup,
  maskPhone,
  type Role,
  type TicketActionName,
  type TicketState,
  type WarningPolicy,
} from '@cti/domain';
import type { AgentTicketScope, Principal, TicketFilter, TicketHistoryRow, TicketRow } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { calendarDay, pageOffset } from '../http/input.rules.js';
import type { TicketService } from './ticket.service.js';
import { readScopeOf, showsFullNumber, type LiveCallerOf } from './ticket.access.js';
import type { TicketRead } from './ticket-read.audit.js';
import { readerKey, type TicketReadBudget } from './ticket-read.budget.js';

/** Reads tickets (TicketRepository fits). */
export interface TicketReader {
  list(filter: TicketFilter): Promise<{ total: number; items: TicketRow[] }>;
  findById(id: string): Promise<TicketRow | undefined>;
  /** The intake ticket the worker opened from an answered call, or undefined (not stored yet, or not answered). */
  findBySourceCall(linkedId: string): Promise<TicketRow | undefined>;
  /** Of the given ids, those within an agent's read scope. */
  inAgentScope(ids: readonly string[], scope: AgentTicketScope): Promise<Set<string>>;
}

/** Protection of citizens' data on every ticket read: scope by role, audit, and a cap on rows read per token. */
export interface TicketAccess {
  /** Records each read in the audit log (TicketReadAudit fits). */
  audit: { record(read: TicketRead): Promise<void> };
  budget: Pick<TicketReadBudget, 'remaining' | 'charge'>;
  /** The caller on the call connected to an agent now: the agent may read that caller's tickets during the call. */
  liveCallerOf: LiveCallerOf;
  /** The id of the call connected to an agent now (CallService fits); without it a call is known by its ticket only. */
  liveCallIdOf?: (agentId: string) => string | undefined;
}

/** Reads what the engine routes show besides the ticket itself (TicketRepository fits). */
export interface TicketDetailReader extends TicketReader {
  history(id: string): Promise<TicketHistoryRow[]>;
  linkedCallIds(id: string): Promise<string[]>;
  overdue(now: Date, limit: number): Promise<TicketRow[]>;
}

/** How the list computes live warning levels, and how reads are protected. */
export interface TicketListOptions {
  warningPolicy: WarningPolicy;
  now: () => number;
  access: TicketAccess;
  /** The counties a ticket's county is chosen from (CTI_TICKET_COUNTIES; docs/domain.md §17); none = the field is refused. */
  counties?: readonly string[];
}

const isoDate = z.string().datetime({ offset: true }).or(calendarDay);
const ticketId = z.object({ id: z.string().regex(/^\d{1,18}$/, 'id must be a number') });
const text = (max: number) => z.string().trim().min(1).max(max);
const departmentId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'department id: lower-case letters, digits, - and _');
const phone = z.string().regex(/^\+?[0-9][0-9 -]{2,30}$/, 'phone number: digits');
const DEFAULT_WARNING: WarningPolicy = { yellowRemainingFraction: 0.2, yellowWithinHours: 24 };

/** The five elements (五要素): who, when, where, what happened, how it unfolded. */
const elements = z.object({ who: z.string().max(500), when: z.string().max(500), where: z.string().max(500), what: z.string().max(2000), how: z.string().max(4000) }).partial().strict();

/** A ticket's county: one of the configured counties, else a 400 that lists them. */
export function countyField(counties: readonly string[]) {
  return z
    .string()
    .trim()
    .min(1)
    .max(32)
    .refine((v) => counties.includes(v), { message: counties.length ? `county must be one of the configured counties (CTI_TICKET_COUNTIES): ${counties.join(', ')}` : 'no counties are configured (CTI_TICKET_COUNTIES)' });
}

/** Intake fields an agent fills in; all optional on update. */
const intakeFields = {
  category: z.enum(CATEGORIES as unknown as [string, ...string[]]),
  urgency: z.enum(['normal', 'urgent']),
  language: z.enum(['mandarin', 'tibetan']),
  summary: z.string().max(500),
  content: z.string().max(20_000),
  address: z.string().max(500),
  elements,
  suggestedDepartment: departmentId,
  recordingRef: z.string().max(256),
};

/** Data each action takes; strict, so an unknown key is a 400, never silently dropped. */
export const ACTION_DATA: Record<TicketActionName, z.ZodType<Record<string, unknown>>> = {
  direct_answer: z.object({ answerText: text(4000) }).strict(),
  transfer_emergency: z.object({ partnerLine: z.enum(PARTNER_LINES), method: z.enum(PARTNER_TRANSFER_METHODS), partnerIncidentId: text(64).optional() }).strict(),
  submit_for_dispatch: z.object({ suggestedDepartment: departmentId.optional() }).strict(),
  dispatch: z.object({ leadDepartment: departmentId, coHandlers: z.array(departmentId).max(20).optional() }).strict(),
  sign: z.object({}).strict(),
  start: z.object({}).strict(),
  request_return: z.object({ reason: text(2000) }).strict(),
  approve_return: z.object({ reason: text(2000) }).strict(),
  reject_return: z.object({ reason: text(2000) }).strict(),
  request_extension: z.object({ reason: text(2000), requestedDeadline: z.string().datetime({ offset: true }) }).strict(),
  approve_extension: z.object({ newDeadline: z.string().datetime({ offset: true }) }).strict(),
  reject_extension: z.object({ reason: text(2000) }).strict(),
  reply: z.object({ replyText: text(20_000) }).strict(),
  review_reply: z.object({ decision: z.enum(['accept', 'reject']), reason: text(2000).optional() }).strict(),
  record_callback: z.object({ satisfaction: z.enum(SATISFACTION_LEVELS as unknown as [string, ...string[]]), comment: z.string().max(2000).optional() }).strict(),
  callback_unreachable: z.object({ note: z.string().max(2000).optional() }).strict(),
  review_dissatisfied: z.object({ decision: z.enum(['redo', 'close']), reason: text(2000).optional() }).strict(),
  merge_into: z.object({ parentTicketId: z.string().regex(/^\d{1,18}$/) }).strict(),
  reopen: z.object({ relatedCallId: text(128), target: z.enum(['in_progress', 'awaiting_dispatch']) }).strict(),
  // No staff route takes it (partner role only): the 110 inbound feedback `rejected` applies it, deadline computed by the server.
  partner_returned: z.object({ partnerLine: z.enum(PARTNER_LINES), incidentNo: text(64), reason: text(4000).optional() }).strict(),
  supervise: z.object({ note: z.string().max(2000).optional() }).strict(),
  remind: z.object({ note: z.string().max(2000).optional() }).strict(),
};

/** HTTP roles that may request an action: the rule's roles, plus shift leads and managers recording a department's step. */
export function actionRoles(action: TicketActionName): Role[] {
  const rule = TICKET_TRANSITIONS[action];
  const roles = new Set<Role>(rule.roles.filter((r): r is Role => inRoleGroup(STAFF_ROLES, r)));
  // A department's step: its own token (role department), or a supervisor/manager recording it with asDepartment.
  if (rule.roles.includes('department')) (['department', ...DEPARTMENT_PROXY_ROLES] as const).forEach((r) => roles.add(r));
  return [...roles];
}

/** Roles that may read tickets: the staff, and departments (only the tickets they lead or co-handle). */
const READERS = [...STAFF_ROLES, 'department'] as const satisfies readonly Role[];

/**
 * The ticket (404 if none) when the principal's read scope covers it (403 otherwise): a department sees the tickets it
 * leads or co-handles, an agent those of its scope (ticket.access.ts). Counts against the token's read budget.
 */
async function visibleTicket(tickets: Pick<TicketReader, 'findById' | 'inAgentScope'>, id: string, principal: Principal, access: TicketAccess, route: string): Promise<TicketRow> {
  const scope = readScopeOf(principal, access.liveCallerOf);
  access.budget.remaining(readerKey(principal));
  const t = await tickets.findById(id);
  if (!t) throw new CtiError('CTI_ERR_NOT_FOUND', `no ticket ${id}`, { id });
  const denied = () => access.audit.record({ principal, action: 'ticket.denied', route, ticketIds: [t.id] });
  if (scope.kind === 'department' && !(t.department_id === scope.departmentId || t.co_handlers.includes(scope.departmentId))) {
    await denied();
    throw new CtiError('CTI_ERR_FORBIDDEN', `ticket ${t.id} is not with department ${scope.departmentId}`, { id: t.id });
  }
  if (scope.kind === 'agent' && !(await tickets.inAgentScope([t.id], scope.scope)).has(t.id)) {
    await denied();
    throw new CtiError('CTI_ERR_FORBIDDEN', `ticket ${t.id} is not one of yours: agents read the tickets they opened or worked on, of calls they answered, and the current caller's`, { id: t.id });
  }
  access.budget.charge(readerKey(principal), 1);
  return t;
}

/** The list filter part of a principal's scope (a department's own tickets, an agent's scope). */
function scopeFilter(principal: Principal, access: TicketAccess): Pick<TicketFilter, 'agentScope' | 'departmentId'> {
  const scope = readScopeOf(principal, access.liveCallerOf);
  if (scope.kind === 'agent') return { agentScope: scope.scope };
  if (scope.kind === 'department') return { departmentId: scope.departmentId };
  return {};
}

/**
 * A ticket as the API shows it. `full` adds the free-text fields (detail views); the caller's number is masked unless
 * `fullNumber` (a detail view for a role that phones the citizen: ticket.access.ts).
 */
export function presentTicket(t: TicketRow, full: boolean, warning: WarningPolicy = DEFAULT_WARNING, now: number = Date.now(), fullNumber = false) {
  return {
    id: t.id,
    ticketNo: t.ticket_no,
    version: t.version,
    state: t.state,
    source: t.source,
    category: t.category,
    urgency: t.urgency,
    callerNumber: full && fullNumber ? t.caller_number : maskPhone(t.caller_number),
    language: t.language,
    summary: t.summary,
    county: t.county ?? null,
    ...(full && { content: t.content, address: t.address, elements: t.elements, replyText: t.reply_text, closeReason: t.close_reason, recordingRef: t.recording_ref }),
    suggestedDepartment: t.suggested_department,
    departmentId: t.department_id,
    coHandlers: t.co_handlers,
    sourceCallId: t.source_call_id,
    acceptedAt: t.accepted_at,
    deadlineAt: t.deadline_at,
    deadlineStatus: t.deadline_at === null ? 'ok' : deadlineStatus({ state: t.state as TicketState, acceptedAt: t.accepted_at.getTime(), deadline: t.deadline_at.getTime() }, now, warning),
    warningLevel: t.warning_level,
    closedAt: t.closed_at,
    satisfaction: t.satisfaction,
    callbackAttempts: t.callback_attempts,
    returnCount: t.return_count,
    extensionCount: t.extension_count,
    reminderCount: t.reminder_count,
    flags: t.flags,
    parentTicketId: t.parent_ticket_id,
    partner: t.partner_incident_no === null ? null : { line: t.partner_line, incidentNo: t.partner_incident_no, status: t.partner_status, result: t.partner_result, updatedAt: t.partner_updated_at },
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}

/** Ticket search and detail (read side). */
export function registerTicketRoutes(routes: RouteRegistry, tickets: TicketReader, options: TicketListOptions): void {
  const { access } = options;
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets',
    summary: "Search tickets, newest first: state, category, department (lead or co-handler), deadline status, caller, creation date. Agents search their own scope, departments their own tickets; every search is audited",
    roles: READERS,
    query: z.object({
      state: z.enum(TICKET_STATES as unknown as [string, ...string[]]).optional(),
      category: z.enum(CATEGORIES as unknown as [string, ...string[]]).optional(),
      caller: z.string().regex(/^\+?\d{3,20}$/, 'caller must be digits').optional(),
      department: z.string().max(64).optional(),
      deadlineStatus: z.enum(['ok', 'yellow', 'red']).optional(),
      from: isoDate.optional(),
      to: isoDate.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      offset: pageOffset(),
    }),
    handler: async ({ query, principal }) => {
      const now = options.now();
      const scope = scopeFilter(principal, access);
      // A department lists its own tickets only.
      if (scope.departmentId !== undefined && query.department !== undefined && query.department !== scope.departmentId) {
        throw new CtiError('CTI_ERR_FORBIDDEN', `a department token lists its own department's tickets only`, { department: query.department });
      }
      const department = scope.departmentId ?? query.department;
      const left = access.budget.remaining(readerKey(principal));
      const { total, items } = await tickets.list({
        ...(scope.agentScope && { agentScope: scope.agentScope }),
        ...(query.state && { state: query.state }),
        ...(query.category && { category: query.category }),
        ...(query.caller && { callerNumber: query.caller }),
        ...(department && { departmentId: department }),
        ...(query.deadlineStatus && { deadlineStatus: query.deadlineStatus, now: new Date(now), warningPolicy: options.warningPolicy }),
        ...(query.from && { createdFrom: new Date(query.from) }),
        ...(query.to && { createdTo: new Date(query.to) }),
        limit: Math.min(query.limit, left),
        offset: query.offset,
      });
      access.budget.charge(readerKey(principal), items.length);
      await access.audit.record({ principal, action: 'ticket.search', route: 'GET /api/v1/tickets', ticketIds: items.map((t) => t.id), query });
      return { total, items: items.map((t) => presentTicket(t, false, options.warningPolicy, now)) };
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/calls/:linkedId/ticket',
    summary: "The intake ticket opened from an answered call (404 until the worker has stored the call), in the reader's scope; audited like a detail read",
    roles: READERS,
    params: z.object({ linkedId: text(128) }),
    handler: async ({ params, principal }) => {
      const found = await tickets.findBySourceCall(params.linkedId);
      if (!found) throw new CtiError('CTI_ERR_NOT_FOUND', `no ticket opened from call ${params.linkedId} (yet)`, { linkedId: params.linkedId });
      const t = await visibleTicket(tickets, found.id, principal, access, 'GET /api/v1/calls/:linkedId/ticket');
      await access.audit.record({ principal, action: 'ticket.read', route: 'GET /api/v1/calls/:linkedId/ticket', ticketIds: [t.id] });
      return presentTicket(t, true, options.warningPolicy, options.now(), showsFullNumber(principal));
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets/:id',
    summary: "One ticket (audited); the caller's number in full only for supervisors, managers, the callback desk and the handling department",
    roles: READERS,
    params: ticketId,
    handler: async ({ params, principal }) => {
      const t = await visibleTicket(tickets, params.id, principal, access, 'GET /api/v1/tickets/:id');
      await access.audit.record({ principal, action: 'ticket.read', route: 'GET /api/v1/tickets/:id', ticketIds: [t.id] });
      return presentTicket(t, true, options.warningPolicy, options.now(), showsFullNumber(principal));
    },
  });
}

/** Ticket writes (create, edit, act, link, push to 110), history, overdue list and link candidates. */
export function registerTicketEngineRoutes(routes: RouteRegistry, service: TicketService, tickets: TicketDetailReader, options: TicketListOptions): void {
  const { access } = options;
  const counties = options.counties ?? [];
  const county = countyField(counties);
  const show = (t: TicketRow, principal: Principal) => presentTicket(t, true, options.warningPolicy, options.now(), showsFullNumber(principal));
  /**
   * The caller of a call, for a reader who may know it: an agent's own call in progress, or the call's intake ticket
   * in the reader's scope (404 before the worker stored the call, 403 outside the scope).
   */
  const callerOfCall = async (callId: string, ticket: TicketRow | undefined, principal: Principal): Promise<string> => {
    if (principal.agentId && access.liveCallIdOf?.(principal.agentId) === callId) {
      const live = access.liveCallerOf(principal.agentId);
      if (live) return live;
    }
    if (!ticket) throw new CtiError('CTI_ERR_NOT_FOUND', `call ${callId} is not yours in progress and has no ticket (yet)`, { call: callId });
    const t = await visibleTicket(tickets, ticket.id, principal, access, 'GET /api/v1/tickets/link-candidates');
    if (!t.caller_number) throw new CtiError('CTI_ERR_NOT_FOUND', `call ${callId} has no caller number`, { call: callId });
    return t.caller_number;
  };
  routes.add({
    method: 'POST',
    url: '/api/v1/tickets',
    summary: 'Open a ticket by hand with the intake fields; the deadline follows category and urgency',
    roles: INTAKE_ROLES,
    body: z
      .object({
        ...intakeFields,
        county,
        callerNumber: phone,
        summary: text(500),
        content: text(20_000),
        linkedCallIds: z.array(text(128)).max(20).optional(),
      })
      .partial({ language: true, address: true, elements: true, suggestedDepartment: true, recordingRef: true, urgency: true, county: true })
      .strict(),
    handler: async ({ body, principal, reply }) => {
      const row = await service.create({ ...body, category: body.category as never, urgency: body.urgency ?? 'normal' }, principal);
      reply.status(201);
      return show(row, principal);
    },
  });
  routes.add({
    method: 'PATCH',
    url: '/api/v1/tickets/:id',
    summary: 'Edit intake fields of an open ticket (expectedVersion required; 409 when it changed)',
    roles: INTAKE_ROLES,
    params: ticketId,
    body: z
      .object({ expectedVersion: z.number().int().min(1), callerNumber: phone, ...intakeFields, county })
      .partial()
      .required({ expectedVersion: true })
      .strict()
      .refine((b) => Object.keys(b).length > 1, 'give at least one field to change'),
    handler: async ({ params, body, principal }) => {
      const { expectedVersion, ...fields } = body;
      return show(await service.updateFields(params.id, expectedVersion, fields as never, principal), principal);
    },
  });
  for (const action of Object.keys(ACTION_DATA) as TicketActionName[]) {
    const roles = actionRoles(action);
    if (roles.length === 0) continue;
    routes.add({
      method: 'POST',
      url: `/api/v1/tickets/:id/actions/${action}`,
      summary: `Ticket action ${action}: ${TICKET_TRANSITIONS[action].from.join('/')} → ${typeof TICKET_TRANSITIONS[action].to === 'string' ? TICKET_TRANSITIONS[action].to : 'by data'}`,
      roles,
      params: ticketId,
      body: z.object({ expectedVersion: z.number().int().min(1).optional(), asDepartment: departmentId.optional(), data: ACTION_DATA[action] }).strict(),
      handler: async ({ params, body, principal }) => {
        const { row, history } = await service.act(params.id, action, principal, { ...(body.expectedVersion !== undefined && { expectedVersion: body.expectedVersion }), ...(body.asDepartment !== undefined && { asDepartment: body.asDepartment }), data: body.data });
        return { ticket: show(row, principal), history };
      },
    });
  }
  routes.add({
    method: 'POST',
    url: '/api/v1/tickets/:id/calls',
    summary: 'Link another call (and its recording) to the ticket',
    roles: INTAKE_ROLES,
    params: ticketId,
    body: z.object({ linkedId: text(128), expectedVersion: z.number().int().min(1).optional() }).strict(),
    handler: async ({ params, body, principal }) => show(await service.linkCall(params.id, body.linkedId, body.expectedVersion, principal), principal),
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/tickets/:id/exchange/push',
    summary: 'Push the ticket to the 110 platform (工单互派); delivered by the worker with retries',
    roles: INTAKE_ROLES,
    params: ticketId,
    body: z.object({ partnerLine: z.literal('110') }).strict(),
    handler: async ({ params, principal, reply }) => {
      const row = await service.pushToPartner(params.id, principal);
      reply.status(202);
      return show(row, principal);
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets/:id/history',
    summary: "The ticket's history: who, when, action, from, to, data",
    roles: READERS,
    params: ticketId,
    handler: async ({ params, principal }) => {
      await visibleTicket(tickets, params.id, principal, access, 'GET /api/v1/tickets/:id/history');
      await access.audit.record({ principal, action: 'ticket.read', route: 'GET /api/v1/tickets/:id/history', ticketIds: [params.id] });
      const [history, calls] = await Promise.all([tickets.history(params.id), tickets.linkedCallIds(params.id)]);
      return {
        linkedCallIds: calls,
        items: history.map((h) => ({ action: h.action, from: h.from_state, to: h.to_state, actor: { role: h.actor_role, id: h.actor_id }, data: h.data, at: h.at })),
      };
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets/counties',
    summary: "The counties a ticket's county is chosen from at intake, in order (CTI_TICKET_COUNTIES; Ganzi's 18 counties and county-level cities by default)",
    roles: READERS,
    handler: async () => ({ items: [...counties] }),
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets/overdue',
    summary: "Open tickets past their deadline, most overdue first (the shift lead's list)",
    roles: SUPERVISING_ROLES,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(200) }),
    handler: async ({ query, principal }) => {
      const items = await tickets.overdue(new Date(options.now()), Math.min(query.limit, access.budget.remaining(readerKey(principal))));
      access.budget.charge(readerKey(principal), items.length);
      await access.audit.record({ principal, action: 'ticket.search', route: 'GET /api/v1/tickets/overdue', ticketIds: items.map((t) => t.id), query });
      return { total: items.length, items: items.map((t) => presentTicket(t, false, options.warningPolicy, options.now())) };
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets/link-candidates',
    summary:
      "Open tickets of the same caller, to offer linking or merging a new call (an agent's own scope only; audited). By `caller` (digits), or by `call`: the agent's call in progress, or a call whose intake ticket the reader may read (a desk shows only masked numbers); that intake ticket itself is left out, and while it is still in intake the agent sees the caller's open tickets as during the call",
    roles: INTAKE_ROLES,
    query: z.object({ caller: phone.optional(), call: text(128).optional() }),
    handler: async ({ query, principal }) => {
      if ((query.caller === undefined) === (query.call === undefined)) throw new CtiError('CTI_ERR_VALIDATION', 'give exactly one of caller, call', { given: Object.keys(query) });
      const scope = readScopeOf(principal, access.liveCallerOf);
      const left = access.budget.remaining(readerKey(principal));
      const own = query.call === undefined ? undefined : await tickets.findBySourceCall(query.call);
      const caller = query.caller ?? (await callerOfCall(query.call as string, own, principal));
      let found = (await service.linkCandidates(caller)).filter((t) => t.id !== own?.id);
      if (scope.kind === 'agent') {
        // Filing the intake of a call they answered (its ticket still in intake) is part of that call: the agent sees
        // the caller's open tickets to merge with, as during the call.
        const filing = query.call !== undefined && own?.state === 'intake';
        const mine = await tickets.inAgentScope(found.map((t) => t.id), filing ? { ...scope.scope, liveCaller: caller } : scope.scope);
        found = found.filter((t) => mine.has(t.id));
      }
      found = found.slice(0, left);
      access.budget.charge(readerKey(principal), found.length);
      await access.audit.record({ principal, action: 'ticket.search', route: 'GET /api/v1/tickets/link-candidates', ticketIds: found.map((t) => t.id), query });
      return { items: found.map((t) => presentTicket(t, false, options.warningPolicy, options.now())) };
    },
  });
}
