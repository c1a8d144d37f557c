import type { StrategyName } from './acd.model.js';
import { TIER_BACKUP_OVERFLOW, TIER_OVERFLOW, type AgentPool, type CallClass } from './acd.pool.js';
import { byCalls, byIdle, byTalk, type AgentRecord } from './acd.record.js';
import type { SortedList } from './sorted-list.collection.js';

/** What a strategy needs to know about the call being routed. */
export interface PickRequest {
  /** Class of the call (its eligible pools by tier, and the line's strategy). */
  callClass: CallClass;
  /** Whether backup helpers may take calls now. */
  backupActive: boolean;
  /** Agent who just let this call ring out: offered it again only when nobody else is eligible. */
  excluded: AgentRecord | undefined;
  /** Round-robin memory of the call's line: order number of the agent last offered a call. */
  roundRobinLast: number | undefined;
}

type ListOf = (pool: AgentPool) => SortedList<AgentRecord> | undefined;

function bestInLists(pools: AgentPool[], list: ListOf, order: (a: AgentRecord, b: AgentRecord) => number, skip: AgentRecord | undefined): AgentRecord | undefined {
  let best: AgentRecord | undefined;
  for (const pool of pools) {
    const cand = list(pool)?.first(skip);
    if (cand !== undefined && (best === undefined || order(cand, best) < 0)) best = cand;
  }
  return best;
}

function skillSparing(pools: AgentPool[], skip: AgentRecord | undefined): AgentRecord | undefined {
  // Every eligible agent has the skills the call needs, so fewest extra skills = fewest skills.
  let best: AgentRecord | undefined;
  let bestCount = Infinity;
  for (const pool of pools) {
    const cand = pool.idle.first(skip);
    if (cand === undefined) continue;
    if (pool.skillCount < bestCount || (pool.skillCount === bestCount && best !== undefined && byIdle(cand, best) < 0)) {
      best = cand;
      bestCount = pool.skillCount;
    }
  }
  return best;
}

function roundRobin(pools: AgentPool[], last: number | undefined, skip: AgentRecord | undefined): AgentRecord | undefined {
  // Next agent after the last one offered, in login order, wrapping around (Asterisk's rrmemory).
  const after = last ?? -Infinity;
  let best: AgentRecord | undefined;
  for (const pool of pools) {
    const cand = pool.ring?.firstAfter((a) => a.seq <= after, skip);
    if (cand !== undefined && (best === undefined || cand.seq < best.seq)) best = cand;
  }
  if (best !== undefined) return best;
  for (const pool of pools) {
    const cand = pool.ring?.first(skip);
    if (cand !== undefined && (best === undefined || cand.seq < best.seq)) best = cand;
  }
  return best;
}

function pickInTier(strategy: StrategyName, pools: AgentPool[], req: PickRequest, skip: AgentRecord | undefined): AgentRecord | undefined {
  switch (strategy) {
    case 'longest_idle':
      return bestInLists(pools, (p) => p.idle, byIdle, skip);
    case 'fewest_calls':
      return bestInLists(pools, (p) => p.calls, byCalls, skip);
    case 'least_talk_time':
      return bestInLists(pools, (p) => p.talk, byTalk, skip);
    case 'skill_sparing':
      return skillSparing(pools, skip);
    case 'round_robin':
      return roundRobin(pools, req.roundRobinLast, skip);
  }
}

/**
 * The agent to offer the class's head call to: first non-empty preference tier, then the line's
 * strategy within it. The agent who just missed the call is skipped unless nobody else is eligible.
 */
export function pickAgent(req: PickRequest): AgentRecord | undefined {
  const lastTier = req.backupActive ? TIER_BACKUP_OVERFLOW : TIER_OVERFLOW;
  const skips = req.excluded === undefined ? [undefined] : [req.excluded, undefined];
  for (const skip of skips) {
    for (let t = 0; t <= lastTier; t++) {
      const pools = req.callClass.tiers[t] as AgentPool[];
      const agent = pickInTier(req.callClass.strategy, pools, req, skip);
      if (agent !== undefined) return agent;
    }
  }
  return undefined;
}
