import { z } from 'zod';
import type { OpsJobData } from '@cti/contracts';
import { CtiError, OVERSIGHT_ROLES, SUPERVISING_ROLES, beijingNoon, beijingYearOf, ops } from '@cti/domain';
import type { BackupRecord, InspectionReportHeader, InspectionReportKind, StoredInspectionReport } from '@cti/db';
import type { IncidentService, IncidentView } from './incident.service.js';
import type { RouteRegistry } from '../http/route.registry.js';
import { calendarDay } from '../http/input.rules.js';

const LEVEL = z.enum(['L1', 'L2', 'L3', 'L4']);
const REPORT_KINDS = ['inspection', 'weekly', 'quarterly', 'annual'] as const;

/** Inspections, operations reports and backups as the routes need them (repositories and the job requester fit). */
export interface OpsReportsPort {
  listReports(kind: InspectionReportKind | undefined, limit: number): Promise<InspectionReportHeader[]>;
  findReport(id: string): Promise<StoredInspectionReport | undefined>;
  listBackups(limit: number): Promise<BackupRecord[]>;
  /** Runs a job on the worker and returns what it returned. */
  runJob(data: OpsJobData): Promise<unknown>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const incidentView = (v: IncidentView) => ({
  id: v.id, level: v.level, source: v.source, condition: v.condition, title: v.title, detail: v.detail, state: v.state,
  startedAt: iso(v.startedAt), openedAt: iso(v.openedAt), openedBy: v.openedBy,
  acknowledgedAt: iso(v.acknowledgedAt), acknowledgedBy: v.acknowledgedBy,
  resolvedAt: iso(v.resolvedAt), resolvedBy: v.resolvedBy, resolutionNote: v.resolutionNote,
  sla: { deadline: iso(v.sla.deadline), durationMs: v.sla.durationMs, recoveryMs: v.sla.recoveryMs, remainingMs: v.sla.remainingMs, overdue: v.sla.overdue, breached: v.sla.breached },
});
const headerView = (h: InspectionReportHeader) => ({ ...h, from: iso(h.from), to: iso(h.to), generatedAt: iso(h.generatedAt) });
const backupView = (b: BackupRecord) => ({ ...b, startedAt: iso(b.startedAt), finishedAt: iso(b.finishedAt), prunedAt: iso(b.prunedAt) });
const actorOf = (p: { role: string; agentId: string | null; label: string }) => ({ role: p.role, id: p.agentId ?? p.label });
const idParam = z.object({ id: z.string().min(1).max(64) });

/** Operations API: incidents with SLA status, yearly fault time, inspections and reports, backups. */
export function registerOpsRoutes(routes: RouteRegistry, incidents: IncidentService, reports: OpsReportsPort, now: () => number): void {
  /** Runs an inspection or report job on the worker and returns the report it stored (503 `missing` if none). */
  const runAndShow = async (job: OpsJobData, missing: string) => {
    const out = (await reports.runJob(job)) as { id?: string } | undefined;
    const r = out?.id ? await reports.findReport(out.id) : undefined;
    if (!r) throw new CtiError('CTI_ERR_UNAVAILABLE', missing);
    return { ...headerView(r), report: r.report };
  };

  routes.add({
    method: 'GET',
    url: '/api/v1/ops/incidents',
    summary: 'Fault incidents (newest first) with their recovery deadline and SLA status',
    roles: OVERSIGHT_ROLES,
    query: z.object({
      open: z.enum(['true', 'false']).optional(),
      overdue: z.enum(['true', 'false']).optional(),
      level: LEVEL.optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    handler: async ({ query }) => {
      const items = await incidents.list({
        ...(query.open && { open: query.open === 'true' }),
        ...(query.overdue && { overdue: query.overdue === 'true' }),
        ...(query.level && { level: query.level }),
        ...(query.from && { from: Date.parse(query.from) }),
        ...(query.to && { to: Date.parse(query.to) }),
        limit: query.limit,
      });
      return { items: items.map(incidentView) };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/ops/incidents/:id',
    summary: 'One incident with its SLA status and history',
    roles: OVERSIGHT_ROLES,
    params: idParam,
    handler: async ({ params }) => {
      const v = await incidents.get(params.id);
      return { ...incidentView(v), events: v.events.map((e) => ({ ...e, at: iso(e.at) })) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/ops/incidents',
    summary: 'Report a fault (staff-reported incident; audited)',
    roles: SUPERVISING_ROLES,
    body: z.object({
      level: LEVEL,
      title: z.string().trim().min(1).max(300),
      detail: z.record(z.string(), z.unknown()).optional(),
      startedAt: z.iso.datetime({ offset: true }).optional(),
    }),
    handler: async ({ body, principal, reply }) => {
      const startedAt = body.startedAt ? Date.parse(body.startedAt) : undefined;
      if (startedAt !== undefined && startedAt > now()) throw new CtiError('CTI_ERR_VALIDATION', 'startedAt is in the future', { field: 'startedAt' });
      const v = await incidents.report(actorOf(principal), { level: body.level, title: body.title, ...(body.detail && { detail: body.detail }), ...(startedAt !== undefined && { startedAt }) });
      reply.status(201);
      return incidentView(v);
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/ops/incidents/:id/acknowledge',
    summary: 'Acknowledge an open incident (audited)',
    roles: SUPERVISING_ROLES,
    params: idParam,
    handler: async ({ params, principal }) => incidentView(await incidents.acknowledge(actorOf(principal), params.id)),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/ops/incidents/:id/resolve',
    summary: 'Resolve an incident with a note; resolvedAt (default now) is when service was restored (audited)',
    roles: SUPERVISING_ROLES,
    params: idParam,
    body: z.object({ note: z.string().trim().min(1).max(2000), resolvedAt: z.iso.datetime({ offset: true }).optional() }),
    handler: async ({ params, body, principal }) =>
      incidentView(await incidents.resolve(actorOf(principal), params.id, body.note, body.resolvedAt ? Date.parse(body.resolvedAt) : undefined)),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/ops/fault-time',
    summary: 'Cumulative fault time of a (Beijing) year, overlapping incidents counted once, against the yearly budget (24 h); asOf (default now, not in the future) ends the count at that instant',
    roles: OVERSIGHT_ROLES,
    query: z.object({ year: z.coerce.number().int().min(2000).max(2100).optional(), asOf: z.iso.datetime({ offset: true }).optional() }),
    handler: async ({ query }) => {
      const asOf = query.asOf ? Date.parse(query.asOf) : undefined;
      const f = await incidents.faultTime(query.year ?? beijingYearOf(asOf ?? now()), asOf);
      return { ...f, from: iso(f.from), to: iso(f.to), asOf: iso(f.asOf), faultHours: f.faultMs / 3_600_000, budgetHours: f.budgetMs / 3_600_000 };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/ops/inspections',
    summary: 'Stored inspections (巡检) and weekly/quarterly/annual operations reports, newest first',
    roles: OVERSIGHT_ROLES,
    query: z.object({ kind: z.enum(REPORT_KINDS).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
    handler: async ({ query }) => ({ items: (await reports.listReports(query.kind, query.limit)).map(headerView) }),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/ops/inspections/:id',
    summary: 'One inspection or operations report: JSON (default), plain text or HTML',
    roles: OVERSIGHT_ROLES,
    params: idParam,
    query: z.object({ format: z.enum(['json', 'text', 'html']).default('json') }),
    handler: async ({ params, query, reply }) => {
      const r = await reports.findReport(params.id);
      if (!r) throw new CtiError('CTI_ERR_NOT_FOUND', `no inspection report ${params.id}`, { id: params.id });
      if (query.format === 'html') return reply.type('text/html; charset=utf-8').send(r.html);
      if (query.format === 'text') return reply.type('text/plain; charset=utf-8').send(r.text);
      return { ...headerView(r), report: r.report };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/ops/inspections/run',
    summary: 'Run an inspection now on the worker and return its report',
    roles: SUPERVISING_ROLES,
    handler: async ({ reply }) => {
      const view = await runAndShow({ kind: 'inspection', trigger: 'manual' }, 'inspection ran but its report was not stored');
      reply.status(201);
      return view;
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/ops/reports',
    summary: 'Generate a weekly inspection report or a quarterly/annual operations report now (period containing date, default the last complete one)',
    roles: SUPERVISING_ROLES,
    body: z.object({ kind: z.enum(['weekly', 'quarterly', 'annual']), date: calendarDay.optional() }),
    handler: async ({ body, reply }) => {
      const p = body.date ? ops.opsPeriodContaining(body.kind, beijingNoon(body.date)) : undefined;
      const view = await runAndShow({ kind: 'report', report: body.kind, ...(p && { from: p.from, to: p.to }) }, 'report ran but was not stored');
      reply.status(201);
      return view;
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/ops/backups',
    summary: 'Database backups, newest first, with their restore verification',
    roles: OVERSIGHT_ROLES,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(30) }),
    handler: async ({ query }) => ({ items: (await reports.listBackups(query.limit)).map(backupView) }),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/ops/backups/run',
    summary: 'Back the database up now and verify the restore (admin)',
    roles: ['admin'],
    handler: async ({ reply }) => {
      const out = await reports.runJob({ kind: 'backup', trigger: 'manual' });
      reply.status(201);
      return out;
    },
  });
}
