import { z } from 'zod';
import { OVERSIGHT_ROLES, beijingDate, beijingNoon, periodContaining } from '@cti/domain';
import type { ReportKind, StoredReport } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { calendarDay } from '../http/input.rules.js';

/** Report reads and on-demand generation (ReportRequester and ReportRepository fit). */
export interface ReportAccess {
  get(kind: ReportKind, from: number, to: number, regenerate: boolean): Promise<StoredReport>;
  list(kind: ReportKind | undefined, limit: number): Promise<Array<Omit<StoredReport, 'html' | 'csv'>>>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Daily, weekly and monthly reports in HTML, CSV or JSON (summary). */
export function registerReportRoutes(routes: RouteRegistry, reports: ReportAccess, now: () => number): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/reports',
    summary: 'Generated reports (newest period first), without their bodies',
    roles: OVERSIGHT_ROLES,
    query: z.object({ kind: z.enum(['daily', 'weekly', 'monthly']).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
    handler: async ({ query }) => ({
      items: (await reports.list(query.kind, query.limit)).map((r) => ({ ...r, from: iso(r.from), to: iso(r.to), generatedAt: iso(r.generatedAt) })),
    }),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/reports/:kind',
    summary: 'The report of the period containing date (YYYY-MM-DD, Beijing; default today) as html, csv or json; generated on demand when missing or stale',
    roles: OVERSIGHT_ROLES,
    params: z.object({ kind: z.enum(['daily', 'weekly', 'monthly']) }),
    query: z.object({
      date: calendarDay.optional(),
      format: z.enum(['html', 'csv', 'json']).default('html'),
      regenerate: z.enum(['true', 'false']).optional(),
    }),
    handler: async ({ params, query, reply }) => {
      const at = query.date ? beijingNoon(query.date) : now();
      const p = periodContaining(params.kind, at);
      const r = await reports.get(params.kind, p.from, p.to, query.regenerate === 'true');
      const name = `12345-${params.kind}-${beijingDate(p.from)}`;
      if (query.format === 'csv') {
        return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(r.csv);
      }
      if (query.format === 'json') return { kind: r.kind, from: iso(r.from), to: iso(r.to), generatedAt: iso(r.generatedAt), summary: r.summary };
      return reply.header('content-type', 'text/html; charset=utf-8').send(r.html);
    },
  });
}
