import { z } from 'zod';
import { STAFF_ROLES, maskPhone } from '@cti/domain';
import type { SmsMessageRow } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';

/** A ticket's SMS (SmsRepository fits). */
export interface TicketSmsReader {
  forTicket(ticketId: string): Promise<SmsMessageRow[]>;
}

const present = (m: SmsMessageRow) => ({
  id: m.id,
  kind: m.kind,
  to: maskPhone(m.to_number),
  body: m.body,
  status: m.status,
  createdAt: m.created_at,
  claimedAt: m.claimed_at,
  sentAt: m.sent_at,
});

/**
 * The SMS sent for a ticket (receipt, callback notices) and how each went: `pending`, `sending`, `sent`, `failed`, or
 * `unconfirmed` — handed to the provider by a worker that died before it knew, not sent again (docs/domain.md §21);
 * staff check with the citizen.
 */
export function registerTicketSmsRoutes(routes: RouteRegistry, sms: TicketSmsReader): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/tickets/:id/sms',
    summary: "A ticket's SMS and their status (unconfirmed: the sender died before the provider confirmed; not resent)",
    roles: STAFF_ROLES,
    params: z.object({ id: z.string().regex(/^\d{1,18}$/) }),
    handler: async ({ params }) => ({ items: (await sms.forTicket(params.id)).map(present) }),
  });
}
