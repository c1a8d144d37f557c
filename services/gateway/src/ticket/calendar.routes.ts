import { z } from 'zod';
import { CtiError, REFERENCE_DATA_ROLES, STAFF_ROLES, createWorkingCalendar } from '@cti/domain';
import type { CalendarDay } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { calendarDay } from '../http/input.rules.js';

/** Calendar storage (CalendarRepository fits) and the cache to drop after a change. */
export interface CalendarAdmin {
  list(year?: number): Promise<CalendarDay[]>;
  put(day: CalendarDay): Promise<void>;
  remove(date: string): Promise<boolean>;
  load(): Promise<{ holidays: readonly string[]; adjustedWorkdays: readonly string[] }>;
}

const date = calendarDay;

/** The holiday calendar as data: public holidays and adjusted working days; managers administer it. */
export function registerCalendarRoutes(routes: RouteRegistry, calendar: CalendarAdmin, invalidate: () => void): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/calendar',
    summary: 'Configured holidays and adjusted working days (Beijing dates)',
    roles: STAFF_ROLES,
    query: z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() }),
    handler: async ({ query }) => ({ items: await calendar.list(query.year) }),
  });
  routes.add({
    method: 'PUT',
    url: '/api/v1/calendar/days/:date',
    summary: 'Declare a day a holiday or an adjusted working day (调休); applies to deadlines computed from now on',
    roles: REFERENCE_DATA_ROLES,
    params: z.object({ date }),
    body: z.object({ kind: z.enum(['holiday', 'workday']), note: z.string().max(200).nullable().optional() }).strict(),
    handler: async ({ params, body }) => {
      // Validate the date (and that the calendar stays consistent) with the domain's own check first.
      createWorkingCalendar(body.kind === 'holiday' ? { holidays: [params.date], adjustedWorkdays: [] } : { holidays: [], adjustedWorkdays: [params.date] });
      await calendar.put({ date: params.date, kind: body.kind, note: body.note ?? null });
      invalidate();
      return { date: params.date, kind: body.kind, note: body.note ?? null };
    },
  });
  routes.add({
    method: 'DELETE',
    url: '/api/v1/calendar/days/:date',
    summary: 'Remove a configured day (it becomes an ordinary weekday or weekend day)',
    roles: REFERENCE_DATA_ROLES,
    params: z.object({ date }),
    handler: async ({ params }) => {
      if (!(await calendar.remove(params.date))) throw new CtiError('CTI_ERR_NOT_FOUND', `${params.date} is not configured`, { date: params.date });
      invalidate();
      return { removed: params.date };
    },
  });
}
