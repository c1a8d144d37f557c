import { z } from 'zod';
import { CtiError, OVERSIGHT_ROLES, STAFF_ROLES, SUPERVISING_ROLES, inRoleGroup, type AgentView } from '@cti/domain';
import type { Principal } from '@cti/db';
import type { AgentService } from './agent.service.js';
import type { BrowserPhoneCredentialsService } from './browser-phone.credentials.js';
import type { RouteRegistry } from '../http/route.registry.js';

/** What the desk page needs besides the agent's state: pause reasons, wrap-up, seats and browser phones. */
export interface DeskSettings {
  /** Pause reasons an agent may choose (the ACD's configured list). */
  pauseReasons: readonly string[];
  /** After-call work seconds (CTI_WRAP_UP_S). */
  wrapUpSeconds: number;
  /** Seats an agent may log in at (`seat-01` …). */
  seats: readonly string[];
  /** Browser phones' credentials; undefined when none are configured. */
  browserPhones: BrowserPhoneCredentialsService | undefined;
}

const agentParams = z.object({ agentId: z.string().min(1).max(64) });

/** An agent may act only on their own seat; supervisors, managers and admins on any. */
function assertMayActFor(principal: Principal, agentId: string): void {
  if (inRoleGroup(SUPERVISING_ROLES, principal.role)) return;
  if (principal.agentId !== agentId) {
    throw new CtiError('CTI_ERR_FORBIDDEN', `${principal.staff ? 'signed-in' : 'token of'} ${principal.agentId ?? principal.label} may not act for agent ${agentId}`, { agentId });
  }
}

/** Agent log-in, log-out, ready and pause; the desk's view of one agent and its browser phone. */
export function registerAgentRoutes(routes: RouteRegistry, agents: AgentService, desk?: DeskSettings): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/agents',
    summary: 'List agents with their live state',
    roles: OVERSIGHT_ROLES,
    handler: async () => ({ items: await agents.list() }),
  });
  /** A state change an agent makes on their own seat (or a supervisor on any). */
  const agentAction = <B extends z.ZodType>(path: string, summary: string, body: B | undefined, act: (agentId: string, body: z.infer<B>) => AgentView | Promise<AgentView>) =>
    routes.add({
      method: 'POST',
      url: `/api/v1/agents/:agentId/${path}`,
      summary,
      roles: STAFF_ROLES,
      params: agentParams,
      ...(body && { body }),
      handler: async ({ params, body: input, principal, req }) => {
        assertMayActFor(principal, params.agentId);
        const before = agents.liveState(params.agentId);
        const after = await act(params.agentId, input as z.infer<B>);
        // Who made an agent ready or paused them, and from which state: the ACD's own changes (calls, wrap-up,
        // seat reachability) are logged where they happen, so together they explain every state an agent was in.
        req.log.info(
          { agentId: params.agentId, action: path, from: before?.state ?? 'logged_out', to: after.state, reason: after.pauseReason ?? after.pendingPauseReason, by: principal.staff?.username ?? principal.label, role: principal.role },
          'agent state set',
        );
        return after;
      },
    });
  agentAction(
    'login',
    "Log an agent in to a seat, taking calls on its desk phone (default) or the desk page's browser phone",
    z.object({ seat: z.string().regex(/^seat-\d{2,4}$/, 'seat must look like seat-01'), phone: z.enum(['desk', 'browser']).optional() }),
    (id, b) => agents.login(id, b.seat, b.phone ?? 'desk'),
  );
  agentAction('logout', 'Log an agent out', undefined, (id) => agents.logout(id));
  agentAction('ready', 'Set an agent ready for calls', undefined, (id) => agents.ready(id));
  agentAction('pause', 'Pause an agent with a reason code', z.object({ reason: z.string().min(1).max(32) }), (id, b) => agents.pause(id, b.reason));
  agentAction('wrap-up/end', 'End after-call work early', undefined, (id) => agents.endWrapUp(id));
  if (!desk) return;
  routes.add({
    method: 'GET',
    url: '/api/v1/agents/:agentId',
    summary: 'One agent with live state, and what the desk offers: pause reasons, wrap-up seconds, seats, browser phones',
    roles: STAFF_ROLES,
    params: agentParams,
    handler: async ({ params, principal }) => {
      assertMayActFor(principal, params.agentId);
      const agent = await agents.find(params.agentId);
      if (!agent) throw new CtiError('CTI_ERR_NO_SUCH_AGENT', `no agent ${params.agentId}`, { agentId: params.agentId });
      return { ...agent, desk: { pauseReasons: desk.pauseReasons, wrapUpSeconds: desk.wrapUpSeconds, seats: desk.seats, browserPhones: desk.browserPhones !== undefined } };
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/agents/:agentId/transfer-targets',
    summary: "Whom the agent's desk can transfer a call to: the other agents logged in now (name, state, skills) and the skills their queues have",
    roles: STAFF_ROLES,
    params: agentParams,
    handler: async ({ params, principal }) => {
      assertMayActFor(principal, params.agentId);
      const logged = (await agents.list()).filter((a) => a.agentId !== params.agentId && a.live && a.live.state !== 'logged_out');
      return {
        // Seats and calls stay with supervisors: the desk needs who and whether they can take a call now.
        agents: logged.map((a) => ({ agentId: a.agentId, name: a.name, state: a.live?.state, skills: Object.keys(a.skills).sort() })),
        skills: [...new Set(logged.flatMap((a) => Object.keys(a.skills)))].sort(),
      };
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/agents/:agentId/phone',
    summary: "SIP credentials of the browser phone the agent is logged in with (the agent themself only; 409 when on a desk phone)",
    roles: STAFF_ROLES,
    params: agentParams,
    handler: async ({ params, principal, req }) => {
      // A seat's SIP password goes to the person sitting there, never to someone watching the seat.
      if (principal.agentId !== params.agentId) throw new CtiError('CTI_ERR_FORBIDDEN', `only agent ${params.agentId} may read their browser phone's credentials`, { agentId: params.agentId });
      if (!desk.browserPhones) throw new CtiError('CTI_ERR_INVALID_STATE', 'no browser phones are configured (CTI_WEBRTC_CERT_FILE)');
      const credentials = await desk.browserPhones.forAgent(params.agentId);
      req.log.info({ agentId: params.agentId, endpoint: credentials.endpoint }, 'browser phone credentials handed to the agent');
      return credentials;
    },
  });
}
