import { abandonDelayMs, selectCountedCalls } from './call.selection.js';
import type { KpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';
import { kpiResult, type KpiResult, type Period } from './kpi.result.js';

/** How the service level treats callers who hung up before the threshold. */
export type AbandonsWithinThreshold = 'excluded' | 'counted';

/** Conversation time of an answered call, falling back to its duration minus hold when talkMs is missing. */
export function talkTimeMs(call: CallFact): number {
  if (call.talkMs !== undefined) return call.talkMs;
  if (call.answeredAt === undefined) return 0;
  return Math.max(0, call.endedAt - call.answeredAt - (call.holdMs ?? 0));
}

/** Answered within T (default config.serviceLevelSeconds, inclusive) ÷ answered. */
export function answeredWithin(
  calls: readonly CallFact[],
  config: KpiConfig,
  period: Period,
  thresholdSeconds = config.serviceLevelSeconds,
): KpiResult {
  const limitMs = thresholdSeconds * 1000;
  let answered = 0;
  let fast = 0;
  for (const call of selectCountedCalls(calls, config, period).counted) {
    if (call.outcome !== 'answered') continue;
    answered++;
    if (call.waitMs <= limitMs) fast++;
  }
  return kpiResult(fast, answered);
}

/**
 * Measured service level: answered within T ÷ (answered + abandoned after T [+ abandoned within T]).
 * 'excluded' drops callers who gave up before T (they never had a fair chance to be answered in time);
 * 'counted' keeps them in the denominator as misses. Failed calls are not a queue-speed matter and stay out.
 */
export function measuredServiceLevel(
  calls: readonly CallFact[],
  config: KpiConfig,
  period: Period,
  abandonsWithinThreshold: AbandonsWithinThreshold,
  thresholdSeconds = config.serviceLevelSeconds,
): KpiResult {
  const limitMs = thresholdSeconds * 1000;
  let fast = 0;
  let denominator = 0;
  for (const call of selectCountedCalls(calls, config, period).counted) {
    if (call.outcome === 'answered') {
      denominator++;
      if (call.waitMs <= limitMs) fast++;
    } else if (call.outcome === 'abandoned') {
      const early = abandonDelayMs(call) <= limitMs;
      if (!early || abandonsWithinThreshold === 'counted') denominator++;
    }
  }
  return kpiResult(fast, denominator);
}

/** Measured ASA in seconds: total queue wait of answered calls ÷ answered calls. */
export function measuredAsa(calls: readonly CallFact[], config: KpiConfig, period: Period): KpiResult {
  let waitMs = 0;
  let answered = 0;
  for (const call of selectCountedCalls(calls, config, period).counted) {
    if (call.outcome !== 'answered') continue;
    answered++;
    waitMs += call.waitMs;
  }
  return kpiResult(waitMs / 1000, answered);
}

/** Measured AHT in seconds: (talk + hold + after-call work) of answered calls ÷ answered calls. */
export function measuredAht(calls: readonly CallFact[], config: KpiConfig, period: Period): KpiResult {
  let handleMs = 0;
  let answered = 0;
  for (const call of selectCountedCalls(calls, config, period).counted) {
    if (call.outcome !== 'answered') continue;
    answered++;
    handleMs += talkTimeMs(call) + (call.holdMs ?? 0) + (call.wrapMs ?? 0);
  }
  return kpiResult(handleMs / 1000, answered);
}
