import { selectCountedCalls } from './call.selection.js';
import type { KpiConfig } from './kpi.config.js';
import type { CallFact, QaReview } from './kpi.fact.js';
import { kpiResult, type KpiResult, type Period } from './kpi.result.js';

/** QA coverage 质检覆盖率: answered calls with at least one completed review ÷ answered calls. */
export function qaCoverage(
  calls: readonly CallFact[],
  reviews: readonly QaReview[],
  config: KpiConfig,
  period: Period,
): KpiResult {
  const reviewed = new Set(reviews.map((r) => r.callId));
  let answered = 0;
  let covered = 0;
  for (const call of selectCountedCalls(calls, config, period).counted) {
    if (call.outcome !== 'answered') continue;
    answered++;
    if (reviewed.has(call.callId)) covered++;
  }
  return kpiResult(covered, answered, config.qaCoverageTarget);
}
