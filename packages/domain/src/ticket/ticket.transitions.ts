import { CtiError } from '../errors.js';
import { isOpenState } from './ticket.model.js';
import type { Actor, ActorRole, Ticket, TicketActionName, TicketFlags, TicketHistoryEntry, TicketState } from './ticket.model.js';
import { TICKET_ACTIONS, TICKET_TRANSITIONS } from './ticket.state-machine.js';
import type { ActionData, TransitionRule } from './ticket.state-machine.js';

/** The outcome of a successful action: the new ticket and the one history line it appended. */
export interface TicketActionResult {
  readonly ticket: Ticket;
  readonly historyEntry: TicketHistoryEntry;
}

function isKnownAction(action: string): action is TicketActionName {
  return Object.prototype.hasOwnProperty.call(TICKET_TRANSITIONS, action);
}

// Returns why the rule cannot run in the ticket's current state/flags, or null; shared with allowedActions.
function stateProblem(rule: TransitionRule, ticket: Ticket): string | null {
  if (!rule.from.includes(ticket.state)) return `not allowed from state ${ticket.state}`;
  if (rule.requiresFlag !== undefined && !ticket.flags[rule.requiresFlag]) return `needs a pending ${rule.requiresFlag}`;
  const blocking = rule.forbidsFlags?.find((flag) => ticket.flags[flag]);
  return blocking === undefined ? null : `blocked while ${blocking} is pending`;
}

function resolveTarget(rule: TransitionRule, ticket: Ticket, data: ActionData): TicketState {
  const target = typeof rule.to === 'string' ? rule.to : rule.to.cases[rule.to.pick(ticket, data)];
  // validate() has already restricted branch keys, so a miss here is a table bug, not bad input.
  if (target === undefined) throw new CtiError('CTI_ERR_VALIDATION', 'action data selects no branch of the transition table');
  return target === 'same' ? ticket.state : target;
}

function recordedData(rule: TransitionRule, data: ActionData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of rule.dataKeys) {
    const value = data[key];
    if (value !== undefined) out[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return out;
}

/**
 * Applies one action to a ticket, returning a new ticket and one history entry; the input is never modified.
 * Throws CtiError CTI_ERR_FORBIDDEN (role or department), CTI_ERR_INVALID_TRANSITION (state/flags),
 * or CTI_ERR_VALIDATION (unknown action, bad data, bad time), checked in that order.
 */
export function applyTicketAction(ticket: Ticket, action: string, actor: Actor, data: ActionData, now: number): TicketActionResult {
  if (!isKnownAction(action)) throw new CtiError('CTI_ERR_VALIDATION', `unknown ticket action ${action}`, { action });
  if (!Number.isFinite(now)) throw new CtiError('CTI_ERR_VALIDATION', 'now must be an epoch millisecond number', { action });
  const rule = TICKET_TRANSITIONS[action];
  const details = { ticketId: ticket.id, action, state: ticket.state, role: actor.role };

  if (!rule.roles.includes(actor.role)) throw new CtiError('CTI_ERR_FORBIDDEN', `role ${actor.role} may not ${action}`, details);
  if (rule.leadDepartmentOnly === true && actor.id !== ticket.leadDepartment) {
    throw new CtiError('CTI_ERR_FORBIDDEN', `only the lead department may ${action}`, details);
  }
  const blocked = stateProblem(rule, ticket);
  if (blocked !== null) throw new CtiError('CTI_ERR_INVALID_TRANSITION', `${action}: ${blocked}`, details);
  const invalid = rule.validate(data, ticket, now);
  if (invalid !== null) throw new CtiError('CTI_ERR_VALIDATION', `${action}: ${invalid}`, details);

  const to = resolveTarget(rule, ticket, data);
  const patch = rule.effect(ticket, data, now);
  const changesState = to !== ticket.state;
  // Pending requests belong to the stage they were raised in, so leaving the state drops them.
  const baseFlags: TicketFlags = changesState
    ? { returnRequested: false, extensionRequested: false, dissatisfactionReviewPending: false, supervised: ticket.flags.supervised }
    : ticket.flags;
  const closedAt = isOpenState(to) ? null : isOpenState(ticket.state) ? now : ticket.closedAt;

  const historyEntry: TicketHistoryEntry = {
    seq: ticket.history.length + 1,
    at: now,
    actor: { role: actor.role, id: actor.id },
    action,
    from: ticket.state,
    to,
    data: recordedData(rule, data),
  };
  const next: Ticket = {
    ...ticket,
    ...patch,
    state: to,
    closedAt,
    flags: { ...baseFlags, ...patch.flags },
    history: [...ticket.history, historyEntry],
  };
  return { ticket: next, historyEntry };
}

/**
 * Actions the role could take on this ticket now, ignoring the data they would need.
 * Department actions are listed for any department; applyTicketAction also checks it is the lead one.
 */
export function allowedActions(ticket: Ticket, role: ActorRole): TicketActionName[] {
  return TICKET_ACTIONS.filter((action) => {
    const rule = TICKET_TRANSITIONS[action];
    return rule.roles.includes(role) && stateProblem(rule, ticket) === null;
  });
}
