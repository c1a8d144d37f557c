// The caller's own rating (来电人评价): after the agent ends the call the caller may press 1–5 (1 very dissatisfied …
// 5 very satisfied). Reported per agent and per month beside the callback (回访) satisfaction and never mixed into it:
// one is the caller's word on the call, the other the citizen's word on how the matter was handled (docs/domain.md §15).

/** One rating with the agent whose call it rates. */
export interface CallerRatingFact {
  readonly agentId: string | null;
  readonly rating: number;
}

/** Ratings of one agent (or of the whole centre). */
export interface CallerRatingFigures {
  /** Calls rated. */
  readonly rated: number;
  /** Calls the caller could rate: answered and ended by the agent. */
  readonly offered: number;
  /** rated ÷ offered, null without offered calls. */
  readonly responseRate: number | null;
  /** Mean of the ratings, null without any. */
  readonly average: number | null;
  /** Ratings of 4 or 5 over all ratings (满意), null without any. */
  readonly satisfiedShare: number | null;
  /** How many of each level, index 0 = 1 (很不满意) … index 4 = 5 (很满意). */
  readonly distribution: readonly [number, number, number, number, number];
}

/** zh-CN names of the five levels, 1 … 5. */
export const CALLER_RATING_LABELS = ['很不满意', '不满意', '一般', '满意', '很满意'] as const;

/** Whether `n` is a rating the caller can give. */
export function isCallerRating(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 5;
}

/** Figures of a set of ratings, against the calls that could be rated. Ratings outside 1–5 are ignored. */
export function callerRatingFigures(ratings: readonly number[], offered: number): CallerRatingFigures {
  const distribution: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  let sum = 0;
  let rated = 0;
  for (const r of ratings) {
    if (!isCallerRating(r)) continue;
    distribution[r - 1]! += 1;
    sum += r;
    rated++;
  }
  return {
    rated,
    offered,
    responseRate: offered > 0 ? Math.min(1, rated / offered) : null,
    average: rated > 0 ? sum / rated : null,
    satisfiedShare: rated > 0 ? (distribution[3] + distribution[4]) / rated : null,
    distribution,
  };
}

/** Figures per agent (agents with offered calls or ratings), ordered by agent id, and for the whole centre. */
export function callerRatingsByAgent(
  ratings: readonly CallerRatingFact[],
  offeredByAgent: ReadonlyMap<string, number>,
): { centre: CallerRatingFigures; agents: Array<CallerRatingFigures & { agentId: string }> } {
  const byAgent = new Map<string, number[]>();
  for (const r of ratings) {
    if (r.agentId === null) continue;
    const list = byAgent.get(r.agentId) ?? [];
    list.push(r.rating);
    byAgent.set(r.agentId, list);
  }
  const ids = [...new Set([...byAgent.keys(), ...offeredByAgent.keys()])].sort();
  let offeredAll = 0;
  for (const n of offeredByAgent.values()) offeredAll += n;
  return {
    centre: callerRatingFigures(ratings.map((r) => r.rating), offeredAll),
    agents: ids.map((agentId) => ({ agentId, ...callerRatingFigures(byAgent.get(agentId) ?? [], offeredByAgent.get(agentId) ?? 0) })),
  };
}
