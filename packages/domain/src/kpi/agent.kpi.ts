import {
  occupancyOf,
  summarizeAgentTime,
  utilizationOf,
  type AgentTime,
} from './agent-time.kpi.js';
import { selectCountedCalls } from './call.selection.js';
import type { KpiConfig } from './kpi.config.js';
import type { AgentOffer, AgentStateInterval, CallFact, QaReview } from './kpi.fact.js';
import { isInPeriod, kpiResult, type KpiResult, type Period } from './kpi.result.js';
import { talkTimeMs } from './service-level.kpi.js';

/** Offers of a call to agents; a call without an offer list was offered only to the agent who answered it. */
export function offersOf(call: CallFact): readonly AgentOffer[] {
  if (call.offersToAgents !== undefined) return call.offersToAgents;
  if (call.agentId === undefined) return [];
  return [{ agentId: call.agentId, answered: call.outcome === 'answered' }];
}

/** Everything a supervisor reviews about one agent for a period. */
export interface AgentFigures {
  /** The agent. */
  readonly agentId: string;
  /** 坐席接通效率: offers the agent answered ÷ offers rung at the agent. */
  readonly answerEfficiency: KpiResult;
  /** Calls the agent answered (counted calls only). */
  readonly answeredCalls: number;
  /** Total talk time, ms. */
  readonly talkMs: number;
  /** Total hold time, ms. */
  readonly holdMs: number;
  /** Total after-call work, ms. */
  readonly wrapMs: number;
  /** Average handle time in seconds, null without answered calls. */
  readonly ahtSeconds: number | null;
  /** 工时利用率 from state intervals. */
  readonly utilization: KpiResult;
  /** Occupancy from state intervals. */
  readonly occupancy: KpiResult;
  /** Logged-in time, ms. */
  readonly loggedInMs: number;
  /** Paused time by reason, ms. */
  readonly pauseMsByReason: Readonly<Record<string, number>>;
  /** Number of QA reviews of this agent's calls in the period. */
  readonly qaReviews: number;
  /** Mean QA score, null without reviews. */
  readonly qaScoreAverage: number | null;
}

interface OfferCount {
  offered: number;
  answered: number;
}

function countOffers(counted: readonly CallFact[]): Map<string, OfferCount> {
  const byAgent = new Map<string, OfferCount>();
  for (const call of counted) {
    for (const offer of offersOf(call)) {
      const c = byAgent.get(offer.agentId) ?? { offered: 0, answered: 0 };
      c.offered++;
      if (offer.answered) c.answered++;
      byAgent.set(offer.agentId, c);
    }
  }
  return byAgent;
}

/** Centre 坐席人均接通效率: Σ offers answered ÷ Σ offers rung at agents, over the counted calls. */
export function agentAnswerEfficiency(calls: readonly CallFact[], config: KpiConfig, period: Period): KpiResult {
  let offered = 0;
  let answered = 0;
  for (const c of countOffers(selectCountedCalls(calls, config, period).counted).values()) {
    offered += c.offered;
    answered += c.answered;
  }
  return kpiResult(answered, offered, config.agentEfficiencyTarget);
}

const noTime = (agentId: string): AgentTime => ({
  agentId, loggedInMs: 0, readyMs: 0, reservedMs: 0, onCallMs: 0, wrapUpMs: 0,
  pausedMs: 0, productivePauseMs: 0, otherMs: 0, pauseMsByReason: {},
});

/**
 * Per-agent figures for every agent that appears in the calls, intervals or reviews, sorted by agent id.
 * QA reviews count when their call was offered in the period (reviews of other months' calls belong there).
 */
export function agentFigures(
  calls: readonly CallFact[],
  intervals: readonly AgentStateInterval[],
  reviews: readonly QaReview[],
  config: KpiConfig,
  period: Period,
): AgentFigures[] {
  const { counted } = selectCountedCalls(calls, config, period);
  const offers = countOffers(counted);
  const times = summarizeAgentTime(intervals, config, period);
  const handling = new Map<string, { answered: number; talkMs: number; holdMs: number; wrapMs: number }>();
  for (const call of counted) {
    if (call.outcome !== 'answered' || call.agentId === undefined) continue;
    const h = handling.get(call.agentId) ?? { answered: 0, talkMs: 0, holdMs: 0, wrapMs: 0 };
    h.answered++;
    h.talkMs += talkTimeMs(call);
    h.holdMs += call.holdMs ?? 0;
    h.wrapMs += call.wrapMs ?? 0;
    handling.set(call.agentId, h);
  }
  const inPeriod = new Set(calls.filter((c) => c.offeredAt !== undefined && isInPeriod(c.offeredAt, period)).map((c) => c.callId));
  const qa = new Map<string, { n: number; sum: number }>();
  for (const r of reviews) {
    if (!inPeriod.has(r.callId)) continue;
    const q = qa.get(r.agentId) ?? { n: 0, sum: 0 };
    q.n++;
    q.sum += r.score;
    qa.set(r.agentId, q);
  }
  const ids = new Set<string>([...offers.keys(), ...times.keys(), ...handling.keys(), ...qa.keys()]);
  return [...ids].sort().map((agentId) => {
    const o = offers.get(agentId) ?? { offered: 0, answered: 0 };
    const h = handling.get(agentId) ?? { answered: 0, talkMs: 0, holdMs: 0, wrapMs: 0 };
    const t = times.get(agentId) ?? noTime(agentId);
    const q = qa.get(agentId);
    return {
      agentId,
      answerEfficiency: kpiResult(o.answered, o.offered, config.agentEfficiencyTarget),
      answeredCalls: h.answered,
      talkMs: h.talkMs,
      holdMs: h.holdMs,
      wrapMs: h.wrapMs,
      ahtSeconds: h.answered === 0 ? null : (h.talkMs + h.holdMs + h.wrapMs) / h.answered / 1000,
      utilization: utilizationOf(t, config),
      occupancy: occupancyOf(t),
      loggedInMs: t.loggedInMs,
      pauseMsByReason: t.pauseMsByReason,
      qaReviews: q?.n ?? 0,
      qaScoreAverage: q === undefined ? null : q.sum / q.n,
    };
  });
}
