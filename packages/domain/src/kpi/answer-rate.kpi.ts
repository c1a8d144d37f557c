import { selectCountedCalls } from './call.selection.js';
import type { KpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';
import { kpiResult, type KpiResult, type Period } from './kpi.result.js';

/** Answer rate plus the counts a supervisor needs to trust it. */
export interface AnswerRateResult extends KpiResult {
  /** Calls offered to the queue in the period, before exclusions. */
  readonly offeredInPeriod: number;
  /** Excluded: excluded DID. */
  readonly excludedLine: number;
  /** Excluded: offered during a declared fault. */
  readonly excludedFaultWindow: number;
  /** Excluded: from a marked nuisance/malicious number (only when the configuration excludes them). */
  readonly excludedMarkedCaller: number;
  /** Excluded: caller hung up within shortAbandonSeconds. */
  readonly excludedShortAbandon: number;
  /** Counted calls the caller abandoned. */
  readonly abandoned: number;
  /** Counted calls that failed for technical reasons. */
  readonly failed: number;
  /** Counted abandoned calls later reached by a call-back; shown apart, never added to the numerator. */
  readonly abandonedCalledBack: number;
}

/**
 * The tallies an answer rate is computed from, so that the figure is the same whether they were counted here over
 * CallFacts or aggregated by the database over stored calls (with the same exclusions in the same order).
 */
export interface AnswerRateCounts {
  /** Calls offered to the queue in the period, before exclusions. */
  readonly offeredInPeriod: number;
  readonly excludedLine: number;
  readonly excludedFaultWindow: number;
  readonly excludedMarkedCaller: number;
  readonly excludedShortAbandon: number;
  /** Counted calls by outcome (answered + abandoned + failed = counted). */
  readonly answered: number;
  readonly abandoned: number;
  readonly failed: number;
  /** Counted abandoned calls later reached by a call-back. */
  readonly abandonedCalledBack: number;
}

/** Tallies the calls of a period for the answer rate (selectCountedCalls' exclusions, then outcomes). */
export function answerRateCounts(calls: readonly CallFact[], config: KpiConfig, period: Period): AnswerRateCounts {
  const selection = selectCountedCalls(calls, config, period);
  let answered = 0;
  let abandoned = 0;
  let failed = 0;
  let abandonedCalledBack = 0;
  for (const call of selection.counted) {
    if (call.outcome === 'answered') answered++;
    else if (call.outcome === 'abandoned') {
      abandoned++;
      if (call.calledBackAt !== undefined) abandonedCalledBack++;
    } else failed++;
  }
  return {
    offeredInPeriod: selection.offeredInPeriod,
    excludedLine: selection.excludedLine,
    excludedFaultWindow: selection.excludedFaultWindow,
    excludedMarkedCaller: selection.excludedMarkedCaller,
    excludedShortAbandon: selection.excludedShortAbandon,
    answered,
    abandoned,
    failed,
    abandonedCalledBack,
  };
}

/** 接通率 from its tallies: answered ÷ counted (answered + abandoned + failed), against the configured target. */
export function answerRateFromCounts(counts: AnswerRateCounts, config: KpiConfig): AnswerRateResult {
  const { answered, abandoned, failed } = counts;
  return {
    ...kpiResult(answered, answered + abandoned + failed, config.answerRateTarget),
    offeredInPeriod: counts.offeredInPeriod,
    excludedLine: counts.excludedLine,
    excludedFaultWindow: counts.excludedFaultWindow,
    excludedMarkedCaller: counts.excludedMarkedCaller,
    excludedShortAbandon: counts.excludedShortAbandon,
    abandoned,
    failed,
    abandonedCalledBack: counts.abandonedCalledBack,
  };
}

/** 接通率: calls answered by an agent ÷ calls offered to the queue, after the configured exclusions. */
export function answerRate(calls: readonly CallFact[], config: KpiConfig, period: Period): AnswerRateResult {
  return answerRateFromCounts(answerRateCounts(calls, config, period), config);
}

/** Abandon rate: counted calls the caller abandoned ÷ counted calls offered (same exclusions as the answer rate). */
export function abandonRate(calls: readonly CallFact[], config: KpiConfig, period: Period): KpiResult {
  const { counted } = selectCountedCalls(calls, config, period);
  const abandoned = counted.filter((c) => c.outcome === 'abandoned').length;
  return kpiResult(abandoned, counted.length);
}

/** 漏接回拨 recovery: counted abandoned calls later reached by a call-back ÷ counted abandoned calls. */
export function calledBackRate(calls: readonly CallFact[], config: KpiConfig, period: Period): KpiResult {
  const { counted } = selectCountedCalls(calls, config, period);
  let abandoned = 0;
  let reached = 0;
  for (const call of counted) {
    if (call.outcome !== 'abandoned') continue;
    abandoned++;
    if (call.calledBackAt !== undefined) reached++;
  }
  return kpiResult(reached, abandoned);
}
