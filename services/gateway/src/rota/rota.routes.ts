import { z } from 'zod';
import { CtiError, HANDOVER_LIMITS, OVERSIGHT_ROLES, SEAT_ROLES, STAFF_ROLES, SUPERVISING_ROLES, inRoleGroup } from '@cti/domain';
import type { RouteRegistry } from '../http/route.registry.js';
import { calendarDay, pageLimit } from '../http/input.rules.js';
import type { RotaService } from './rota.service.js';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM');
const agentId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'agent id');
const shiftCode = z.string().regex(/^[a-z][a-z0-9_-]{0,15}$/, 'shift code');
const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'id: digits');
const text = (max: number) => z.string().trim().min(1).max(max);
const entry = z.object({ agentId, date: calendarDay, shift: shiftCode }).strict();

/** Who did it, as the rota stores it: the staff username or token label. */
const actor = (p: { label: string }) => p.label;

/**
 * Shifts, the month's rota (排班) and its proposal, swaps (换班), attendance (考勤) and handovers (交接班). Everyone
 * signed in reads the rota; shift leads and managers plan it, decide swaps and write and acknowledge handovers; an
 * agent asks to swap their own shifts; attendance is read by those who oversee the floor.
 */
export function registerRotaRoutes(routes: RouteRegistry, rota: RotaService): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/rota/config',
    summary: 'The shifts (codes, names, times in Beijing time) and the rota rules: minimum staff per shift and per skill, rest hours, consecutive days, grace minutes',
    roles: STAFF_ROLES,
    handler: async () => rota.config,
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/rota',
    summary: "The month's rota: every shift of every date with its agents and whether it meets the minima, the entries, the agents and their skills",
    roles: STAFF_ROLES,
    query: z.object({ month }),
    handler: async ({ query }) => rota.month(query.month),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/rota/proposal',
    summary: "Propose a month's rota covering the Erlang C forecast of every half-hour with the fewest agent-hours, keeping the rest rules; lists the half-hours and shifts it cannot cover. Nothing is saved",
    roles: SUPERVISING_ROLES,
    body: z.object({ month, unavailable: z.record(agentId, z.array(calendarDay).max(31)).default({}) }).strict(),
    handler: async ({ body }) => rota.propose(body.month, body.unavailable),
  });

  routes.add({
    method: 'PUT',
    url: '/api/v1/rota/:month',
    summary: "Save the month's rota (replaces it); refused with every broken rule listed (one shift a day, rest between shifts, consecutive days — checked with the fortnight on each side)",
    roles: SUPERVISING_ROLES,
    params: z.object({ month }),
    body: z.object({ entries: z.array(entry).max(20_000) }).strict(),
    handler: async ({ params, body, principal }) => {
      const outside = body.entries.find((e) => !e.date.startsWith(`${params.month}-`));
      if (outside) throw new CtiError('CTI_ERR_VALIDATION', `entry dated ${outside.date} is not in ${params.month}`, { date: outside.date });
      return rota.save(params.month, body.entries, actor(principal));
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/rota/swaps',
    summary: 'Ask to swap a shift: another agent takes it (withDate left out) or the two exchange shifts; an agent asks for their own shifts, a shift lead for anyone',
    roles: SEAT_ROLES,
    body: z.object({ agentId: agentId.optional(), date: calendarDay, withAgentId: agentId, withDate: calendarDay.optional(), reason: text(200) }).strict(),
    handler: async ({ body, principal, reply }) => {
      const lead = inRoleGroup(SUPERVISING_ROLES, principal.role);
      const who = body.agentId ?? principal.agentId;
      if (!who) throw new CtiError('CTI_ERR_VALIDATION', 'agentId is required for an account without an agent identity');
      if (!lead && who !== principal.agentId) throw new CtiError('CTI_ERR_FORBIDDEN', 'an agent asks to swap only their own shifts', { agentId: who });
      reply.status(201);
      return rota.requestSwap({ agentId: who, date: body.date, withAgentId: body.withAgentId, withDate: body.withDate ?? null, reason: body.reason }, actor(principal));
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/rota/swaps',
    summary: 'Swap requests, newest first (an agent sees those that involve them)',
    roles: SEAT_ROLES,
    query: z.object({ status: z.enum(['requested', 'approved', 'rejected', 'withdrawn']).optional(), limit: pageLimit(500, 100) }),
    handler: async ({ query, principal }) => {
      const items = await rota.swaps(query.status, query.limit);
      if (inRoleGroup(SUPERVISING_ROLES, principal.role)) return { items };
      return { items: items.filter((s) => s.agentId === principal.agentId || s.withAgentId === principal.agentId) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/rota/swaps/:id/decision',
    summary: 'A shift lead approves (the swap is applied if the rota is unchanged and the rest rules still hold) or rejects a swap',
    roles: SUPERVISING_ROLES,
    params: z.object({ id }),
    body: z.object({ approve: z.boolean(), note: text(200).optional() }).strict(),
    handler: async ({ params, body, principal }) => rota.decideSwap(params.id, body.approve, actor(principal), body.note ?? null),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/attendance',
    summary: "Attendance of a date's rota: signed in, late, left early, absent, and schedule adherence, from the agents' own state intervals",
    roles: OVERSIGHT_ROLES,
    query: z.object({ date: calendarDay }),
    handler: async ({ query }) => ({ date: query.date, items: await rota.attendance(query.date) }),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/attendance/summary',
    summary: "Each agent's attendance over the month's ended shifts: shifts, present, late, left early, absent, mean adherence",
    roles: OVERSIGHT_ROLES,
    query: z.object({ month }),
    handler: async ({ query }) => ({ month: query.month, items: await rota.attendanceSummary(query.month) }),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/handovers',
    summary: 'Handovers (交接班), newest first, with the matters still open to carry into the next one',
    roles: SUPERVISING_ROLES,
    query: z.object({ limit: pageLimit(200, 20) }),
    handler: async ({ query }) => ({ items: await rota.handovers(query.limit), carriedOver: await rota.draft() }),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/handovers',
    summary: "The outgoing shift lead's handover: the matters (open ones carry over) and a note",
    roles: SUPERVISING_ROLES,
    body: z
      .object({
        date: calendarDay,
        shift: shiftCode,
        items: z.array(z.object({ text: z.string().max(HANDOVER_LIMITS.chars + 100), open: z.boolean() }).strict()).max(HANDOVER_LIMITS.items),
        note: text(HANDOVER_LIMITS.note).optional(),
      })
      .strict(),
    handler: async ({ body, principal, reply }) => {
      reply.status(201);
      return rota.writeHandover({ date: body.date, shift: body.shift, items: body.items, note: body.note ?? null }, actor(principal));
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/handovers/:id/acknowledge',
    summary: 'The incoming shift lead acknowledges a handover (once; not its writer)',
    roles: SUPERVISING_ROLES,
    params: z.object({ id }),
    handler: async ({ params, principal }) => rota.acknowledgeHandover(params.id, actor(principal)),
  });
}
