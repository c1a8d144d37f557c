import { z } from 'zod';
import { CtiError, OVERSIGHT_ROLES, SUPERVISING_ROLES, scoreQaReview, type QaRubric } from '@cti/domain';
import type { QaReport, QaReviewRow } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { pageOffset } from '../http/input.rules.js';

/** QA storage (QaRepository fits). */
export interface QaStore {
  qaStaffFromTokens(): Promise<string[]>;
  sampleMonth(period: string, rate: number, staff: readonly string[], seed: string): Promise<{ created: number; existing: number; answered: number }>;
  list(filter: { period?: string; assignedTo?: string; status?: 'pending' | 'done'; limit: number; offset: number }): Promise<QaReviewRow[]>;
  doneForAgent(agentId: string, limit: number): Promise<QaReviewRow[]>;
  getById(id: string): Promise<QaReviewRow>;
  saveReview(id: string, r: { marks: Record<string, number>; score: ReturnType<typeof scoreQaReview>; comments: string | null; reviewedBy: string; at: Date }): Promise<QaReviewRow>;
  report(period: string): Promise<QaReport>;
}

/** QA policy from configuration. */
export interface QaSettings {
  rate: number;
  staff: readonly string[];
  rubric: QaRubric;
}

const period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'period must be YYYY-MM');

const present = (r: QaReviewRow) => ({
  id: r.id,
  period: r.period,
  callId: r.call_id,
  agentId: r.agent_id,
  ticketId: r.ticket_id,
  assignedTo: r.assigned_to,
  status: r.status,
  marks: r.marks,
  score: r.score === null ? null : Number(r.score),
  passed: r.passed,
  failedCritical: r.failed_critical,
  comments: r.comments,
  reviewedBy: r.reviewed_by,
  reviewedAt: r.reviewed_at,
});

/** Runs a month's sampling with the configured staff (plus QA token holders). */
export async function runQaSampling(store: QaStore, settings: QaSettings, month: string) {
  const staff = [...new Set([...settings.staff, ...(await store.qaStaffFromTokens())])].sort();
  if (staff.length === 0) throw new CtiError('CTI_ERR_INVALID_STATE', 'no QA staff: set CTI_QA_STAFF or issue qa tokens with an agent id');
  return store.sampleMonth(month, settings.rate, staff, `qa-${month}`);
}

/** Monthly QA sampling, reviews against the configured rubric, and the per-agent report. */
export function registerQaRoutes(routes: RouteRegistry, store: QaStore, settings: QaSettings, now: () => number): void {
  routes.add({ method: 'GET', url: '/api/v1/qa/rubric', summary: 'The QA rubric in force (items, weights, pass threshold)', roles: OVERSIGHT_ROLES, handler: async () => settings.rubric });
  routes.add({
    method: 'POST',
    url: '/api/v1/qa/samples',
    summary: "Sample a month's answered calls for QA (stratified per agent, at least CTI_QA_SAMPLE_RATE) and assign them; once per month",
    roles: SUPERVISING_ROLES,
    body: z.object({ period }).strict(),
    handler: async ({ body }) => ({ period: body.period, ...(await runQaSampling(store, settings, body.period)) }),
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/qa/reviews',
    summary: 'QA reviews; QA staff see their own',
    roles: OVERSIGHT_ROLES,
    query: z.object({ period: period.optional(), status: z.enum(['pending', 'done']).optional(), assignedTo: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100), offset: pageOffset() }),
    handler: async ({ query, principal }) => {
      const assignedTo = principal.role === 'qa' ? (principal.agentId ?? '-') : query.assignedTo;
      const items = await store.list({ ...(query.period && { period: query.period }), ...(query.status && { status: query.status }), ...(assignedTo && { assignedTo }), limit: query.limit, offset: query.offset });
      return { items: items.map(present) };
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/v1/qa/reviews/:id',
    summary: 'Submit a review: a mark in [0, 1] per rubric item and comments; the score feeds ticket-form accuracy',
    roles: ['qa', 'supervisor'],
    params: z.object({ id: z.string().regex(/^\d{1,18}$/) }),
    body: z.object({ marks: z.record(z.string().min(1).max(64), z.number().min(0).max(1)), comments: z.string().max(4000).optional() }).strict(),
    handler: async ({ params, body, principal }) => {
      const review = await store.getById(params.id);
      if (principal.role === 'qa' && principal.agentId !== review.assigned_to) throw new CtiError('CTI_ERR_FORBIDDEN', 'this review is assigned to someone else', { assignedTo: review.assigned_to });
      const score = scoreQaReview(settings.rubric, body.marks);
      return present(await store.saveReview(params.id, { marks: body.marks, score, comments: body.comments ?? null, reviewedBy: principal.agentId ?? principal.label, at: new Date(now()) }));
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/agents/:agentId/qa-results',
    summary: "An agent's QA results (finished reviews of their calls, newest first): the agent themself, and QA, shift leads, managers, admins",
    roles: ['agent', ...OVERSIGHT_ROLES],
    params: z.object({ agentId: z.string().min(1).max(64) }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
    handler: async ({ params, query, principal }) => {
      if (principal.role === 'agent' && principal.agentId !== params.agentId) throw new CtiError('CTI_ERR_FORBIDDEN', 'an agent reads their own QA results only', { agentId: params.agentId });
      const items = await store.doneForAgent(params.agentId, query.limit);
      // Who reviewed stays with QA: the agent sees the score, the marks and the comments.
      return { rubric: settings.rubric, items: items.map((r) => ({ id: r.id, period: r.period, callId: r.call_id, ticketId: r.ticket_id, score: r.score === null ? null : Number(r.score), passed: r.passed, failedCritical: r.failed_critical, marks: r.marks, comments: r.comments, reviewedAt: r.reviewed_at })) };
    },
  });
  routes.add({
    method: 'GET',
    url: '/api/v1/qa/report',
    summary: 'Per-agent QA report of a month: sampled, reviewed, passed, average score; coverage and ticket-form accuracy',
    roles: OVERSIGHT_ROLES,
    query: z.object({ period }),
    handler: async ({ query }) => store.report(query.period),
  });
}
