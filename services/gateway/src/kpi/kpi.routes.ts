import { z } from 'zod';
import { CtiError, OVERSIGHT_ROLES, STAFF_ROLES, SUPERVISING_ROLES, beijingMonth, beijingNoon, dayPeriod, monthPeriodOf, type KpiPeriod } from '@cti/domain';
import type { FaultWindowActor, FaultWindowRow, KpiAlert, Principal } from '@cti/db';
import type { KpiService } from './kpi.service.js';
import type { RouteRegistry } from '../http/route.registry.js';
import { calendarDay } from '../http/input.rules.js';

/** Query selecting a period: `month=YYYY-MM`, `date=YYYY-MM-DD` (Beijing) or `from`/`to` instants; default this month so far. */
export const periodQuery = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM').optional(),
  date: calendarDay.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

/** The longest period a KPI route computes over: a year (leap years included). */
export const MAX_KPI_PERIOD_DAYS = 366;

/**
 * The period a periodQuery names (no query: this Beijing month), at most MAX_KPI_PERIOD_DAYS; clipped to `now` unless
 * `clip` is false (figures of the future are not yet known, but fault windows may be declared ahead).
 */
export function periodOf(q: z.infer<typeof periodQuery>, now: number, clip = true): KpiPeriod {
  let p: KpiPeriod;
  if (q.from || q.to) {
    if (!q.from || !q.to) throw new CtiError('CTI_ERR_VALIDATION', 'from and to go together', { field: q.from ? 'to' : 'from' });
    p = { from: Date.parse(q.from), to: Date.parse(q.to) };
  } else if (q.date) {
    p = dayPeriod(beijingNoon(q.date));
  } else {
    p = monthPeriodOf(q.month ?? beijingMonth(now));
  }
  if (!(p.from < p.to)) throw new CtiError('CTI_ERR_VALIDATION', 'period must have from < to', { field: 'to' });
  if (p.to - p.from > MAX_KPI_PERIOD_DAYS * 86_400_000) {
    throw new CtiError('CTI_ERR_VALIDATION', `period is longer than ${MAX_KPI_PERIOD_DAYS} days: ask for it in parts`, { field: 'to', maxDays: MAX_KPI_PERIOD_DAYS });
  }
  return clip ? { from: p.from, to: Math.max(p.from + 1, Math.min(p.to, now + 1)) } : p;
}

/** Fault windows and alerts as the routes need them (KpiRepository and AlertRepository fit). */
export interface KpiAdminStore {
  faultWindows(from: number, to: number): Promise<FaultWindowRow[]>;
  /** Declares a window and writes the audit row (who, why) with it. */
  addFaultWindow(from: number, to: number, reason: string, actor: FaultWindowActor): Promise<FaultWindowRow>;
  /** Withdraws a window and writes the audit row (who, why) with it; false when there was none. */
  deleteFaultWindow(id: string, reason: string, actor: FaultWindowActor): Promise<boolean>;
  listOpenAlerts(): Promise<KpiAlert[]>;
  listRecentAlerts(limit: number): Promise<KpiAlert[]>;
  /** Runs the answer-rate alert check now. */
  checkAlerts(): Promise<unknown>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const actorOf = (p: Principal): FaultWindowActor => ({ role: p.role, id: p.agentId ?? p.label });
const reason = z.string().trim().min(1, 'reason is required').max(500);
const faultView = (w: FaultWindowRow) => ({ id: w.id, from: iso(w.from), to: iso(w.to), reason: w.reason, declaredBy: w.declaredBy });
const alertView = (a: KpiAlert) => ({ ...a, raisedAt: iso(a.raisedAt), updatedAt: iso(a.updatedAt), clearedAt: a.clearedAt === null ? null : iso(a.clearedAt) });

/** KPI API: answer rates (live, by month, by period), projection, per-agent figures, contract table, faults, alerts. */
export function registerKpiRoutes(routes: RouteRegistry, kpis: KpiService, admin: KpiAdminStore, now: () => number): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/kpi/answer-rate/live',
    summary: 'Answer rate today and this month (Beijing time, configured exclusions) with the month-end projection',
    roles: STAFF_ROLES,
    handler: async () => kpis.live(),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kpi/answer-rate',
    summary: 'Answer rate of a period (month=YYYY-MM, date=YYYY-MM-DD or from/to) with exclusion counts and answered within 15 s',
    roles: STAFF_ROLES,
    query: periodQuery,
    handler: async ({ query }) => kpis.answerRate(periodOf(query, now())),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kpi/lines',
    summary: 'Call figures per hotline line (双号并行: offered, answered, abandoned, answer rate against the line’s target, answered within 15 s) beside the whole centre, for a period',
    roles: STAFF_ROLES,
    query: periodQuery,
    handler: async ({ query }) => {
      const r = await kpis.lines(periodOf(query, now()));
      return { ...r, from: iso(r.from), to: iso(r.to) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kpi/projection',
    summary: 'Month-end answer-rate projection and the alert it raises below 98%',
    roles: STAFF_ROLES,
    handler: async () => kpis.projection(),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kpi/agents',
    summary: 'Per-agent figures: answer efficiency, answered, talk/hold/wrap-up, AHT, utilization, occupancy, pause by reason, QA',
    roles: OVERSIGHT_ROLES,
    query: periodQuery,
    handler: async ({ query }) => {
      const p = periodOf(query, now());
      return { from: iso(p.from), to: iso(p.to), items: await kpis.agents(p) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kpi/contract',
    summary: 'The contract KPI table (value, target, pass/fail) for a period',
    roles: STAFF_ROLES,
    query: periodQuery,
    handler: async ({ query }) => {
      const p = periodOf(query, now());
      return { from: iso(p.from), to: iso(p.to), rows: await kpis.contractTable(p) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kpi/fault-windows',
    summary: 'Declared system faults overlapping a period (their calls are left out of the answer rate)',
    roles: STAFF_ROLES,
    query: periodQuery,
    handler: async ({ query }) => {
      const p = periodOf(query, now(), false);
      return { items: (await admin.faultWindows(p.from, p.to)).map(faultView) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/kpi/fault-windows',
    summary: 'Declare a system fault window [from, to) with a reason (audited: it removes calls from the answer rate)',
    roles: SUPERVISING_ROLES,
    body: z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), reason }),
    handler: async ({ body, principal, reply }) => {
      const from = Date.parse(body.from);
      const to = Date.parse(body.to);
      if (!(from < to)) throw new CtiError('CTI_ERR_VALIDATION', 'fault window must have from < to', { field: 'to' });
      if (to - from > MAX_KPI_PERIOD_DAYS * 86_400_000) throw new CtiError('CTI_ERR_VALIDATION', `fault window is longer than ${MAX_KPI_PERIOD_DAYS} days`, { field: 'to' });
      reply.status(201);
      return faultView(await admin.addFaultWindow(from, to, body.reason, actorOf(principal)));
    },
  });

  routes.add({
    method: 'DELETE',
    url: '/api/v1/kpi/fault-windows/:id',
    summary: 'Withdraw a fault window; body {reason} (audited)',
    roles: SUPERVISING_ROLES,
    params: z.object({ id: z.string().regex(/^\d{1,18}$/, 'id must be a number') }),
    body: z.object({ reason }),
    handler: async ({ params, body, principal }) => {
      if (!(await admin.deleteFaultWindow(params.id, body.reason, actorOf(principal)))) throw new CtiError('CTI_ERR_NOT_FOUND', `no fault window ${params.id}`, { id: params.id });
      return { deleted: params.id };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/kpi/alerts',
    summary: 'KPI alerts: open ones (default) or the most recent (open=false)',
    roles: STAFF_ROLES,
    query: z.object({ open: z.enum(['true', 'false']).optional() }),
    handler: async ({ query }) => ({ items: (query.open === 'false' ? await admin.listRecentAlerts(100) : await admin.listOpenAlerts()).map(alertView) }),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/kpi/alerts/check',
    summary: 'Re-check the month-end answer-rate projection now (raises or clears the alert)',
    roles: SUPERVISING_ROLES,
    handler: async () => admin.checkAlerts(),
  });
}
