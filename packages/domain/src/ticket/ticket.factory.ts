import { CtiError } from '../errors.js';
import { CATEGORIES } from './ticket.model.js';
import type { Category, Ticket, Urgency } from './ticket.model.js';
import { computeDeadline } from './ticket.deadline.js';
import type { DeadlinePolicy } from './ticket.deadline.js';
import type { WorkingCalendar } from './working-calendar.js';

/** What intake knows when a ticket is first saved. */
export interface NewTicketInput {
  readonly id: string;
  readonly category: Category;
  readonly urgency: Urgency;
  readonly callerNumber: string;
  readonly acceptedAt: number;
  readonly linkedCallIds?: readonly string[];
}

/** A fresh ticket in 'intake' with its deadline already set, so no open ticket is ever without one. */
export function createTicket(input: NewTicketInput, calendar: WorkingCalendar, policy: DeadlinePolicy): Ticket {
  if (input.id.trim() === '') throw new CtiError('CTI_ERR_VALIDATION', 'ticket id must be non-empty');
  if (!CATEGORIES.includes(input.category)) throw new CtiError('CTI_ERR_VALIDATION', `unknown category ${String(input.category)}`);
  if (input.urgency !== 'normal' && input.urgency !== 'urgent') throw new CtiError('CTI_ERR_VALIDATION', `unknown urgency ${String(input.urgency)}`);
  return {
    id: input.id,
    state: 'intake',
    category: input.category,
    urgency: input.urgency,
    callerNumber: input.callerNumber,
    acceptedAt: input.acceptedAt,
    deadline: computeDeadline(input.category, input.urgency, input.acceptedAt, calendar, policy),
    closedAt: null,
    leadDepartment: null,
    coHandlers: [],
    replyText: null,
    satisfaction: null,
    callbackAttempts: 0,
    returnCount: 0,
    extensionCount: 0,
    reminderCount: 0,
    parentTicketId: null,
    closeReason: null,
    linkedCallIds: [...(input.linkedCallIds ?? [])],
    flags: { returnRequested: false, extensionRequested: false, dissatisfactionReviewPending: false, supervised: false },
    history: [],
  };
}
