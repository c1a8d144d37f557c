import { z } from 'zod';
import { CALLER_MARK_KINDS, CtiError, OVERSIGHT_ROLES, SEAT_ROLES, SUPERVISING_ROLES, inRoleGroup, maskPhone } from '@cti/domain';
import type { CallerMark, Principal } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { calendarDay, pageLimit } from '../http/input.rules.js';
import type { CallerMarkCache, CallerMarkStore } from './caller-marks.js';

/** What the routes need from the live calls: the call an agent is on, with its caller. */
export interface CallerMarkDeps {
  now: () => number;
  liveCallOf(agentId: string): { callId: string; callerNumber: string } | undefined;
}

const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'id: digits');
const text = (min: number, max: number) => z.string().trim().min(min).max(max);
const actor = (p: Principal) => p.label;

/** A mark as agents may see it in lists: the number masked unless the reader oversees the floor. */
const shown = (m: CallerMark, p: Principal) => (inRoleGroup(OVERSIGHT_ROLES, p.role) ? m : { ...m, number: maskPhone(m.number) });

/**
 * Nuisance and malicious callers (骚扰、恶意来电): an agent flags the call they are on; a shift lead approves a mark on the
 * number (reason, expiry, police referral) or rejects it, and may lift it; the agent's call shows the mark in force.
 */
export function registerCallerMarkRoutes(routes: RouteRegistry, store: CallerMarkStore, cache: CallerMarkCache, d: CallerMarkDeps): void {
  routes.add({
    method: 'POST',
    url: '/api/v1/caller-marks/flags',
    summary: 'Flag a caller as nuisance or malicious: an agent flags the call they are on (the number comes from the gateway); a shift lead may name a number',
    roles: SEAT_ROLES,
    body: z.object({ kind: z.enum(CALLER_MARK_KINDS as [string, ...string[]]), reason: text(2, 500), number: z.string().max(32).optional() }).strict(),
    handler: async ({ body, principal, reply }) => {
      const lead = inRoleGroup(SUPERVISING_ROLES, principal.role);
      let number = body.number;
      let callId: string | null = null;
      if (number !== undefined && !lead) throw new CtiError('CTI_ERR_FORBIDDEN', 'an agent flags the call they are on, not a number', {});
      if (number === undefined) {
        const call = principal.agentId ? d.liveCallOf(principal.agentId) : undefined;
        if (!call) throw new CtiError('CTI_ERR_INVALID_STATE', 'no call to flag: you are not on a call', { agentId: principal.agentId });
        number = call.callerNumber;
        callId = call.callId;
      }
      const mark = await store.flag({ number, kind: body.kind as 'nuisance' | 'malicious', reason: body.reason, callId }, actor(principal), d.now());
      reply.status(201);
      return shown(mark, principal);
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/caller-marks',
    summary: 'Caller marks, newest first, by status (pending ones await a shift lead)',
    roles: OVERSIGHT_ROLES,
    query: z.object({ status: z.enum(['pending', 'active', 'rejected', 'lifted', 'expired']).optional(), limit: pageLimit(500, 100) }),
    handler: async ({ query }) => ({ items: await store.list(query.status, query.limit, d.now()) }),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/caller-marks/:id/decision',
    summary: 'A shift lead approves a pending mark until a date (reason; police referral with a note for malicious disruption) or rejects it',
    roles: SUPERVISING_ROLES,
    params: z.object({ id }),
    body: z
      .object({ approve: z.boolean(), reason: text(2, 500), until: calendarDay.optional(), policeReferral: z.boolean().default(false), policeNote: text(2, 500).optional() })
      .strict()
      .refine((b) => !b.approve || b.until !== undefined, { message: 'an approval needs until (YYYY-MM-DD)', path: ['until'] })
      .refine((b) => !b.policeReferral || b.policeNote !== undefined, { message: 'a police referral needs a note (to whom, when)', path: ['policeNote'] }),
    handler: async ({ params, body, principal }) => {
      // The mark lasts to the end of the chosen Beijing day.
      const expiresAt = body.until ? Date.parse(`${body.until}T23:59:59.999+08:00`) + 1 : null;
      const mark = await store.decide(params.id, { approve: body.approve, reason: body.reason, expiresAt, policeReferral: body.policeReferral, policeNote: body.policeNote ?? null }, actor(principal), d.now());
      await cache.refresh();
      return mark;
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/caller-marks/:id/lift',
    summary: 'A shift lead lifts an active mark before its expiry, with a reason',
    roles: SUPERVISING_ROLES,
    params: z.object({ id }),
    body: z.object({ reason: text(2, 500) }).strict(),
    handler: async ({ params, body, principal }) => {
      const mark = await store.lift(params.id, body.reason, actor(principal), d.now());
      await cache.refresh();
      return mark;
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/caller-marks/:id/history',
    summary: "Every step of a mark: flags (with the call), approval or rejection, lift, expiry — who, when, why",
    roles: OVERSIGHT_ROLES,
    params: z.object({ id }),
    handler: async ({ params }) => {
      const m = await store.find(params.id);
      if (!m) throw new CtiError('CTI_ERR_NOT_FOUND', `no caller mark ${params.id}`, { id: params.id });
      return { mark: m, items: await store.history(params.id) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/agents/:agentId/call/caller-mark',
    summary: "The mark in force on the caller of the agent's live call (null when none)",
    roles: SEAT_ROLES,
    params: z.object({ agentId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) }),
    handler: async ({ params, principal }) => {
      if (!inRoleGroup(SUPERVISING_ROLES, principal.role) && principal.agentId !== params.agentId) {
        throw new CtiError('CTI_ERR_FORBIDDEN', `may not read agent ${params.agentId}'s call`, { agentId: params.agentId });
      }
      const call = d.liveCallOf(params.agentId);
      if (!call) throw new CtiError('CTI_ERR_NO_SUCH_CALL', `agent ${params.agentId} is not on a call`, { agentId: params.agentId });
      return { callId: call.callId, mark: cache.noticeFor(call.callerNumber) ?? null };
    },
  });
}
