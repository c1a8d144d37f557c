import { z } from 'zod';
import { CtiError, REFERENCE_DATA_ROLES, STAFF_ROLES } from '@cti/domain';
import type { DepartmentRow } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';

/** Department storage (DepartmentRepository fits). */
export interface DepartmentAdmin {
  list(includeInactive: boolean): Promise<DepartmentRow[]>;
  findById(id: string): Promise<DepartmentRow | undefined>;
  create(d: { id: string; name: string; phone: string | null }): Promise<DepartmentRow>;
  update(id: string, patch: { name?: string; phone?: string | null; active?: boolean }): Promise<DepartmentRow>;
}

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'department id: lower-case letters, digits, - and _');
const phone = z.string().regex(/^\+?[0-9][0-9 -]{2,30}$/, 'phone: digits').nullable();

const present = (d: DepartmentRow) => ({ id: d.id, name: d.name, phone: d.phone, active: d.active, createdAt: d.created_at, updatedAt: d.updated_at });

/** Handling units (承办单位) as data: everyone reads, managers administer. */
export function registerDepartmentRoutes(routes: RouteRegistry, departments: DepartmentAdmin): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/departments',
    summary: 'Handling units (active only unless all=true)',
    roles: STAFF_ROLES,
    query: z.object({ all: z.enum(['true', 'false']).default('false') }),
    handler: async ({ query }) => ({ items: (await departments.list(query.all === 'true')).map(present) }),
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/departments/:id',
    summary: 'One handling unit',
    roles: STAFF_ROLES,
    params: z.object({ id }),
    handler: async ({ params }) => {
      const d = await departments.findById(params.id);
      if (!d) throw new CtiError('CTI_ERR_NOT_FOUND', `no department ${params.id}`, { id: params.id });
      return present(d);
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/departments',
    summary: 'Add a handling unit (409 when the id exists)',
    roles: REFERENCE_DATA_ROLES,
    body: z.object({ id, name: z.string().trim().min(1).max(200), phone: phone.optional() }).strict(),
    handler: async ({ body, reply }) => {
      const d = await departments.create({ id: body.id, name: body.name, phone: body.phone ?? null });
      reply.status(201);
      return present(d);
    },
  });
  routes.add({
    method: 'PATCH',
    url: '/api/v1/departments/:id',
    summary: 'Rename, change the phone or (de)activate a handling unit',
    roles: REFERENCE_DATA_ROLES,
    params: z.object({ id }),
    body: z
      .object({ name: z.string().trim().min(1).max(200), phone, active: z.boolean() })
      .partial()
      .strict()
      .refine((b) => Object.keys(b).length > 0, 'give at least one field to change'),
    handler: async ({ params, body }) => present(await departments.update(params.id, body)),
  });
}
