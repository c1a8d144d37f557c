import { z } from 'zod';
import { CtiError, REFERENCE_DATA_ROLES, STAFF_ROLES, type Role } from '@cti/domain';
import type { HotlineLine, HotlineLineInput, HotlineLinePatch, Principal } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';

/** Line storage (HotlineLineRepository fits). */
export interface HotlineLineStore {
  list(all?: boolean): Promise<HotlineLine[]>;
  find(did: string): Promise<HotlineLine | undefined>;
  create(input: HotlineLineInput, actor: string): Promise<HotlineLine>;
  update(did: string, patch: HotlineLinePatch, actor: string): Promise<HotlineLine>;
}

const did = z.string().regex(/^[0-9]{3,20}$/, 'did: the dialled number, 3 to 20 digits');
const name = z.string().trim().min(1, 'name is required').max(64);
const departmentId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'departmentId: a department id').nullable();
const greetingSound = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_/-]{0,127}$/, 'greetingSound: an Asterisk sound name (letters, digits, _ - /), without extension').nullable();
const answerRateTarget = z.number().min(0, 'answerRateTarget: a rate in [0, 1]').max(1, 'answerRateTarget: a rate in [0, 1]').nullable();

const view = (l: HotlineLine) => ({ ...l, updatedAt: new Date(l.updatedAt).toISOString() });
const actor = (p: Principal) => p.label;
const ADMIN: readonly Role[] = REFERENCE_DATA_ROLES;

/**
 * Merged hotlines as sub-lines (双号并行、设分中心, docs/domain.md §18): the lines as data — each merged hotline's own
 * number, name, owning department, greeting and answer-rate target. Everyone on the staff reads them; managers and
 * administrators keep them (as the other reference data).
 */
export function registerHotlineLineRoutes(routes: RouteRegistry, lines: HotlineLineStore, changed: () => Promise<void> = async () => undefined): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/hotline-lines',
    summary: 'Hotline lines merged into 12345 (双号并行): DID, name, department, greeting, answer-rate target (null: the centre’s); active only unless all=true',
    roles: STAFF_ROLES,
    query: z.object({ all: z.enum(['true', 'false']).default('true') }),
    handler: async ({ query }) => ({ items: (await lines.list(query.all === 'true')).map(view) }),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/hotline-lines',
    summary: 'Add a merged hotline line with its own DID (409 when the DID exists, 400 for an unknown department)',
    roles: ADMIN,
    body: z.object({ did, name, departmentId: departmentId.optional(), greetingSound: greetingSound.optional(), answerRateTarget: answerRateTarget.optional(), active: z.boolean().optional() }).strict(),
    handler: async ({ body, principal, reply }) => {
      const l = await lines.create(body, actor(principal));
      await changed();
      reply.status(201);
      return view(l);
    },
  });

  routes.add({
    method: 'PATCH',
    url: '/api/v1/hotline-lines/:did',
    summary: 'Rename a line, change its department, greeting or answer-rate target (null: back to the centre’s), or (de)activate it',
    roles: ADMIN,
    params: z.object({ did }),
    body: z
      .object({ name, departmentId, greetingSound, answerRateTarget, active: z.boolean() })
      .partial()
      .strict()
      .refine((b) => Object.keys(b).length > 0, 'give at least one field to change'),
    handler: async ({ params, body, principal }) => {
      if (!(await lines.find(params.did))) throw new CtiError('CTI_ERR_NOT_FOUND', `no hotline line ${params.did}`, { did: params.did });
      const l = await lines.update(params.did, body, actor(principal));
      await changed();
      return view(l);
    },
  });
}
