import { OVERSIGHT_ROLES } from '@cti/domain';
import type { KpiService } from './kpi.service.js';
import type { RouteRegistry } from '../http/route.registry.js';

/** Erlang C staffing per half-hour of today against agents logged in. */
export function registerStaffingRoutes(routes: RouteRegistry, kpis: KpiService): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/staffing',
    summary: 'Erlang C per half-hour of today: agents needed for the 15 s and answer-rate targets vs agents logged in, and the gap',
    roles: OVERSIGHT_ROLES,
    handler: async () => {
      const plan = await kpis.staffing();
      return {
        aht: plan.aht,
        current: plan.intervals.find((i) => i.when === 'current') ?? null,
        intervals: plan.intervals.map((i) => ({ ...i, start: new Date(i.start).toISOString() })),
      };
    },
  });
}
