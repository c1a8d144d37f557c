import { z } from 'zod';
import { STAFF_ROLES, beijingMonth, monthPeriodOf } from '@cti/domain';
import type { AnswerCounts } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';

/** Reads answer counts for a period (CallRepository fits). */
export interface AnswerCountSource {
  answerCounts(from: Date, to: Date): Promise<AnswerCounts>;
}

/** The contract's answer-rate target. */
export const ANSWER_RATE_TARGET = 0.98;
/** [from, to) of a calendar month 'YYYY-MM' in Beijing time. */
export function monthRange(month: string): { from: Date; to: Date } {
  const p = monthPeriodOf(month);
  return { from: new Date(p.from), to: new Date(p.to) };
}

/** Answer-rate statistics. */
export function registerStatsRoutes(routes: RouteRegistry, counts: AnswerCountSource, now: () => number): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/stats/answer-rate',
    summary: 'Monthly answer rate (answered by an agent / offered to the queue) against the 98% target',
    roles: STAFF_ROLES,
    query: z.object({
      month: z
        .string()
        .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must be YYYY-MM')
        .optional(),
    }),
    handler: async ({ query }) => {
      const month = query.month ?? beijingMonth(now());
      const { from, to } = monthRange(month);
      const c = await counts.answerCounts(from, to);
      return {
        month,
        offered: c.offered,
        answered: c.answered,
        abandoned: c.abandoned,
        answeredWithin15s: c.answeredWithin15s,
        rate: c.offered === 0 ? null : c.answered / c.offered,
        target: ANSWER_RATE_TARGET,
      };
    },
  });
}
