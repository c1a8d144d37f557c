import { z } from 'zod';
import { STAFF_ROLES } from '@cti/domain';
import type { Principal } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import type { AdminActor, StaffAdminService } from './staff-admin.service.js';

const ADMINS = ['admin'] as const;
const staffId = z.object({ id: z.string().regex(/^\d{1,18}$/, 'id: a staff account number') });
const username = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$/, 'username: 2–32 letters, digits, . _ -, starting with a letter or digit');
const displayName = z.string().trim().min(1).max(100);
const agentId = z.string().min(1).max(64);
const password = z.string().min(1).max(1024);

/** Who the audit row names for an admin action. */
export function adminActor(p: Principal): AdminActor {
  return p.staff ? { role: p.role, id: p.staff.username, staffId: p.staff.id } : { role: p.role, id: `token:${p.tokenId}` };
}

/** Staff accounts for the admin page: list, add, change (name, role, agent, disable, reset password, unlock). */
export function registerStaffRoutes(routes: RouteRegistry, staff: StaffAdminService): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/staff',
    summary: 'Staff accounts with their state (disabled, lock, last sign-in); never a password or hash',
    roles: ADMINS,
    handler: async () => ({ items: await staff.list() }),
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/staff/:id',
    summary: 'One staff account with its state',
    roles: ADMINS,
    params: staffId,
    handler: async ({ params }) => staff.get(params.id),
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/staff',
    summary: 'Add a staff account (password per the policy; role agent needs agentId); 409 when the username or agent has one',
    roles: ADMINS,
    body: z.object({ username, displayName, role: z.enum(STAFF_ROLES), agentId: agentId.nullable().optional(), password }),
    handler: async ({ body, principal, reply }) => {
      const created = await staff.create(body, adminActor(principal));
      reply.status(201);
      return created;
    },
  });
  routes.add({
    method: 'PATCH',
    url: '/api/v1/staff/:id',
    summary: "Change a staff account: displayName, role, agentId, disabled, password (reset), unlock; rights changes end the person's sessions",
    roles: ADMINS,
    params: staffId,
    body: z
      .object({ displayName, role: z.enum(STAFF_ROLES), agentId: agentId.nullable(), disabled: z.boolean(), password, unlock: z.literal(true) })
      .partial()
      .refine((b) => Object.keys(b).length > 0, 'give at least one field to change'),
    handler: async ({ params, body, principal }) => staff.update(params.id, body, adminActor(principal)),
  });
}
