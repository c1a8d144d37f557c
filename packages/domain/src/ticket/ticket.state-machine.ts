import { PARTNER_LINES } from '../call/partner-lines.js';
import type { ActorRole, SatisfactionLevel, Ticket, TicketActionName, TicketFlags, TicketState } from './ticket.model.js';

/** Caller-supplied payload of an action; checked by the rule's validate before anything changes. */
export type ActionData = Readonly<Record<string, unknown>>;

/** Fields an action may change besides state, closedAt and history (which applyTicketAction owns). */
export type TicketPatch = Partial<Omit<Ticket, 'id' | 'state' | 'closedAt' | 'history' | 'flags'>> & {
  readonly flags?: Partial<TicketFlags>;
};

/** Names of the boolean side flags a rule can require or forbid. */
export type FlagName = keyof TicketFlags;

/** Where a rule leads: a fixed state, the same state (a flag event), or a branch picked from the data. */
export type TransitionTarget =
  | TicketState
  | 'same'
  | {
      /** Human description of what decides the branch; shown in the README table. */
      readonly by: string;
      readonly pick: (ticket: Ticket, data: ActionData) => string;
      readonly cases: Readonly<Record<string, TicketState | 'same'>>;
    };

/** One row of the transition table. */
export interface TransitionRule {
  readonly from: readonly TicketState[];
  readonly to: TransitionTarget;
  readonly roles: readonly ActorRole[];
  /** The acting department must be the ticket's lead department, so one unit cannot act on another's ticket. */
  readonly leadDepartmentOnly?: boolean;
  readonly requiresFlag?: FlagName;
  readonly forbidsFlags?: readonly FlagName[];
  /** Data keys copied into the history entry; anything else the caller sends is not recorded. */
  readonly dataKeys: readonly string[];
  /** Returns a message when the data is unusable, null when it is fine. */
  readonly validate: (data: ActionData, ticket: Ticket, now: number) => string | null;
  /** Field changes this action makes; pure. */
  readonly effect: (ticket: Ticket, data: ActionData, now: number) => TicketPatch;
}

/** How a matter reached the partner line. */
export const PARTNER_TRANSFER_METHODS = ['transfer', 'three_way', 'push'] as const;

/** Satisfaction levels that count as satisfied for the KPI and close the ticket. */
export const SATISFIED_LEVELS: readonly SatisfactionLevel[] = ['very_satisfied', 'satisfied', 'basically_satisfied'];

/** All five satisfaction levels, best first. */
export const SATISFACTION_LEVELS: readonly SatisfactionLevel[] = [...SATISFIED_LEVELS, 'dissatisfied', 'very_dissatisfied'];

const OPEN_AFTER_INTAKE: readonly TicketState[] = ['awaiting_dispatch', 'dispatched', 'signed', 'in_progress', 'replied', 'awaiting_callback'];
const WITH_DEPARTMENT: readonly TicketState[] = ['dispatched', 'signed', 'in_progress'];

function text(data: ActionData, key: string): string | null {
  const v = data[key];
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

function requireText(data: ActionData, key: string): string | null {
  return text(data, key) === null ? `${key} must be a non-empty string` : null;
}

function requireOneOf(data: ActionData, key: string, allowed: readonly string[]): string | null {
  const v = data[key];
  return typeof v === 'string' && allowed.includes(v) ? null : `${key} must be one of ${allowed.join(', ')}`;
}

function epoch(data: ActionData, key: string): number | null {
  const v = data[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function firstProblem(...checks: (() => string | null)[]): string | null {
  for (const check of checks) {
    const problem = check();
    if (problem !== null) return problem;
  }
  return null;
}

function optionalTextList(data: ActionData, key: string): string | null {
  const v = data[key];
  if (v === undefined) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.trim() !== '')) return `${key} must be a list of non-empty strings`;
  return new Set(v).size === v.length ? null : `${key} must not repeat a department`;
}

const noData = (): string | null => null;
const noEffect = (): TicketPatch => ({});

/**
 * The ticket state machine as data. applyTicketAction interprets it; nothing else encodes lifecycle rules.
 * Check order there is role → state/flags → data, so an unauthorised actor learns nothing about the ticket.
 */
export const TICKET_TRANSITIONS: Readonly<Record<TicketActionName, TransitionRule>> = {
  direct_answer: {
    from: ['intake'],
    to: 'direct_answered',
    roles: ['agent', 'supervisor'],
    dataKeys: ['answerText'],
    validate: (d) => requireText(d, 'answerText'),
    effect: (_t, d) => ({ replyText: text(d, 'answerText') }),
  },
  transfer_emergency: {
    from: ['intake'],
    to: 'transferred_emergency',
    roles: ['agent', 'supervisor'],
    dataKeys: ['partnerLine', 'method', 'partnerIncidentId'],
    validate: (d) =>
      firstProblem(
        () => requireOneOf(d, 'partnerLine', PARTNER_LINES),
        () => requireOneOf(d, 'method', PARTNER_TRANSFER_METHODS),
      ),
    effect: noEffect,
  },
  submit_for_dispatch: {
    from: ['intake'],
    to: 'awaiting_dispatch',
    roles: ['agent', 'supervisor'],
    dataKeys: ['suggestedDepartment'],
    validate: (d) => (d['suggestedDepartment'] === undefined ? null : requireText(d, 'suggestedDepartment')),
    effect: noEffect,
  },
  dispatch: {
    from: ['awaiting_dispatch'],
    to: 'dispatched',
    roles: ['agent', 'supervisor'],
    dataKeys: ['leadDepartment', 'coHandlers'],
    validate: (d) =>
      firstProblem(
        () => requireText(d, 'leadDepartment'),
        () => optionalTextList(d, 'coHandlers'),
        () => ((d['coHandlers'] as string[] | undefined)?.includes(d['leadDepartment'] as string) ? 'coHandlers must not include the lead department' : null),
      ),
    effect: (_t, d) => ({ leadDepartment: text(d, 'leadDepartment'), coHandlers: [...((d['coHandlers'] as string[] | undefined) ?? [])] }),
  },
  sign: {
    from: ['dispatched'],
    to: 'signed',
    roles: ['department'],
    leadDepartmentOnly: true,
    forbidsFlags: ['returnRequested'],
    dataKeys: [],
    validate: noData,
    effect: noEffect,
  },
  start: {
    from: ['signed'],
    to: 'in_progress',
    roles: ['department'],
    leadDepartmentOnly: true,
    forbidsFlags: ['returnRequested', 'extensionRequested'],
    dataKeys: [],
    validate: noData,
    effect: noEffect,
  },
  request_return: {
    from: ['dispatched', 'signed'],
    to: 'same',
    roles: ['department'],
    leadDepartmentOnly: true,
    forbidsFlags: ['returnRequested'],
    dataKeys: ['reason'],
    validate: (d) => requireText(d, 'reason'),
    effect: () => ({ flags: { returnRequested: true } }),
  },
  approve_return: {
    from: ['dispatched', 'signed'],
    to: 'awaiting_dispatch',
    roles: ['supervisor'],
    requiresFlag: 'returnRequested',
    dataKeys: ['reason'],
    validate: (d) => requireText(d, 'reason'),
    effect: (t) => ({ leadDepartment: null, coHandlers: [], returnCount: t.returnCount + 1 }),
  },
  reject_return: {
    // The unit keeps the ticket in whatever state it asked from; 'same' is that previous state.
    from: ['dispatched', 'signed'],
    to: 'same',
    roles: ['supervisor'],
    requiresFlag: 'returnRequested',
    dataKeys: ['reason'],
    validate: (d) => requireText(d, 'reason'),
    effect: () => ({ flags: { returnRequested: false } }),
  },
  request_extension: {
    from: ['signed', 'in_progress'],
    to: 'same',
    roles: ['department'],
    leadDepartmentOnly: true,
    forbidsFlags: ['extensionRequested'],
    dataKeys: ['reason', 'requestedDeadline'],
    validate: (d, t) =>
      firstProblem(
        () => requireText(d, 'reason'),
        () => ((epoch(d, 'requestedDeadline') ?? -Infinity) > t.deadline ? null : 'requestedDeadline must be later than the current deadline'),
      ),
    effect: () => ({ flags: { extensionRequested: true } }),
  },
  approve_extension: {
    from: ['signed', 'in_progress'],
    to: 'same',
    roles: ['supervisor', 'manager'],
    requiresFlag: 'extensionRequested',
    dataKeys: ['newDeadline'],
    validate: (d, t, now) => {
      const next = epoch(d, 'newDeadline');
      if (next === null) return 'newDeadline must be an epoch millisecond number';
      return next > t.deadline && next > now ? null : 'newDeadline must be later than both the current deadline and now';
    },
    effect: (t, d) => ({ deadline: epoch(d, 'newDeadline') ?? t.deadline, extensionCount: t.extensionCount + 1, flags: { extensionRequested: false } }),
  },
  reject_extension: {
    from: ['signed', 'in_progress'],
    to: 'same',
    roles: ['supervisor', 'manager'],
    requiresFlag: 'extensionRequested',
    dataKeys: ['reason'],
    validate: (d) => requireText(d, 'reason'),
    effect: () => ({ flags: { extensionRequested: false } }),
  },
  reply: {
    from: ['in_progress'],
    to: 'replied',
    roles: ['department'],
    leadDepartmentOnly: true,
    dataKeys: ['replyText'],
    validate: (d) => requireText(d, 'replyText'),
    effect: (_t, d) => ({ replyText: text(d, 'replyText') }),
  },
  review_reply: {
    from: ['replied'],
    to: { by: 'data.decision', pick: (_t, d) => String(d['decision']), cases: { accept: 'awaiting_callback', reject: 'in_progress' } },
    roles: ['supervisor'],
    dataKeys: ['decision', 'reason'],
    validate: (d) =>
      firstProblem(
        () => requireOneOf(d, 'decision', ['accept', 'reject']),
        () => (d['decision'] === 'reject' ? requireText(d, 'reason') : null),
      ),
    effect: (_t, d) => (d['decision'] === 'reject' ? { replyText: null } : { callbackAttempts: 0 }),
  },
  record_callback: {
    from: ['awaiting_callback'],
    to: {
      by: 'data.satisfaction',
      pick: (_t, d) => String(d['satisfaction']),
      cases: {
        very_satisfied: 'closed',
        satisfied: 'closed',
        basically_satisfied: 'closed',
        dissatisfied: 'same',
        very_dissatisfied: 'same',
      },
    },
    roles: ['callback'],
    forbidsFlags: ['dissatisfactionReviewPending'],
    dataKeys: ['satisfaction', 'comment'],
    validate: (d) => requireOneOf(d, 'satisfaction', SATISFACTION_LEVELS),
    effect: (_t, d) => {
      const satisfaction = d['satisfaction'] as SatisfactionLevel;
      return {
        satisfaction,
        callbackAttempts: 0,
        flags: { dissatisfactionReviewPending: !SATISFIED_LEVELS.includes(satisfaction) },
      };
    },
  },
  callback_unreachable: {
    from: ['awaiting_callback'],
    to: {
      by: 'attempts + 1 >= data.maxAttempts',
      pick: (t, d) => (t.callbackAttempts + 1 >= Number(d['maxAttempts']) ? 'exhausted' : 'retry'),
      cases: { retry: 'same', exhausted: 'callback_failed' },
    },
    roles: ['callback', 'system'],
    forbidsFlags: ['dissatisfactionReviewPending'],
    dataKeys: ['maxAttempts'],
    validate: (d) => {
      const max = d['maxAttempts'];
      return typeof max === 'number' && Number.isInteger(max) && max >= 1 ? null : 'maxAttempts must be a positive integer (from CallbackRetryPolicy)';
    },
    effect: (t) => ({ callbackAttempts: t.callbackAttempts + 1 }),
  },
  review_dissatisfied: {
    from: ['awaiting_callback'],
    to: { by: 'data.decision', pick: (_t, d) => String(d['decision']), cases: { redo: 'in_progress', close: 'closed' } },
    roles: ['supervisor', 'manager'],
    requiresFlag: 'dissatisfactionReviewPending',
    dataKeys: ['decision', 'reason'],
    validate: (d) =>
      firstProblem(
        () => requireOneOf(d, 'decision', ['redo', 'close']),
        () => (d['decision'] === 'close' ? requireText(d, 'reason') : null),
      ),
    effect: (_t, d) =>
      d['decision'] === 'close'
        ? { closeReason: text(d, 'reason'), flags: { dissatisfactionReviewPending: false } }
        : { replyText: null, satisfaction: null, callbackAttempts: 0, flags: { dissatisfactionReviewPending: false } },
  },
  merge_into: {
    from: ['intake', 'awaiting_dispatch', 'dispatched'],
    to: 'merged',
    roles: ['agent', 'supervisor'],
    dataKeys: ['parentTicketId'],
    validate: (d, t) =>
      firstProblem(
        () => requireText(d, 'parentTicketId'),
        () => (d['parentTicketId'] === t.id ? 'a ticket cannot be merged into itself' : null),
      ),
    effect: (_t, d) => ({ parentTicketId: text(d, 'parentTicketId') }),
  },
  reopen: {
    from: ['closed', 'callback_failed'],
    to: { by: 'data.target', pick: (_t, d) => String(d['target']), cases: { in_progress: 'in_progress', awaiting_dispatch: 'awaiting_dispatch' } },
    roles: ['agent', 'supervisor'],
    dataKeys: ['relatedCallId', 'target', 'deadline'],
    validate: (d, t, now) =>
      firstProblem(
        () => requireText(d, 'relatedCallId'),
        () => requireOneOf(d, 'target', ['in_progress', 'awaiting_dispatch']),
        () => ((epoch(d, 'deadline') ?? -Infinity) > now ? null : 'deadline must be a future epoch millisecond number (use computeDeadline)'),
        () => (d['target'] === 'in_progress' && t.leadDepartment === null ? 'target in_progress needs a lead department; reopen to awaiting_dispatch instead' : null),
      ),
    effect: (t, d) => ({
      deadline: epoch(d, 'deadline') ?? t.deadline,
      closeReason: null,
      satisfaction: null,
      replyText: null,
      callbackAttempts: 0,
      linkedCallIds: [...t.linkedCallIds, text(d, 'relatedCallId') ?? ''],
      ...(d['target'] === 'awaiting_dispatch' ? { leadDepartment: null, coHandlers: [] } : {}),
    }),
  },
  // The partner line sends back a matter transferred to it (110 feedback `rejected`): not theirs, so 12345 must
  // handle it after all; it waits for dispatch again with a new deadline (the caller computes it, as for reopen).
  partner_returned: {
    from: ['transferred_emergency'],
    to: 'awaiting_dispatch',
    roles: ['partner'],
    dataKeys: ['partnerLine', 'incidentNo', 'reason', 'deadline'],
    validate: (d, _t, now) =>
      firstProblem(
        () => requireOneOf(d, 'partnerLine', PARTNER_LINES),
        () => requireText(d, 'incidentNo'),
        () => (d['reason'] === undefined ? null : requireText(d, 'reason')),
        () => ((epoch(d, 'deadline') ?? -Infinity) > now ? null : 'deadline must be a future epoch millisecond number (use computeDeadline)'),
      ),
    effect: (t, d) => ({ deadline: epoch(d, 'deadline') ?? t.deadline, closeReason: null, replyText: null, leadDepartment: null, coHandlers: [] }),
  },
  supervise: {
    from: OPEN_AFTER_INTAKE,
    to: 'same',
    // 'system': the deadline job raises 督办 by itself once a ticket is overdue.
    roles: ['supervisor', 'manager', 'system'],
    dataKeys: ['note'],
    validate: noData,
    effect: () => ({ flags: { supervised: true } }),
  },
  remind: {
    from: WITH_DEPARTMENT,
    to: 'same',
    roles: ['agent', 'supervisor', 'manager', 'system'],
    dataKeys: ['note'],
    validate: noData,
    effect: (t) => ({ reminderCount: t.reminderCount + 1 }),
  },
};

/** Every action name, in table order. */
export const TICKET_ACTIONS = Object.keys(TICKET_TRANSITIONS) as TicketActionName[];

/** Every state a rule can lead to, for checking that no transition escapes the table. */
export function reachableTargets(rule: TransitionRule): TicketState[] {
  const resolve = (target: TicketState | 'same'): TicketState[] => (target === 'same' ? [...rule.from] : [target]);
  if (typeof rule.to === 'string') return resolve(rule.to);
  return Object.values(rule.to.cases).flatMap(resolve);
}
