import { z } from 'zod';
import { CtiError, SUPERVISING_ROLES } from '@cti/domain';
import type { Principal } from '@cti/db';
import type { AgentService } from './agent.service.js';
import type { ConsolePhoneService } from './console-phone.service.js';
import type { RouteRegistry } from '../http/route.registry.js';

/** Records sensitive actions (AuditRepository fits). */
export interface AuditTrail {
  record(entry: { actorRole: string; actorId: string | null; action: string; target?: string; data?: Record<string, unknown> }): Promise<void>;
}

const agentParams = z.object({ agentId: z.string().min(1).max(64) });

/** Who holds a console phone: the person across their sessions and windows, or a machine's token. */
const holderOf = (p: Principal) => ({ id: p.staff ? `staff:${p.staff.id}` : p.tokenId, label: p.staff?.username ?? p.label });
const actor = (p: Principal) => p.agentId ?? p.label;

/**
 * Shift-lead actions on other agents, every one audited; and the console's browser phone (`phones`: undefined when
 * no browser phones are configured).
 */
export function registerSupervisorRoutes(routes: RouteRegistry, agents: AgentService, audit: AuditTrail, phones?: ConsolePhoneService): void {
  routes.add({
    method: 'POST',
    url: '/api/v1/supervisor/agents/:agentId/force-pause',
    summary: 'Force an agent into pause with a reason (audited)',
    roles: SUPERVISING_ROLES,
    params: agentParams,
    body: z.object({ reason: z.string().min(1).max(32), note: z.string().max(500).optional() }),
    handler: async ({ params, body, principal }) => {
      const view = agents.pause(params.agentId, body.reason);
      await audit.record({ actorRole: principal.role, actorId: actor(principal), action: 'agent.force_pause', target: params.agentId, data: { reason: body.reason, note: body.note ?? null } });
      return view;
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/supervisor/agents/:agentId/force-logout',
    summary: 'Force an agent out of their seat (audited; not while on a call)',
    roles: SUPERVISING_ROLES,
    params: agentParams,
    body: z.object({ note: z.string().max(500).optional() }),
    handler: async ({ params, body, principal }) => {
      const view = agents.logout(params.agentId);
      await audit.record({ actorRole: principal.role, actorId: actor(principal), action: 'agent.force_logout', target: params.agentId, data: { note: body.note ?? null } });
      return view;
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/supervisor/phone',
    summary: "Hold a free seat's browser phone (seat-NN-web) for the supervisor's console and get its SIP credentials; take it again before expiresAt to keep it (audited when taken)",
    roles: SUPERVISING_ROLES,
    body: z.object({ seat: z.string().regex(/^seat-\d{2,4}$/, 'seat must look like seat-01').optional() }),
    handler: async ({ body, principal, req }) => {
      if (!phones) throw new CtiError('CTI_ERR_INVALID_STATE', 'no browser phones are configured (CTI_WEBRTC_CERT_FILE)');
      const holder = holderOf(principal);
      const phone = await phones.take(holder, body.seat);
      if (phone.taken) {
        req.log.info({ seat: phone.seat, endpoint: phone.endpoint, holder: holder.label }, 'console phone credentials handed to a supervisor');
        await audit.record({ actorRole: principal.role, actorId: actor(principal), action: 'supervisor.phone_take', target: phone.seat, data: { endpoint: phone.endpoint } });
      }
      return { ...phone, expiresAt: new Date(phone.expiresAt).toISOString() };
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/supervisor/phones',
    summary: "Seats held for supervisors' console phones: seat, holder, until when",
    roles: SUPERVISING_ROLES,
    handler: async () => ({ items: (phones?.list() ?? []).map((h) => ({ ...h, expiresAt: new Date(h.expiresAt).toISOString() })) }),
  });
  routes.add({
    method: 'DELETE',
    url: '/api/v1/supervisor/phone',
    summary: "Give back the console phone's seat (audited when one was held)",
    roles: SUPERVISING_ROLES,
    handler: async ({ principal }) => {
      const seat = phones?.release(holderOf(principal).id);
      if (seat !== undefined) await audit.record({ actorRole: principal.role, actorId: actor(principal), action: 'supervisor.phone_release', target: seat });
      return { released: seat ?? null };
    },
  });
}
