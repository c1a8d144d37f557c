import { OVERSIGHT_ROLES, maskPhone } from '@cti/domain';
import type { CallSession } from './call-session.js';
import type { RouteRegistry } from '../http/route.registry.js';

/** Live calls (CallService fits). */
export interface LiveCallSource {
  liveCalls(): CallSession[];
}

/** Supervisor view of the calls in progress. */
export function registerCallRoutes(routes: RouteRegistry, calls: LiveCallSource, now: () => number): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/calls/live',
    summary: 'Calls in progress with phase, agent, masked caller and duration',
    roles: OVERSIGHT_ROLES,
    handler: async () => ({
      items: calls.liveCalls().map((c) => ({
        callId: c.callId,
        phase: c.phase,
        trunk: c.trunk,
        line: c.did,
        caller: maskPhone(c.callerNumber),
        language: c.language,
        agentId: c.agentId ?? null,
        seat: c.seat ?? null,
        // The merged line's own greeting: playing, played, failed (sound missing), cut (a seat rang first), or null.
        greeting: c.lineGreeting ?? null,
        waitingSeconds: Math.round(((c.answeredAt ?? now()) - (c.queuedAt ?? c.arrivedAt)) / 1000),
        durationSeconds: Math.round((now() - c.arrivedAt) / 1000),
      })),
    }),
  });
}
