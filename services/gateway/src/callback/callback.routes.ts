import { z } from 'zod';
import { CtiError, RESULT_CALLBACK_ROLES, SEAT_ROLES, SUPERVISING_ROLES, inRoleGroup, maskPhone } from '@cti/domain';
import type { MissedCallTaskRow, Principal } from '@cti/db';
import type { CallbackJob, DeskDial, DeskDialActor } from './outbound-callback.service.js';
import type { RouteRegistry } from '../http/route.registry.js';

/** Open missed-call tasks (CallbackTaskRepository fits). */
export interface MissedCallTaskList {
  listOpen(limit: number): Promise<MissedCallTaskRow[]>;
}

/** Callbacks in progress, and the agent's own dials (OutboundCallbackService fits). */
export interface CallbackJobs {
  list(): CallbackJob[];
  dialFor(agentId: string, d: DeskDial, actor: DeskDialActor): Promise<CallbackJob>;
}

/** A ticket's state and caller, for dialling its result callback (TicketRepository fits). */
export interface CallbackTicketLookup {
  findById(id: string): Promise<{ id: string; state: string; caller_number: string | null } | undefined>;
}


/** The callback list: open missed-call tasks (漏接回拨) and callbacks in progress or waiting in the queue; click-to-dial. */
export function registerCallbackRoutes(routes: RouteRegistry, tasks: MissedCallTaskList, jobs: CallbackJobs, tickets?: CallbackTicketLookup): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/callbacks',
    summary: 'Callback list: open missed-call tasks and callbacks queued or in progress',
    roles: SEAT_ROLES,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    handler: async ({ query }) => ({
      missedCalls: (await tasks.listOpen(query.limit)).map((t) => ({ taskId: t.id, caller: maskPhone(t.caller_number), day: t.day, attempts: t.attempts, linkedId: t.linked_id, createdAt: t.created_at })),
      inProgress: jobs.list().map((j) => ({ kind: j.kind, callId: j.acdCallId, caller: maskPhone(j.callerNumber), phase: j.phase, agentId: j.agentId ?? null, requestedAt: j.requestedAt })),
    }),
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/agents/:agentId/dial',
    summary:
      "Click-to-dial: call a citizen back from the desk — an open missed-call task (漏接回拨), or a ticket awaiting its result callback (回访; the callback desk and shift leads). The dial policy decides first (400/403/429 with the reason, audited); the agent's seat rings, then the citizen. 409 when another agent took the task, or the agent is ringing or talking",
    roles: SEAT_ROLES,
    params: z.object({ agentId: z.string().min(1).max(64) }),
    body: z
      .object({ missedCallTaskId: z.string().regex(/^\d{1,18}$/).optional(), ticketId: z.string().regex(/^\d{1,18}$/).optional() })
      .strict()
      .refine((b) => (b.missedCallTaskId === undefined) !== (b.ticketId === undefined), 'give exactly one of missedCallTaskId, ticketId'),
    handler: async ({ params, body, principal }) => {
      if (!inRoleGroup(SUPERVISING_ROLES, principal.role) && principal.agentId !== params.agentId) throw new CtiError('CTI_ERR_FORBIDDEN', `only agent ${params.agentId} dials from their seat`, { agentId: params.agentId });
      const dial = body.ticketId === undefined ? ({ kind: 'missed_call', taskId: body.missedCallTaskId as string } as const) : await ticketDial(body.ticketId, principal);
      const job = await jobs.dialFor(params.agentId, dial, { role: principal.role, id: principal.agentId ?? principal.label });
      return { callId: job.acdCallId, kind: job.kind, caller: maskPhone(job.callerNumber), phase: job.phase };
    },
  });

  async function ticketDial(ticketId: string, principal: Principal): Promise<DeskDial> {
    if (!inRoleGroup(RESULT_CALLBACK_ROLES, principal.role)) throw new CtiError('CTI_ERR_FORBIDDEN', `role ${principal.role} does not do result callbacks (回访)`, { role: principal.role });
    const t = await tickets?.findById(ticketId);
    if (!t) throw new CtiError('CTI_ERR_NOT_FOUND', `no ticket ${ticketId}`, { ticketId });
    if (t.state !== 'awaiting_callback') throw new CtiError('CTI_ERR_INVALID_STATE', `ticket ${ticketId} is ${t.state}, not awaiting its result callback`, { ticketId, state: t.state });
    if (!t.caller_number) throw new CtiError('CTI_ERR_VALIDATION', `ticket ${ticketId} has no caller number`, { ticketId });
    return { kind: 'ticket_callback', ticketId, callerNumber: t.caller_number };
  }
}
