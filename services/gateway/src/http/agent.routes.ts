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
    throw new CtiError('CTI_ERR_FORBIDDEN', `${principal.staff ? 'signed-in' : 'token of'} ${principal.agentId ?? principal.label} may not act for agent ${agentId}`, { agentId });
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
  /** A state change an agent makes on their own seat (or a supervisor on any). */
  const agentAction = <B extends z.ZodType>(path: string, summary: string, body: B | undefined, act: (agentId: string, body: z.infer<B>) => unknown) =>
    routes.add({
      method: 'POST',
      url: `/api/v1/agents/:agentId/${path}`,
      summary,
      roles: ACTING,
      params: agentParams,
      ...(body && { body }),
      handler: async ({ params, body: input, principal }) => {
        assertMayActFor(principal, params.agentId);
        return act(params.agentId, input as z.infer<B>);
      },
    });
  agentAction('login', 'Log an agent in to a seat', z.object({ seat: z.string().regex(/^seat-\d{2,4}$/, 'seat must look like seat-01') }), (id, b) => agents.login(id, b.seat));
  agentAction('logout', 'Log an agent out', undefined, (id) => agents.logout(id));
  agentAction('ready', 'Set an agent ready for calls', undefined, (id) => agents.ready(id));
  agentAction('pause', 'Pause an agent with a reason code', z.object({ reason: z.string().min(1).max(32) }), (id, b) => agents.pause(id, b.reason));
  agentAction('wrap-up/end', 'End after-call work early', undefined, (id) => agents.endWrapUp(id));
}
