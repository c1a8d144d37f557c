// Shared test fixtures. Named *.test.ts so tsc's build excludes it while vitest (which runs *.spec.ts) does not run it.
import { CHINA_2026_CALENDAR_DATA } from './china-2026.calendar.js';
import { createTicket } from './ticket.factory.js';
import type { NewTicketInput } from './ticket.factory.js';
import { SICHUAN_DEADLINE_POLICY } from './ticket.deadline.js';
import type { Actor, Ticket, TicketActionName } from './ticket.model.js';
import { TICKET_TRANSITIONS } from './ticket.state-machine.js';
import type { ActionData } from './ticket.state-machine.js';
import { applyTicketAction } from './ticket.transitions.js';
import { createWorkingCalendar } from './working-calendar.js';

export const calendar2026 = createWorkingCalendar(CHINA_2026_CALENDAR_DATA);
export const policy = SICHUAN_DEADLINE_POLICY;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Epoch ms for a Beijing wall-clock time, e.g. bj('2026-09-30T10:00'). */
export function bj(local: string): number {
  return Date.parse(`${local}+08:00`);
}

export const T0 = bj('2026-09-14T10:00');

export function newTicket(overrides: Partial<NewTicketInput> = {}): Ticket {
  return createTicket(
    { id: 'T-1', category: 'complaint', urgency: 'normal', callerNumber: '13800000000', acceptedAt: T0, ...overrides },
    calendar2026,
    policy,
  );
}

/** Data that satisfies each action's validation for this ticket at this time. */
export function validData(action: TicketActionName, ticket: Ticket, now: number): ActionData {
  switch (action) {
    case 'direct_answer':
      return { answerText: '已电话解答办理流程' };
    case 'transfer_emergency':
      return { partnerLine: '110', method: 'transfer' };
    case 'submit_for_dispatch':
      return { suggestedDepartment: 'dept-a' };
    case 'dispatch':
      return { leadDepartment: 'dept-a', coHandlers: ['dept-b'] };
    case 'request_return':
    case 'approve_return':
    case 'reject_return':
    case 'reject_extension':
      return { reason: '职责不符' };
    case 'request_extension':
      return { reason: '需现场勘查', requestedDeadline: ticket.deadline + 5 * DAY };
    case 'approve_extension':
      return { newDeadline: Math.max(ticket.deadline, now) + 5 * DAY };
    case 'reply':
      return { replyText: '已安排维修' };
    case 'review_reply':
      return { decision: 'accept' };
    case 'record_callback':
      return { satisfaction: 'satisfied' };
    case 'callback_unreachable':
      return { maxAttempts: 3 };
    case 'review_dissatisfied':
      return { decision: 'redo' };
    case 'merge_into':
      return { parentTicketId: 'T-parent' };
    case 'reopen':
      return { relatedCallId: 'call-9', target: 'awaiting_dispatch', deadline: now + 3 * DAY };
    case 'partner_returned':
      return { partnerLine: '110', incidentNo: 'JJ-2026-0001', reason: '非公安职责', deadline: now + 3 * DAY };
    case 'sign':
    case 'start':
    case 'supervise':
    case 'remind':
      return {};
  }
}

/** An actor allowed to take the action on this ticket (the lead department for department actions). */
export function validActor(action: TicketActionName, ticket: Ticket): Actor {
  const role = TICKET_TRANSITIONS[action].roles[0] ?? 'admin';
  return { role, id: role === 'department' ? (ticket.leadDepartment ?? 'dept-a') : `${role}-1` };
}

/** A step of a scripted path: the action plus optional data overriding validData. */
export type Step = TicketActionName | readonly [TicketActionName, ActionData];

/** Runs steps one hour apart with valid actors; throws if any step is rejected. */
export function drive(ticket: Ticket, steps: readonly Step[], start = T0 + HOUR): Ticket {
  let t = ticket;
  steps.forEach((step, i) => {
    const [action, data] = typeof step === 'string' ? [step, undefined] : step;
    const now = start + i * HOUR;
    t = applyTicketAction(t, action, validActor(action, t), data ?? validData(action, t, now), now).ticket;
  });
  return t;
}

/** Scripted paths from intake to each reachable situation. */
export const PATHS = {
  intake: [] as Step[],
  awaiting_dispatch: ['submit_for_dispatch'] as Step[],
  dispatched: ['submit_for_dispatch', 'dispatch'] as Step[],
  signed: ['submit_for_dispatch', 'dispatch', 'sign'] as Step[],
  in_progress: ['submit_for_dispatch', 'dispatch', 'sign', 'start'] as Step[],
  replied: ['submit_for_dispatch', 'dispatch', 'sign', 'start', 'reply'] as Step[],
  awaiting_callback: ['submit_for_dispatch', 'dispatch', 'sign', 'start', 'reply', 'review_reply'] as Step[],
  closed: ['submit_for_dispatch', 'dispatch', 'sign', 'start', 'reply', 'review_reply', 'record_callback'] as Step[],
  dissatisfied: ['submit_for_dispatch', 'dispatch', 'sign', 'start', 'reply', 'review_reply', ['record_callback', { satisfaction: 'dissatisfied' }]] as Step[],
  returnRequested: ['submit_for_dispatch', 'dispatch', 'request_return'] as Step[],
  transferred_emergency: ['transfer_emergency'] as Step[],
  extensionRequested: ['submit_for_dispatch', 'dispatch', 'sign', 'start', 'request_extension'] as Step[],
};

/** A deep copy for "nothing changed" assertions. */
export function snapshot<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
