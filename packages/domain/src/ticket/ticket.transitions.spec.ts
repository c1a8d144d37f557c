import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { DAY, HOUR, PATHS, T0, drive, newTicket, snapshot, validActor, validData } from './ticket.fixtures.test.js';
import type { Step } from './ticket.fixtures.test.js';
import { ACTOR_ROLES } from './ticket.model.js';
import type { Actor, Ticket, TicketActionName, TicketState } from './ticket.model.js';
import { TICKET_ACTIONS, TICKET_TRANSITIONS } from './ticket.state-machine.js';
import type { ActionData } from './ticket.state-machine.js';
import { applyTicketAction, allowedActions } from './ticket.transitions.js';
import { deadlineStatus, DEFAULT_WARNING_POLICY } from './ticket.warning.js';

const NOW = T0 + 30 * HOUR;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CtiError) return e.code;
    throw e;
  }
  throw new Error('expected a CtiError');
}

function expectRejectedUnchanged(ticket: Ticket, action: string, actor: Actor, data: ActionData, code: string): void {
  const before = snapshot(ticket);
  expect(codeOf(() => applyTicketAction(ticket, action, actor, data, NOW))).toBe(code);
  expect(ticket).toEqual(before);
}

interface Case {
  action: TicketActionName;
  setup: Step[];
  to: TicketState;
  /** A path to a state (or flag situation) this action is not allowed from. */
  wrongState: Step[];
  /** Data with a required field missing or broken; absent when the action needs no data. */
  badData?: ActionData;
}

const CASES: Case[] = [
  { action: 'direct_answer', setup: PATHS.intake, to: 'direct_answered', wrongState: PATHS.awaiting_dispatch, badData: {} },
  { action: 'transfer_emergency', setup: PATHS.intake, to: 'transferred_emergency', wrongState: PATHS.dispatched, badData: { partnerLine: '999', method: 'transfer' } },
  { action: 'submit_for_dispatch', setup: PATHS.intake, to: 'awaiting_dispatch', wrongState: PATHS.awaiting_dispatch, badData: { suggestedDepartment: '' } },
  { action: 'dispatch', setup: PATHS.awaiting_dispatch, to: 'dispatched', wrongState: PATHS.intake, badData: { coHandlers: ['dept-b'] } },
  { action: 'sign', setup: PATHS.dispatched, to: 'signed', wrongState: PATHS.in_progress },
  { action: 'start', setup: PATHS.signed, to: 'in_progress', wrongState: PATHS.dispatched },
  { action: 'request_return', setup: PATHS.dispatched, to: 'dispatched', wrongState: PATHS.returnRequested, badData: { reason: ' ' } },
  { action: 'approve_return', setup: PATHS.returnRequested, to: 'awaiting_dispatch', wrongState: PATHS.dispatched, badData: {} },
  { action: 'reject_return', setup: PATHS.returnRequested, to: 'dispatched', wrongState: PATHS.signed, badData: {} },
  { action: 'request_extension', setup: PATHS.in_progress, to: 'in_progress', wrongState: PATHS.extensionRequested, badData: { reason: 'x', requestedDeadline: 0 } },
  { action: 'approve_extension', setup: PATHS.extensionRequested, to: 'in_progress', wrongState: PATHS.in_progress, badData: { newDeadline: 'soon' } },
  { action: 'reject_extension', setup: PATHS.extensionRequested, to: 'in_progress', wrongState: PATHS.in_progress, badData: {} },
  { action: 'reply', setup: PATHS.in_progress, to: 'replied', wrongState: PATHS.signed, badData: { replyText: '' } },
  { action: 'review_reply', setup: PATHS.replied, to: 'awaiting_callback', wrongState: PATHS.in_progress, badData: { decision: 'reject' } },
  { action: 'record_callback', setup: PATHS.awaiting_callback, to: 'closed', wrongState: PATHS.dissatisfied, badData: { satisfaction: 'meh' } },
  { action: 'callback_unreachable', setup: PATHS.awaiting_callback, to: 'awaiting_callback', wrongState: PATHS.replied, badData: { maxAttempts: 0 } },
  { action: 'review_dissatisfied', setup: PATHS.dissatisfied, to: 'in_progress', wrongState: PATHS.awaiting_callback, badData: { decision: 'close' } },
  { action: 'merge_into', setup: PATHS.intake, to: 'merged', wrongState: PATHS.in_progress, badData: { parentTicketId: 'T-1' } },
  { action: 'reopen', setup: PATHS.closed, to: 'awaiting_dispatch', wrongState: PATHS.in_progress, badData: { relatedCallId: 'c', target: 'awaiting_dispatch', deadline: 0 } },
  { action: 'partner_returned', setup: PATHS.transferred_emergency, to: 'awaiting_dispatch', wrongState: PATHS.closed, badData: { partnerLine: '110', incidentNo: 'JJ-1', deadline: 0 } },
  { action: 'supervise', setup: PATHS.in_progress, to: 'in_progress', wrongState: PATHS.intake },
  { action: 'remind', setup: PATHS.dispatched, to: 'dispatched', wrongState: PATHS.replied },
];

describe('transition table coverage', () => {
  it('has one unit-test case for every action in the table', () => {
    expect(CASES.map((c) => c.action).sort()).toEqual([...TICKET_ACTIONS].sort());
  });
});

describe.each(CASES)('$action', ({ action, setup, to, wrongState, badData }) => {
  const rule = TICKET_TRANSITIONS[action];

  it(`moves an allowed actor's ticket to ${to} and appends exactly one matching history entry`, () => {
    const ticket = drive(newTicket(), setup);
    const before = snapshot(ticket);
    const actor = validActor(action, ticket);
    const data = validData(action, ticket, NOW);
    const { ticket: next, historyEntry } = applyTicketAction(ticket, action, actor, data, NOW);
    expect(next.state).toBe(to);
    expect(next.history).toHaveLength(ticket.history.length + 1);
    expect(next.history.at(-1)).toEqual(historyEntry);
    expect(historyEntry).toMatchObject({ action, from: ticket.state, to, at: NOW, actor, seq: ticket.history.length + 1 });
    expect(ticket).toEqual(before);
  });

  it(`is FORBIDDEN for every role outside [${rule.roles.join(', ')}] and changes nothing`, () => {
    const ticket = drive(newTicket(), setup);
    const data = validData(action, ticket, NOW);
    for (const role of ACTOR_ROLES.filter((r) => !rule.roles.includes(r))) {
      expectRejectedUnchanged(ticket, action, { role, id: role === 'department' ? 'dept-a' : `${role}-1` }, data, 'CTI_ERR_FORBIDDEN');
    }
  });

  it('is an INVALID_TRANSITION from a state or flag situation outside its rule and changes nothing', () => {
    const ticket = drive(newTicket(), wrongState);
    expectRejectedUnchanged(ticket, action, validActor(action, ticket), validData(action, ticket, NOW), 'CTI_ERR_INVALID_TRANSITION');
  });

  if (badData !== undefined) {
    it('is a VALIDATION error when required data is missing or malformed and changes nothing', () => {
      const ticket = drive(newTicket(), setup);
      expectRejectedUnchanged(ticket, action, validActor(action, ticket), badData, 'CTI_ERR_VALIDATION');
    });
  }
});

describe('applyTicketAction specifics', () => {
  it('rejects an unknown action name as VALIDATION', () => {
    expectRejectedUnchanged(newTicket(), 'teleport', { role: 'admin', id: 'a' }, {}, 'CTI_ERR_VALIDATION');
  });

  it('forbids a department that is not the lead department from signing, even with the department role', () => {
    const ticket = drive(newTicket(), PATHS.dispatched);
    expectRejectedUnchanged(ticket, 'sign', { role: 'department', id: 'dept-b' }, {}, 'CTI_ERR_FORBIDDEN');
  });

  it('records only the data keys the rule declares, copying arrays so later mutation cannot rewrite history', () => {
    const ticket = drive(newTicket(), PATHS.awaiting_dispatch);
    const coHandlers = ['dept-b'];
    const { historyEntry, ticket: next } = applyTicketAction(ticket, 'dispatch', validActor('dispatch', ticket), { leadDepartment: 'dept-a', coHandlers, secret: 'x' }, NOW);
    coHandlers.push('dept-c');
    expect(historyEntry.data).toEqual({ leadDepartment: 'dept-a', coHandlers: ['dept-b'] });
    expect(next.coHandlers).toEqual(['dept-b']);
  });

  it('rejects a dispatch that lists the lead department among the co-handlers', () => {
    const ticket = drive(newTicket(), PATHS.awaiting_dispatch);
    expectRejectedUnchanged(ticket, 'dispatch', validActor('dispatch', ticket), { leadDepartment: 'dept-a', coHandlers: ['dept-a'] }, 'CTI_ERR_VALIDATION');
  });

  it('reject_return sends a signed ticket back to signed, the unit’s previous state, and clears the request', () => {
    const ticket = drive(newTicket(), ['submit_for_dispatch', 'dispatch', 'sign', 'request_return', 'reject_return']);
    expect(ticket.state).toBe('signed');
    expect(ticket.flags.returnRequested).toBe(false);
  });

  it('blocks signing while a return request is pending', () => {
    const ticket = drive(newTicket(), PATHS.returnRequested);
    expectRejectedUnchanged(ticket, 'sign', { role: 'department', id: 'dept-a' }, {}, 'CTI_ERR_INVALID_TRANSITION');
  });

  it('approve_return clears the departments, counts the return, and allows re-dispatch to another unit', () => {
    const returned = drive(newTicket(), [...PATHS.returnRequested, 'approve_return']);
    expect(returned).toMatchObject({ state: 'awaiting_dispatch', leadDepartment: null, coHandlers: [], returnCount: 1 });
    expect(returned.flags.returnRequested).toBe(false);
    const redispatched = drive(returned, [['dispatch', { leadDepartment: 'dept-c' }]]);
    expect(redispatched).toMatchObject({ state: 'dispatched', leadDepartment: 'dept-c', coHandlers: [] });
  });

  it('approve_extension moves the deadline, so a ticket that was red becomes ok again', () => {
    const ticket = drive(newTicket(), PATHS.extensionRequested);
    const late = ticket.deadline + HOUR;
    expect(deadlineStatus(ticket, late, DEFAULT_WARNING_POLICY)).toBe('red');
    const newDeadline = ticket.deadline + 20 * DAY;
    const { ticket: extended } = applyTicketAction(ticket, 'approve_extension', { role: 'supervisor', id: 's' }, { newDeadline }, late);
    expect(extended).toMatchObject({ deadline: newDeadline, extensionCount: 1 });
    expect(extended.flags.extensionRequested).toBe(false);
    expect(deadlineStatus(extended, late, DEFAULT_WARNING_POLICY)).toBe('ok');
  });

  it('rejects an extension that would not move the deadline later', () => {
    const ticket = drive(newTicket(), PATHS.extensionRequested);
    expectRejectedUnchanged(ticket, 'approve_extension', { role: 'manager', id: 'm' }, { newDeadline: ticket.deadline }, 'CTI_ERR_VALIDATION');
  });

  it('review_reply reject with a reason sends the ticket back to in_progress and drops the reply', () => {
    const ticket = drive(newTicket(), [...PATHS.replied, ['review_reply', { decision: 'reject', reason: '答复不完整' }]]);
    expect(ticket).toMatchObject({ state: 'in_progress', replyText: null });
  });

  it('a dissatisfied callback keeps the ticket awaiting callback with a review pending and blocks another callback', () => {
    const ticket = drive(newTicket(), PATHS.dissatisfied);
    expect(ticket).toMatchObject({ state: 'awaiting_callback', satisfaction: 'dissatisfied', closedAt: null });
    expect(ticket.flags.dissatisfactionReviewPending).toBe(true);
    expectRejectedUnchanged(ticket, 'record_callback', { role: 'callback', id: 'c' }, { satisfaction: 'satisfied' }, 'CTI_ERR_INVALID_TRANSITION');
    expect(allowedActions(ticket, 'supervisor')).toContain('review_dissatisfied');
  });

  it('review_dissatisfied close with a reason closes the ticket and keeps the reason', () => {
    const ticket = drive(newTicket(), [...PATHS.dissatisfied, ['review_dissatisfied', { decision: 'close', reason: '诉求不合理,已解释' }]]);
    expect(ticket).toMatchObject({ state: 'closed', closeReason: '诉求不合理,已解释' });
    expect(ticket.closedAt).not.toBeNull();
  });

  it('review_dissatisfied redo sends the ticket back to the same department for rework', () => {
    const ticket = drive(newTicket(), [...PATHS.dissatisfied, 'review_dissatisfied']);
    expect(ticket).toMatchObject({ state: 'in_progress', leadDepartment: 'dept-a', satisfaction: null, replyText: null });
    expect(ticket.flags.dissatisfactionReviewPending).toBe(false);
  });

  it('closes as callback_failed on the maxAttempts-th unreachable attempt, not before', () => {
    const twice = drive(newTicket(), [...PATHS.awaiting_callback, 'callback_unreachable', 'callback_unreachable']);
    expect(twice).toMatchObject({ state: 'awaiting_callback', callbackAttempts: 2, closedAt: null });
    const thrice = drive(twice, ['callback_unreachable'], T0 + 100 * HOUR);
    expect(thrice).toMatchObject({ state: 'callback_failed', callbackAttempts: 3, closedAt: T0 + 100 * HOUR });
  });

  it('reopens a closed ticket straight to in_progress with the same department, a new deadline and the linked call', () => {
    const closed = drive(newTicket(), PATHS.closed);
    const deadline = NOW + 7 * DAY;
    const { ticket } = applyTicketAction(closed, 'reopen', { role: 'agent', id: 'a' }, { relatedCallId: 'call-77', target: 'in_progress', deadline }, NOW);
    expect(ticket).toMatchObject({ state: 'in_progress', leadDepartment: 'dept-a', deadline, closedAt: null, satisfaction: null });
    expect(ticket.linkedCallIds).toContain('call-77');
  });

  it('refuses to reopen straight to in_progress a ticket that never had a department', () => {
    const failed = { ...drive(newTicket(), PATHS.closed), leadDepartment: null };
    expectRejectedUnchanged(failed, 'reopen', { role: 'agent', id: 'a' }, { relatedCallId: 'c', target: 'in_progress', deadline: NOW + DAY }, 'CTI_ERR_VALIDATION');
  });

  it('merge_into records the parent and finishes the child', () => {
    const { ticket } = applyTicketAction(newTicket(), 'merge_into', { role: 'agent', id: 'a' }, { parentTicketId: 'T-0' }, NOW);
    expect(ticket).toMatchObject({ state: 'merged', parentTicketId: 'T-0', closedAt: NOW });
  });

  it('supervise and remind are flag events: state unchanged, a history entry with from == to, flag or counter raised', () => {
    const ticket = drive(newTicket(), [...PATHS.dispatched, 'supervise', 'remind', 'remind']);
    expect(ticket.state).toBe('dispatched');
    expect(ticket.flags.supervised).toBe(true);
    expect(ticket.reminderCount).toBe(2);
    expect(ticket.history.slice(-3).every((h) => h.from === 'dispatched' && h.to === 'dispatched')).toBe(true);
  });

  it('leaving a state drops a pending extension request that belonged to it', () => {
    const ticket = drive(newTicket(), [...PATHS.extensionRequested, 'reply']);
    expect(ticket.state).toBe('replied');
    expect(ticket.flags.extensionRequested).toBe(false);
  });
});

describe('allowedActions', () => {
  it('offers intake actions to an agent on a fresh ticket', () => {
    expect(allowedActions(newTicket(), 'agent').sort()).toEqual(['direct_answer', 'merge_into', 'submit_for_dispatch', 'transfer_emergency']);
  });

  it('offers a department sign or return on a dispatched ticket, and nothing to a partner', () => {
    const ticket = drive(newTicket(), PATHS.dispatched);
    expect(allowedActions(ticket, 'department').sort()).toEqual(['request_return', 'sign']);
    expect(allowedActions(ticket, 'partner')).toEqual([]);
  });

  it('lists only actions that applyTicketAction accepts with valid data', () => {
    for (const path of Object.values(PATHS)) {
      const ticket = drive(newTicket(), path);
      for (const role of ACTOR_ROLES) {
        for (const action of TICKET_ACTIONS) {
          const actor = { role, id: role === 'department' ? 'dept-a' : role };
          let accepted = true;
          try {
            applyTicketAction(ticket, action, actor, validData(action, ticket, NOW), NOW);
          } catch {
            accepted = false;
          }
          expect(allowedActions(ticket, role).includes(action), `${role} ${action} from ${ticket.state}`).toBe(accepted);
        }
      }
    }
  });
});
