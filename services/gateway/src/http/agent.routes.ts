import { z } from 'zod';
import { CtiError } from '@cti/domain';
import type { Principal } from '@cti/db';
import type { AgentService } from '../agent/agent.service.js';
import type { RouteRegistry } from './route.registry.js';

const SUPERVISING = ['supervisor', 'manager', 'admin'] as const;
const ACTING = ['agent', 'qa', 'callback', 'supervisor', 'manager', 'admin'] as const;
const agentParams = z.object({ agentId: z.string().min(1).max(64) });

/** An agent may act only on their own seat; supervisors, managers and admins on any. */
function assertMayActFor(principal: Principal, agentId: string): void {
  if ((SUPERVISING as readonly string[]).includes(principal.role)) return;
  if (principal.agentId !== agentId) {
    throw new CtiError('CTI_ERR_FORBIDDEN', `token of ${principal.agentId ?? principal.label} may not act for agent ${agentId}`, { agentId });
  }
}

/** Agent log-in, log-out, ready and pause. */
export function registerAgentRoutes(routes: RouteRegistry, agents: AgentService): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/agents',
    summary: 'List agents with their live state',
    roles: ['supervisor', 'manager', 'admin', 'qa'],
    handler: async () => ({ items: await agents.list() }),
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/agents/:agentId/login',
    summary: 'Log an agent in to a seat',
    roles: ACTING,
    params: agentParams,
    body: z.object({ seat: z.string().regex(/^seat-\d{2,4}$/, 'seat must look like seat-01') }),
    handler: async ({ params, body, principal }) => {
      assertMayActFor(principal, params.agentId);
      return agents.login(params.agentId, body.seat);
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/agents/:agentId/logout',
    summary: 'Log an agent out',
    roles: ACTING,
    params: agentParams,
    handler: async ({ params, principal }) => {
      assertMayActFor(principal, params.agentId);
      return agents.logout(params.agentId);
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/agents/:agentId/ready',
    summary: 'Set an agent ready for calls',
    roles: ACTING,
    params: agentParams,
    handler: async ({ params, principal }) => {
      assertMayActFor(principal, params.agentId);
      return agents.ready(params.agentId);
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/agents/:agentId/pause',
    summary: 'Pause an agent with a reason code',
    roles: ACTING,
    params: agentParams,
    body: z.object({ reason: z.string().min(1).max(32) }),
    handler: async ({ params, body, principal }) => {
      assertMayActFor(principal, params.agentId);
      return agents.pause(params.agentId, body.reason);
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/agents/:agentId/wrap-up/end',
    summary: 'End after-call work early',
    roles: ACTING,
    params: agentParams,
    handler: async ({ params, principal }) => {
      assertMayActFor(principal, params.agentId);
      return agents.endWrapUp(params.agentId);
    },
  });
}
