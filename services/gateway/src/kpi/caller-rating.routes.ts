import { OVERSIGHT_ROLES, kpi, type KpiPeriod } from '@cti/domain';
import type { CallRatingRepository } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { periodOf, periodQuery } from './kpi.routes.js';

/** The contract table's callback (回访) satisfaction of a period (KpiService.contractTable fits). */
export type CallbackSatisfaction = (p: KpiPeriod) => Promise<kpi.ContractKpiRow | undefined>;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The callers' own ratings (来电人评价) per agent and for the centre, with the callback (回访) satisfaction of the same
 * period beside them: two figures, never one (docs/domain.md §15).
 */
export function registerCallerRatingRoutes(routes: RouteRegistry, ratings: Pick<CallRatingRepository, 'between'>, callbackSatisfaction: CallbackSatisfaction, now: () => number): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/kpi/caller-ratings',
    summary: "Callers' ratings (1–5, pressed after the agent ended the call) per agent and for the centre — rated, could rate, response rate, mean, share of 4–5, each level — with the callback satisfaction of the same period beside them",
    roles: OVERSIGHT_ROLES,
    query: periodQuery,
    handler: async ({ query }) => {
      const p = periodOf(query, now());
      const [{ ratings: facts, offeredByAgent }, callback] = await Promise.all([ratings.between(p.from, p.to), callbackSatisfaction(p)]);
      const figures = kpi.callerRatingsByAgent(facts, offeredByAgent);
      return {
        from: iso(p.from),
        to: iso(p.to),
        levels: kpi.CALLER_RATING_LABELS,
        centre: figures.centre,
        agents: figures.agents,
        callbackSatisfaction: callback ? { value: callback.value, numerator: callback.numerator, denominator: callback.denominator, target: callback.target } : null,
      };
    },
  });
}
