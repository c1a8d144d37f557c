import { z } from 'zod';
import { DEFAULT_STAFF_KPI_TARGETS, OVERSIGHT_ROLES, SUPERVISING_ROLES, beijingDate, beijingMonth, monthDays, staffKpis } from '@cti/domain';
import { STAFF_POSTS, type StaffRecordsRepository } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { calendarDay } from '../http/input.rules.js';

/** What the routes need from the staff records (StaffRecordsRepository fits). */
export type StaffRecords = Pick<
  StaffRecordsRepository,
  'listMembers' | 'addMember' | 'updateMember' | 'listTrainings' | 'addTraining' | 'listExams' | 'addExam' | 'listRecruitments' | 'openRecruitment' | 'fillRecruitment' | 'facts'
>;

const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'id: digits');
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM');
const text = (min: number, max: number) => z.string().trim().min(min).max(max);
const post = z.enum(STAFF_POSTS);
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

/**
 * Staff records (人员档案) and the contract's staff KPIs (docs/domain.md §19): shift leads and managers keep the people
 * (joined, left), trainings with attendees, monthly exams with scores, recruitment requests; the KPIs of a month are
 * computed from them against the contract's targets. Everyone who oversees the floor reads them.
 */
export function registerPersonnelRoutes(routes: RouteRegistry, records: StaffRecords, now: () => number): void {
  const monthRange = (m: string | undefined) => monthDays(m ?? beijingMonth(now()));

  routes.add({
    method: 'GET',
    url: '/api/v1/personnel/members',
    summary: 'People on the staff records (those who left only when asked)',
    roles: OVERSIGHT_ROLES,
    query: z.object({ includeLeft: bool.default(false) }),
    handler: async ({ query }) => ({ items: await records.listMembers({ includeLeft: query.includeLeft }) }),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/personnel/members',
    summary: 'Add a person to the staff records (joining day, post, optionally their sign-in account)',
    roles: SUPERVISING_ROLES,
    body: z.object({ name: text(1, 40), post, staffId: id.optional(), joinedOn: calendarDay }).strict(),
    handler: async ({ body, principal, reply }) => {
      const m = await records.addMember({ name: body.name, post: body.post, staffId: body.staffId ?? null, joinedOn: body.joinedOn }, principal.label);
      reply.status(201);
      return m;
    },
  });

  routes.add({
    method: 'PATCH',
    url: '/api/v1/personnel/members/:id',
    summary: "Change a person's name or post, or record their leaving (last day and reason)",
    roles: SUPERVISING_ROLES,
    params: z.object({ id }),
    body: z
      .object({ name: text(1, 40).optional(), post: post.optional(), leftOn: calendarDay.optional(), leaveReason: text(2, 200).optional() })
      .strict()
      .refine((b) => b.leaveReason === undefined || b.leftOn !== undefined, { message: 'a leave reason goes with leftOn', path: ['leaveReason'] })
      .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' }),
    handler: async ({ params, body, principal }) => records.updateMember(params.id, body, principal.label),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/personnel/trainings',
    summary: "Trainings of a month (default this month), newest first, with attendees",
    roles: OVERSIGHT_ROLES,
    query: z.object({ month: month.optional() }),
    handler: async ({ query }) => {
      const { first, last } = monthRange(query.month);
      return { items: await records.listTrainings(first, last) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/personnel/trainings',
    summary: 'Record a training (day, topic, hours, trainer, attendees on the staff that day)',
    roles: SUPERVISING_ROLES,
    body: z.object({ heldOn: calendarDay, topic: text(2, 200), hours: z.number().positive().max(24), trainer: text(1, 40).optional(), attendeeIds: z.array(id).min(1).max(2000) }).strict(),
    handler: async ({ body, principal, reply }) => {
      const t = await records.addTraining({ ...body, trainer: body.trainer ?? null }, principal.label);
      reply.status(201);
      return t;
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/personnel/exams',
    summary: 'Exams of a month (default this month) with every sitting’s score',
    roles: OVERSIGHT_ROLES,
    query: z.object({ month: month.optional() }),
    handler: async ({ query }) => {
      const { first, last } = monthRange(query.month);
      return { items: await records.listExams(first, last) };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/personnel/exams',
    summary: 'Record an exam: day, topic, pass mark and each person’s score (0–100, one sitting each)',
    roles: SUPERVISING_ROLES,
    body: z
      .object({
        heldOn: calendarDay,
        topic: text(2, 200),
        passMark: z.number().positive().max(100),
        scores: z.array(z.object({ memberId: id, score: z.number().min(0).max(100) }).strict()).min(1).max(2000),
      })
      .strict(),
    handler: async ({ body, principal, reply }) => {
      const e = await records.addExam(body, principal.label);
      reply.status(201);
      return e;
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/personnel/recruitments',
    summary: 'Recruitment requests, newest first (open=true: still open; open=false: filled)',
    roles: OVERSIGHT_ROLES,
    query: z.object({ open: bool.optional() }),
    handler: async ({ query }) => ({ items: await records.listRecruitments(query.open) }),
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/personnel/recruitments',
    summary: 'Open a recruitment request (post, positions, reason, day opened)',
    roles: SUPERVISING_ROLES,
    body: z.object({ post, positions: z.number().int().min(1).max(100), reason: text(2, 500), openedOn: calendarDay }).strict(),
    handler: async ({ body, principal, reply }) => {
      const r = await records.openRecruitment(body, principal.label);
      reply.status(201);
      return r;
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/personnel/recruitments/:id/fill',
    summary: 'Record the day a recruitment request was filled (once; not before it was opened)',
    roles: SUPERVISING_ROLES,
    params: z.object({ id }),
    body: z.object({ filledOn: calendarDay }).strict(),
    handler: async ({ params, body, principal }) => records.fillRecruitment(params.id, body.filledOn, principal.label),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/personnel/kpis',
    summary: "The contract's staff KPIs of a month (default this month, judged up to today): training coverage, exam pass rate, monthly turnover, recruitment cycle, trainings held — each against its target",
    roles: OVERSIGHT_ROLES,
    query: z.object({ month: month.optional() }),
    handler: async ({ query }) => {
      const today = beijingDate(now());
      const m = query.month ?? beijingMonth(now());
      const { first, last } = monthDays(m);
      if (first > today) return { month: m, asOf: null, rows: [], targets: DEFAULT_STAFF_KPI_TARGETS, note: 'month not begun' };
      const asOf = last < today ? last : today;
      return { month: m, asOf, rows: staffKpis(await records.facts(m, asOf), m, asOf), targets: DEFAULT_STAFF_KPI_TARGETS };
    },
  });
}
