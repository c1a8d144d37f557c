import { applyTicketAction, isOpenState, type Ticket, type TicketActionName, type WarningPolicy } from '@cti/domain';
import type { DeadlineJobData } from '@cti/contracts';
import type { TicketChange, TicketHistoryDraft, TicketRow } from '@cti/db';

// The payload of a deadline job is a contract (packages/contracts jobs.ts); re-exported for the job's users here.
export type { DeadlineJobData } from '@cti/contracts';

/** Ticket storage the deadline jobs need (TicketRepository fits). */
export interface DeadlineTicketStore {
  findById(id: string): Promise<TicketRow | undefined>;
  change(id: string, expectedVersion: number | undefined, decide: (row: TicketRow, ticket: Ticket) => TicketChange | Promise<TicketChange>): Promise<unknown>;
}

const RANK = { ok: 0, yellow: 1, red: 2 } as const;
const SYSTEM = { role: 'system', id: 'deadline-job' } as const;

/** The delayed job ids and delays for a ticket's deadline: yellow inside the warning window, red just after the deadline. */
export function deadlineJobs(ticketId: string, acceptedAt: number, deadline: number, now: number, policy: WarningPolicy): { id: string; delay: number; data: DeadlineJobData }[] {
  const allowance = Math.max(0, deadline - acceptedAt);
  const yellowAt = deadline - Math.max(policy.yellowRemainingFraction * allowance, policy.yellowWithinHours * 3_600_000);
  return [
    { id: `deadline-${ticketId}-${deadline}-yellow`, delay: Math.max(0, Math.ceil(yellowAt - now)), data: { ticketId, deadline, level: 'yellow' } },
    { id: `deadline-${ticketId}-${deadline}-red`, delay: Math.max(0, deadline + 1 - now), data: { ticketId, deadline, level: 'red' } },
  ];
}

/**
 * BullMQ options of every deadline job. It is retried: a warning that meets a staff action on the same ticket at the
 * same moment fails with a version conflict (CTI_ERR_CONFLICT) and must run again — the yellow job chains the red one,
 * so a yellow lost to one conflict left the ticket never escalated (seen on a loaded machine: no 督办, ever).
 */
export const DEADLINE_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 86400 },
} as const;

function tryAction(ticket: Ticket, action: TicketActionName, data: Record<string, unknown>, now: number, out: TicketHistoryDraft[]): Ticket {
  try {
    const { ticket: next, historyEntry: h } = applyTicketAction(ticket, action, SYSTEM, data, now);
    out.push({ action, from: h.from, to: h.to, actorRole: SYSTEM.role, actorId: SYSTEM.id, data: h.data as Record<string, unknown>, at: now });
    return next;
  } catch {
    // Not allowed in this state (e.g. remind before dispatch): the warning itself is still recorded.
    return ticket;
  }
}

/**
 * Raises a yellow or red warning: records it in the history, reminds the department (催办) and, once red,
 * puts the ticket under supervision (督办). A stale job (deadline moved, ticket finished, level already
 * reached) does nothing, so redelivery is harmless.
 */
export async function processDeadlineJob(data: DeadlineJobData, store: DeadlineTicketStore, now: number): Promise<'raised' | 'stale'> {
  const row = await store.findById(data.ticketId);
  if (!row || !isOpenState(row.state as Ticket['state']) || row.deadline_at?.getTime() !== data.deadline || RANK[row.warning_level] >= RANK[data.level]) return 'stale';
  let raised = false;
  await store.change(data.ticketId, undefined, (current, ticket) => {
    if (current.deadline_at?.getTime() !== data.deadline || RANK[current.warning_level] >= RANK[data.level]) {
      return { ticket, history: [] };
    }
    raised = true;
    const history: TicketHistoryDraft[] = [
      { action: 'deadline_warning', from: ticket.state, to: ticket.state, actorRole: SYSTEM.role, actorId: SYSTEM.id, data: { level: data.level, deadline: data.deadline }, at: now },
    ];
    let next = tryAction(ticket, 'remind', { note: `${data.level} deadline warning` }, now, history);
    if (data.level === 'red' && !next.flags.supervised) next = tryAction(next, 'supervise', { note: 'overdue' }, now, history);
    return { ticket: next, history, warningLevel: data.level };
  });
  return raised ? 'raised' : 'stale';
}
