import { z } from 'zod';
import type { AgentService } from '../agent/agent.service.js';
import type { RouteRegistry } from './route.registry.js';

/** Records sensitive actions (AuditRepository fits). */
export interface AuditTrail {
  record(entry: { actorRole: string; actorId: string | null; action: string; target?: string; data?: Record<string, unknown> }): Promise<void>;
}

const SUPERVISING = ['supervisor', 'manager', 'admin'] as const;
const agentParams = z.object({ agentId: z.string().min(1).max(64) });

/** Shift-lead actions on other agents; every one is audited. */
export function registerSupervisorRoutes(routes: RouteRegistry, agents: AgentService, audit: AuditTrail): void {
  routes.add({
    method: 'POST',
    url: '/api/v1/supervisor/agents/:agentId/force-pause',
    summary: 'Force an agent into pause with a reason (audited)',
    roles: SUPERVISING,
    params: agentParams,
    body: z.object({ reason: z.string().min(1).max(32), note: z.string().max(500).optional() }),
    handler: async ({ params, body, principal }) => {
      const view = agents.pause(params.agentId, body.reason);
      await audit.record({ actorRole: principal.role, actorId: principal.agentId ?? principal.label, action: 'agent.force_pause', target: params.agentId, data: { reason: body.reason, note: body.note ?? null } });
      return view;
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/supervisor/agents/:agentId/force-logout',
    summary: 'Force an agent out of their seat (audited; not while on a call)',
    roles: SUPERVISING,
    params: agentParams,
    body: z.object({ note: z.string().max(500).optional() }),
    handler: async ({ params, body, principal }) => {
      const view = agents.logout(params.agentId);
      await audit.record({ actorRole: principal.role, actorId: principal.agentId ?? principal.label, action: 'agent.force_logout', target: params.agentId, data: { note: body.note ?? null } });
      return view;
    },
  });
}
