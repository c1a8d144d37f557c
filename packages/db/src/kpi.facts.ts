import { TERMINAL_STATES, type TicketState, type kpi } from '@cti/domain';

// Pure mapping from stored rows to the KPI engine's facts, kept apart from SQL so it is unit-tested exactly.

const ms = (d: Date | string | null | undefined): number | undefined => (d === null || d === undefined ? undefined : new Date(d).getTime());

/** The columns of `calls` the KPI engine reads. */
export interface CallFactRow {
  linked_id: string;
  did: string;
  trunk: string;
  queued_at: Date | null;
  answered_at: Date | null;
  ended_at: Date;
  outcome: 'answered' | 'abandoned' | 'failed';
  agent_id: string | null;
  /** The caller's number was marked (nuisance, malicious) when the call was queued; absent = not read. */
  marked_caller?: boolean;
}

/** A stored ring of a call at an agent (answered null: still ringing, or the caller hung up during the ring). */
export interface CallOfferRow {
  call_id: string;
  agent_id: string;
  offered_at: Date;
  answered: boolean | null;
}

/**
 * A call row as a CallFact: offered = entered the agent queue (queued_at), wait = queue until answer or hang-up.
 * Offers whose ring the caller cut short are not the agent's miss and are left out; a call without stored offers
 * falls back to the engine's default (offered only to the answering agent).
 */
export function toCallFact(row: CallFactRow, offers: readonly CallOfferRow[] = []): kpi.CallFact {
  const offeredAt = ms(row.queued_at);
  const answeredAt = ms(row.answered_at);
  const endedAt = ms(row.ended_at) as number;
  const decided = [...offers].filter((o) => o.answered !== null).sort((a, b) => ms(a.offered_at)! - ms(b.offered_at)!);
  return {
    callId: row.linked_id,
    line: row.did,
    trunk: row.trunk,
    ...(offeredAt !== undefined && { offeredAt }),
    ...(answeredAt !== undefined && { answeredAt }),
    endedAt,
    outcome: row.outcome,
    ...(row.agent_id !== null && { agentId: row.agent_id }),
    waitMs: offeredAt === undefined ? 0 : Math.max(0, (answeredAt ?? endedAt) - offeredAt),
    holdMs: 0,
    ...(row.marked_caller === true && { markedCaller: true }),
    ...(decided.length > 0 && { offersToAgents: decided.map((o) => ({ agentId: o.agent_id, answered: o.answered === true })) }),
  };
}

/** The columns of `agent_state_intervals` the KPI engine reads. */
export interface AgentStateIntervalRow {
  agent_id: string;
  state: kpi.AgentState;
  reason: string | null;
  started_at: Date;
  ended_at: Date | null;
}

/** A stored interval as a KPI interval; one still open counts until `now`. */
export function toAgentStateInterval(row: AgentStateIntervalRow, now: number): kpi.AgentStateInterval {
  const from = ms(row.started_at) as number;
  const to = Math.max(from, ms(row.ended_at) ?? now);
  return { agentId: row.agent_id, state: row.state, ...(row.reason !== null && { reason: row.reason }), from, to };
}

/** A ticket with what its history says about it (aggregated in SQL). */
export interface TicketFactRow {
  id: string;
  category: string | null;
  state: string;
  caller_number: string | null;
  created_at: Date;
  deadline_at: Date | null;
  /** First time it reached closed or direct_answered. */
  closed_at: Date | null;
  direct_answered: boolean;
  dispatches: number;
  returned: boolean;
  satisfaction: string | null;
  /** Arrival of the second call linked to the ticket (a repeat call on the same matter). */
  repeat_call_at: Date | null;
  /** Whether a QA review of the ticket's call is done, and whether every done review passed (null: none). */
  qa_reviewed?: boolean;
  qa_passed?: boolean | null;
}

const satisfactionLevels = new Set(['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied']);

/** Ticket category used when intake has not categorised it yet. */
export const UNCATEGORIZED = 'uncategorized';

/** A ticket, its history and its QA reviews as a TicketFact. */
export function toTicketFact(row: TicketFactRow): kpi.TicketFact {
  const acceptedAt = ms(row.created_at) as number;
  const dueAt = ms(row.deadline_at);
  const closedAt = ms(row.closed_at);
  const repeatAt = ms(row.repeat_call_at);
  const resolvedAtIntake = row.direct_answered && row.dispatches === 0;
  return {
    ticketId: row.id,
    category: row.category ?? UNCATEGORIZED,
    acceptedAt,
    resolvedAtIntake,
    dispatched: row.dispatches > 0,
    returnedOrReassigned: row.returned || row.dispatches > 1,
    ...(dueAt !== undefined && { dueAt }),
    ...(closedAt !== undefined && { closedAt }),
    qaReviewed: row.qa_reviewed === true,
    ...(row.qa_reviewed === true && row.qa_passed !== null && row.qa_passed !== undefined && { qaPassed: row.qa_passed }),
    ...(row.satisfaction !== null && satisfactionLevels.has(row.satisfaction) && { satisfaction: row.satisfaction as kpi.TicketFact['satisfaction'] }),
    firstCallResolved: resolvedAtIntake,
    callerNumber: row.caller_number ?? '',
    ...(repeatAt !== undefined && { repeatCallWithinDays: Math.max(0, (repeatAt - acceptedAt) / 86_400_000) }),
  };
}

/** Whether a ticket state is finished for deadline purposes (the ticket module's terminal states). */
export function isFinishedTicketState(state: string): boolean {
  return TERMINAL_STATES.has(state as TicketState);
}

/** Whether a ticket is overdue at `now`: past its deadline and still open (not in a terminal state). */
export function isOverdue(state: string, deadlineAt: Date | null, now: number): boolean {
  return deadlineAt !== null && deadlineAt.getTime() < now && !isFinishedTicketState(state);
}
