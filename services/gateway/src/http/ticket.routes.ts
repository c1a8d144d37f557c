import { z } from 'zod';
import { CtiError, maskPhone } from '@cti/domain';
import type { TicketFilter, TicketRow } from '@cti/db';
import type { RouteRegistry } from './route.registry.js';

/** Reads tickets (TicketRepository fits). */
export interface TicketReader {
  list(filter: TicketFilter): Promise<{ total: number; items: TicketRow[] }>;
  findById(id: string): Promise<TicketRow | undefined>;
}

const STAFF = ['agent', 'supervisor', 'qa', 'callback', 'manager', 'admin'] as const;
const isoDate = z.string().datetime({ offset: true }).or(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD or ISO 8601'));

function present(t: TicketRow, full: boolean) {
  return {
    id: t.id,
    ticketNo: t.ticket_no,
    state: t.state,
    category: t.category,
    urgency: t.urgency,
    callerNumber: full ? t.caller_number : maskPhone(t.caller_number),
    language: t.language,
    summary: t.summary,
    departmentId: t.department_id,
    sourceCallId: t.source_call_id,
    deadlineAt: t.deadline_at,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}

/** Ticket list and detail. */
export function registerTicketRoutes(routes: RouteRegistry, tickets: TicketReader): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets',
    summary: 'List tickets, newest first, with filters',
    roles: STAFF,
    query: z.object({
      state: z.string().max(32).optional(),
      category: z.string().max(32).optional(),
      caller: z.string().regex(/^\+?\d{3,20}$/, 'caller must be digits').optional(),
      department: z.string().max(64).optional(),
      from: isoDate.optional(),
      to: isoDate.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    }),
    handler: async ({ query }) => {
      const { total, items } = await tickets.list({
        ...(query.state && { state: query.state }),
        ...(query.category && { category: query.category }),
        ...(query.caller && { callerNumber: query.caller }),
        ...(query.department && { departmentId: query.department }),
        ...(query.from && { createdFrom: new Date(query.from) }),
        ...(query.to && { createdTo: new Date(query.to) }),
        limit: query.limit,
        offset: query.offset,
      });
      return { total, items: items.map((t) => present(t, false)) };
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets/:id',
    summary: 'One ticket',
    roles: STAFF,
    params: z.object({ id: z.string().regex(/^\d{1,18}$/, 'id must be a number') }),
    handler: async ({ params }) => {
      const t = await tickets.findById(params.id);
      if (!t) throw new CtiError('CTI_ERR_NOT_FOUND', `no ticket ${params.id}`, { id: params.id });
      return present(t, true);
    },
  });
}
