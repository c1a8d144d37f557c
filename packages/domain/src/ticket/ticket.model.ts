import { ROLES, type Role } from '../staff/roles.js';

/** Lifecycle states of a 12345 ticket (工单); docs/domain.md §3. */
export type TicketState =
  | 'intake'
  | 'direct_answered'
  | 'transferred_emergency'
  | 'awaiting_dispatch'
  | 'dispatched'
  | 'signed'
  | 'in_progress'
  | 'replied'
  | 'reply_reviewed'
  | 'awaiting_callback'
  | 'closed'
  | 'callback_failed'
  | 'merged';

/** Every ticket state, in lifecycle order. */
export const TICKET_STATES: readonly TicketState[] = [
  'intake',
  'direct_answered',
  'transferred_emergency',
  'awaiting_dispatch',
  'dispatched',
  'signed',
  'in_progress',
  'replied',
  'reply_reviewed',
  'awaiting_callback',
  'closed',
  'callback_failed',
  'merged',
];

/**
 * States in which the ticket is finished for deadline and warning purposes.
 * 'closed' and 'callback_failed' can still be reopened by a related call.
 */
export const TERMINAL_STATES: ReadonlySet<TicketState> = new Set<TicketState>([
  'direct_answered',
  'transferred_emergency',
  'closed',
  'callback_failed',
  'merged',
]);

/** True while the ticket is still being worked on and its deadline matters. */
export function isOpenState(state: TicketState): boolean {
  return !TERMINAL_STATES.has(state);
}

/** Ticket category (咨询/求助/投诉/举报/建议/表扬/其他). */
export type Category = 'consultation' | 'help' | 'complaint' | 'report' | 'suggestion' | 'praise' | 'other';

/** Every category. */
export const CATEGORIES: readonly Category[] = ['consultation', 'help', 'complaint', 'report', 'suggestion', 'praise', 'other'];

/** Urgency chosen at intake; urgent matters run on clock hours, not working days. */
export type Urgency = 'normal' | 'urgent';

/** Who acts on a ticket: a role (ROLES; 'department' is a handling unit, 承办单位), or 'system' for automation. */
export type ActorRole = Role | 'system';

/** Every actor role. */
export const ACTOR_ROLES: readonly ActorRole[] = [...ROLES, 'system'];

/** The person or unit performing an action; for 'department' the id is the department id. */
export interface Actor {
  readonly role: ActorRole;
  readonly id: string;
}

/** Five-level callback satisfaction scale (非常满意 … 非常不满意); the KPI engine imports it from here. */
export type SatisfactionLevel = 'very_satisfied' | 'satisfied' | 'basically_satisfied' | 'dissatisfied' | 'very_dissatisfied';

/** Side flags that do not change the state but gate what may happen next. */
export interface TicketFlags {
  /** A department asked to hand the ticket back (退单) and a supervisor has not yet decided. */
  readonly returnRequested: boolean;
  /** A department asked for more time (延期) and nobody has decided yet. */
  readonly extensionRequested: boolean;
  /** A dissatisfied callback awaits a supervisor's redo-or-close decision. */
  readonly dissatisfactionReviewPending: boolean;
  /** The ticket is under supervision (督办); stays set once raised. */
  readonly supervised: boolean;
}

/** One immutable line of the audit trail: who did what, when, and the state before and after. */
export interface TicketHistoryEntry {
  readonly seq: number;
  readonly at: number;
  readonly actor: Actor;
  readonly action: TicketActionName;
  readonly from: TicketState;
  readonly to: TicketState;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The rule-relevant part of a ticket; free text and personal details beyond the caller number live in the DB row. */
export interface Ticket {
  readonly id: string;
  readonly state: TicketState;
  readonly category: Category;
  readonly urgency: Urgency;
  /** Caller number as given; compare with normalizeCallerNumber. */
  readonly callerNumber: string;
  /** Epoch ms when the centre accepted the matter; deadlines count from here. */
  readonly acceptedAt: number;
  /** Epoch ms by which the matter must be closed; moved by an approved extension or a reopen. */
  readonly deadline: number;
  /** Epoch ms the ticket last entered a terminal state, null while open. */
  readonly closedAt: number | null;
  readonly leadDepartment: string | null;
  readonly coHandlers: readonly string[];
  readonly replyText: string | null;
  readonly satisfaction: SatisfactionLevel | null;
  /** Failed callback attempts in the current callback round. */
  readonly callbackAttempts: number;
  /** Approved returns; feeds the first-dispatch accuracy KPI. */
  readonly returnCount: number;
  readonly extensionCount: number;
  readonly reminderCount: number;
  readonly parentTicketId: string | null;
  readonly closeReason: string | null;
  readonly linkedCallIds: readonly string[];
  readonly flags: TicketFlags;
  readonly history: readonly TicketHistoryEntry[];
}

/** Every action name the transition table knows. */
export type TicketActionName =
  | 'direct_answer'
  | 'transfer_emergency'
  | 'submit_for_dispatch'
  | 'dispatch'
  | 'sign'
  | 'start'
  | 'request_return'
  | 'approve_return'
  | 'reject_return'
  | 'request_extension'
  | 'approve_extension'
  | 'reject_extension'
  | 'reply'
  | 'review_reply'
  | 'record_callback'
  | 'callback_unreachable'
  | 'review_dissatisfied'
  | 'merge_into'
  | 'reopen'
  | 'partner_returned'
  | 'supervise'
  | 'remind';
