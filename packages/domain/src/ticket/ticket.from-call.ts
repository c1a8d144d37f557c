import type { CallRecord } from '../call/call-record.js';
import type { Category, Ticket, TicketState, Urgency } from './ticket.model.js';
import { createTicket } from './ticket.factory.js';
import type { DeadlinePolicy } from './ticket.deadline.js';
import type { WorkingCalendar } from './working-calendar.js';

/**
 * The classification an intake ticket opened from a call runs on until the agent classifies it: the shortest
 * normal limit (consultation, docs/domain.md §3), so an unclassified ticket is never late because of its category.
 */
export const CALL_INTAKE_CLASSIFICATION: { readonly category: Category; readonly urgency: Urgency } = { category: 'consultation', urgency: 'normal' };

/** History action of the first line of a ticket opened from a call. */
export const OPEN_FROM_CALL_ACTION = 'open_from_call';

/** The part of a call record that opening its ticket reads (a CallRecord fits). */
export type CallForTicket = Pick<CallRecord, 'linkedId' | 'callerNumber' | 'language' | 'outcome' | 'answeredAt' | 'endedAt' | 'agentId'>;

/** The first history line of a ticket opened from a call: by the system, for the agent who answered. */
export interface CallTicketHistoryLine {
  readonly action: typeof OPEN_FROM_CALL_ACTION;
  readonly from: null;
  readonly to: TicketState;
  readonly actorRole: 'system';
  /** The agent who answered the call, when known. */
  readonly actorId: string | null;
  readonly data: { readonly linkedId: string };
}

/** A new ticket for an answered call, as the ticket rules define it, with what the call adds. */
export interface CallTicketOpening {
  /**
   * The new ticket (`createTicket`): state 'intake', its deadline set, the call linked. Its category and urgency are
   * CALL_INTAKE_CLASSIFICATION's, which the deadline was computed with; the ticket is stored as unclassified
   * (category unset) until the agent classifies it. Its id is 'new' until the store numbers it.
   */
  readonly ticket: Ticket;
  /** The call the ticket was opened from (its linkedid): one ticket per call. */
  readonly sourceCallId: string;
  /** The language the call was in. */
  readonly language: CallRecord['language'];
  /** Who opened it: the agent who answered, when known. */
  readonly createdBy: string | null;
  readonly history: CallTicketHistoryLine;
}

/** Whether a finished call opens a ticket: only an answered call does. */
export function opensTicket(call: Pick<CallRecord, 'outcome'>): boolean {
  return call.outcome === 'answered';
}

/**
 * The intake ticket of an answered call (docs/domain.md §3), accepted when the agent answered (or, without an answer
 * time, when the call ended); null for a call that was not answered. The same rules as a ticket opened by hand
 * (`createTicket`) on the calendar and deadline policy in force.
 */
export function openTicketFromCall(call: CallForTicket, calendar: WorkingCalendar, policy: DeadlinePolicy): CallTicketOpening | null {
  if (!opensTicket(call)) return null;
  const ticket = createTicket(
    {
      id: 'new',
      ...CALL_INTAKE_CLASSIFICATION,
      callerNumber: call.callerNumber,
      acceptedAt: call.answeredAt ?? call.endedAt,
      linkedCallIds: [call.linkedId],
    },
    calendar,
    policy,
  );
  const createdBy = call.agentId ?? null;
  return {
    ticket,
    sourceCallId: call.linkedId,
    language: call.language,
    createdBy,
    history: { action: OPEN_FROM_CALL_ACTION, from: null, to: ticket.state, actorRole: 'system', actorId: createdBy, data: { linkedId: call.linkedId } },
  };
}
