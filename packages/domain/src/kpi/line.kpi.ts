import { CtiError } from '../errors.js';
import { answerRateCounts, answerRateFromCounts } from './answer-rate.kpi.js';
import { createKpiConfig, type KpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';
import { kpiResult, type KpiResult, type Period } from './kpi.result.js';
import { answeredWithin } from './service-level.kpi.js';

// Merged hotlines as sub-lines (双号并行、设分中心, docs/domain.md §18): every merged hotline keeps its own number (DID)
// and its own call figures, computed with the same rules as the whole centre's.

/** A hotline line as the KPI engine needs it: its number, its name and its own answer-rate target (null: the centre's). */
export interface HotlineLineInfo {
  /** The dialled number (DID) the line's calls carry in CallFact.line. */
  readonly did: string;
  /** Name shown in reports, e.g. 12345政务服务便民热线, 12315消费者投诉举报专线. */
  readonly name: string;
  /** The line's answer-rate target in [0, 1]; null or absent: the centre's (KpiConfig.answerRateTarget). */
  readonly answerRateTarget?: number | null;
}

/** The call KPIs of a group of calls (one line, or the whole centre). */
export interface CallKpis {
  /** Calls offered to the queue in the period, before exclusions. */
  readonly offeredInPeriod: number;
  /** Counted calls (after the configured exclusions): the answer rate's denominator. */
  readonly offered: number;
  /** Counted calls answered by an agent. */
  readonly answered: number;
  /** Counted calls the caller abandoned. */
  readonly abandoned: number;
  /** Counted calls that failed for technical reasons. */
  readonly failed: number;
  /** Calls left out, by reason (same order as selectCountedCalls). */
  readonly excluded: { readonly line: number; readonly faultWindow: number; readonly markedCaller: number; readonly shortAbandon: number };
  /** 接通率 against the group's target (value null without counted calls). */
  readonly answerRate: KpiResult;
  /** Answered within config.serviceLevelSeconds ÷ answered. */
  readonly answeredWithin: KpiResult;
  /** Counted abandoned calls later reached by a call-back: shown apart, never in the answer rate. */
  readonly abandonedCalledBack: number;
}

/** One line's call KPIs. */
export interface LineCallKpis extends CallKpis {
  /** The line's DID. */
  readonly line: string;
  /** The line's name; an unregistered DID is named 未登记线路 + its number. */
  readonly name: string;
  /** Whether the DID is one of the registered lines. */
  readonly registered: boolean;
  /** Whether the target is the line's own (false: the centre's). */
  readonly ownTarget: boolean;
}

/** The centre's call KPIs and, beside them, each line's. */
export interface CallKpisByLine {
  /** Every call of the centre, with the centre's target (the lines' counts add up to it). */
  readonly centre: CallKpis;
  /** Registered lines in the order given (also those without calls), then unregistered DIDs that had calls, by DID. */
  readonly lines: readonly LineCallKpis[];
}

function callKpis(calls: readonly CallFact[], config: KpiConfig, period: Period): CallKpis {
  const counts = answerRateCounts(calls, config, period);
  const rate = answerRateFromCounts(counts, config);
  const within = answeredWithin(calls, config, period);
  return {
    offeredInPeriod: counts.offeredInPeriod,
    offered: rate.denominator,
    answered: counts.answered,
    abandoned: counts.abandoned,
    failed: counts.failed,
    excluded: { line: counts.excludedLine, faultWindow: counts.excludedFaultWindow, markedCaller: counts.excludedMarkedCaller, shortAbandon: counts.excludedShortAbandon },
    answerRate: kpiResult(rate.numerator, rate.denominator, config.answerRateTarget),
    answeredWithin: within,
    abandonedCalledBack: counts.abandonedCalledBack,
  };
}

/** Name of a DID that has calls but is not a registered line. */
export function unregisteredLineName(did: string): string {
  return `未登记线路 ${did}`;
}

/**
 * Groups the calls of a period by line (the DID they dialled) and computes for each line the call KPIs the centre
 * computes — offered and answered counts, abandoned, answer rate against the line's own target (the centre's when it
 * has none), answered within the service-level threshold — with the same exclusions, beside the whole centre's.
 */
export function callKpisByLine(calls: readonly CallFact[], config: KpiConfig, period: Period, lines: readonly HotlineLineInfo[]): CallKpisByLine {
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l.did)) throw new CtiError('CTI_ERR_VALIDATION', `line ${l.did} is listed twice`, { did: l.did });
    seen.add(l.did);
    const t = l.answerRateTarget;
    if (t !== null && t !== undefined && (!Number.isFinite(t) || t < 0 || t > 1)) {
      throw new CtiError('CTI_ERR_VALIDATION', `line ${l.did}: answerRateTarget must be a rate in [0, 1]`, { did: l.did, value: t });
    }
  }
  const byLine = new Map<string, CallFact[]>();
  for (const c of calls) {
    const group = byLine.get(c.line);
    if (group) group.push(c);
    else byLine.set(c.line, [c]);
  }
  const lineKpis = (did: string, name: string, registered: boolean, target: number | null | undefined): LineCallKpis => {
    const own = target !== null && target !== undefined;
    const cfg = own ? createKpiConfig({ ...config, answerRateTarget: target }) : config;
    return { line: did, name, registered, ownTarget: own, ...callKpis(byLine.get(did) ?? [], cfg, period) };
  };
  const result: LineCallKpis[] = lines.map((l) => lineKpis(l.did, l.name, true, l.answerRateTarget));
  const unregistered = [...byLine.keys()].filter((did) => !seen.has(did)).sort();
  for (const did of unregistered) {
    const row = lineKpis(did, unregisteredLineName(did), false, null);
    // A DID whose calls all fall outside the period is not a line of the period.
    if (row.offeredInPeriod > 0) result.push(row);
  }
  return { centre: callKpis(calls, config, period), lines: result };
}
