import { z } from 'zod';
import { RESULT_CALLBACK_ROLES, STAFF_ROLES } from '@cti/domain';
import type { TicketCallbackTaskRow } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { pageOffset } from '../http/input.rules.js';

/** Result-callback task storage (TicketCallbackRepository fits). */
export interface TicketCallbackReader {
  list(filter: { status?: TicketCallbackTaskRow['status']; dueBefore?: Date; limit: number; offset: number }): Promise<TicketCallbackTaskRow[]>;
  forTicket(ticketId: string): Promise<TicketCallbackTaskRow[]>;
}

const present = (t: TicketCallbackTaskRow) => ({
  id: t.id,
  ticketId: t.ticket_id,
  round: t.round,
  status: t.status,
  attempts: t.attempts,
  nextAttemptAt: t.next_attempt_at,
  satisfaction: t.satisfaction,
  comment: t.comment,
  doneBy: t.done_by,
  createdAt: t.created_at,
  updatedAt: t.updated_at,
});

/**
 * The callback desk's worklist (回访). Results are recorded with the ticket actions record_callback and
 * callback_unreachable, which keep the task in step.
 */
export function registerCallbackTaskRoutes(routes: RouteRegistry, tasks: TicketCallbackReader, now: () => number): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/ticket-callbacks',
    summary: 'Result-callback tasks (pending, review, done, failed); due=true lists pending tasks whose next attempt is due',
    roles: RESULT_CALLBACK_ROLES,
    query: z.object({ status: z.enum(['pending', 'done', 'review', 'failed', 'cancelled']).optional(), due: z.enum(['true', 'false']).default('false'), limit: z.coerce.number().int().min(1).max(500).default(100), offset: pageOffset() }),
    handler: async ({ query }) => ({
      items: (await tasks.list({ ...(query.status && { status: query.status }), ...(query.due === 'true' && { dueBefore: new Date(now()) }), limit: query.limit, offset: query.offset })).map(present),
    }),
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets/:id/callbacks',
    summary: "A ticket's callback rounds",
    roles: STAFF_ROLES,
    params: z.object({ id: z.string().regex(/^\d{1,18}$/) }),
    handler: async ({ params }) => ({ items: (await tasks.forTicket(params.id)).map(present) }),
  });
}
