import { CtiError } from '../errors.js';
import { answerRate } from './answer-rate.kpi.js';
import type { KpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';

const dayMs = 86_400_000;

/** Answered and offered counts of some stretch of time. */
export interface AnswerCounts {
  /** Calls answered by an agent. */
  readonly answered: number;
  /** Calls offered (after exclusions). */
  readonly offered: number;
}

/** What the month-end projection starts from. */
export interface AnswerRateProjectionInput {
  /** Counted calls of the month so far. */
  readonly monthToDate: AnswerCounts;
  /** Counted calls of the last 7 days; the preferred default for the remaining rate because it tracks recent staffing. */
  readonly last7Days?: AnswerCounts;
  /** Offered calls still expected before month end (caller's forecast). */
  readonly expectedRemainingOffered: number;
  /** Rate assumed for the remaining calls; defaults to the last-7-days rate, else the month-to-date rate. */
  readonly assumedRemainingRate?: number;
  /** Contract answer-rate target. */
  readonly target: number;
}

/** Where the remaining-traffic rate came from. */
export type RemainingRateSource = 'given' | 'last_7_days' | 'month_to_date' | 'none';

/** Projected month-end answer rate. */
export interface AnswerRateProjection {
  /** Month-to-date answered. */
  readonly answeredSoFar: number;
  /** Month-to-date offered. */
  readonly offeredSoFar: number;
  /** Offered calls still expected. */
  readonly expectedRemainingOffered: number;
  /** Rate used for the remainder, null when nothing is known yet. */
  readonly assumedRemainingRate: number | null;
  /** Which figure the remaining rate came from. */
  readonly rateSource: RemainingRateSource;
  /** Expected answered by month end. */
  readonly projectedAnswered: number;
  /** Expected offered by month end. */
  readonly projectedOffered: number;
  /** projectedAnswered ÷ projectedOffered, null without any traffic or rate. */
  readonly projectedRate: number | null;
  /** The target used. */
  readonly target: number;
  /** True when the projected rate is known and below target. */
  readonly belowTarget: boolean;
}

function assertCounts(name: string, c: AnswerCounts): void {
  if (!(c.offered >= 0) || !(c.answered >= 0) || c.answered > c.offered) {
    throw new CtiError('CTI_ERR_VALIDATION', `${name} needs 0 <= answered <= offered`, { ...c });
  }
}

function assertRate(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0 || v > 1) {
    throw new CtiError('CTI_ERR_VALIDATION', `${name} must be a rate in [0, 1]`, { value: v });
  }
}

/** Projects the month-end answer rate from the month so far plus the expected remaining traffic at an assumed rate. */
export function projectMonthEndAnswerRate(input: AnswerRateProjectionInput): AnswerRateProjection {
  assertCounts('monthToDate', input.monthToDate);
  if (input.last7Days !== undefined) assertCounts('last7Days', input.last7Days);
  assertRate('target', input.target);
  if (!Number.isFinite(input.expectedRemainingOffered) || input.expectedRemainingOffered < 0) {
    throw new CtiError('CTI_ERR_VALIDATION', 'expectedRemainingOffered must be >= 0', {
      value: input.expectedRemainingOffered,
    });
  }
  let rate: number | null = null;
  let rateSource: RemainingRateSource = 'none';
  if (input.assumedRemainingRate !== undefined) {
    assertRate('assumedRemainingRate', input.assumedRemainingRate);
    rate = input.assumedRemainingRate;
    rateSource = 'given';
  } else if (input.last7Days !== undefined && input.last7Days.offered > 0) {
    rate = input.last7Days.answered / input.last7Days.offered;
    rateSource = 'last_7_days';
  } else if (input.monthToDate.offered > 0) {
    rate = input.monthToDate.answered / input.monthToDate.offered;
    rateSource = 'month_to_date';
  }
  const { answered, offered } = input.monthToDate;
  const remaining = input.expectedRemainingOffered;
  // Without a rate the remaining calls cannot be projected; project the month so far alone only if nothing remains.
  const unknowable = rate === null && remaining > 0;
  const projectedAnswered = answered + (rate ?? 0) * remaining;
  const projectedOffered = offered + remaining;
  const projectedRate = unknowable || projectedOffered === 0 ? null : projectedAnswered / projectedOffered;
  return {
    answeredSoFar: answered,
    offeredSoFar: offered,
    expectedRemainingOffered: remaining,
    assumedRemainingRate: rate,
    rateSource,
    projectedAnswered,
    projectedOffered,
    projectedRate,
    target: input.target,
    belowTarget: projectedRate !== null && projectedRate < input.target,
  };
}

/** Month boundaries and "now" for a projection computed straight from call facts. */
export interface MonthToDate {
  /** First ms of the month. */
  readonly monthStart: number;
  /** Now; calls offered from here on are not yet known. */
  readonly now: number;
}

/** Projection from raw calls: month-to-date and last-7-days counts use the same exclusions as the answer rate. */
export function projectMonthEndAnswerRateFromCalls(
  calls: readonly CallFact[],
  config: KpiConfig,
  month: MonthToDate,
  expectedRemainingOffered: number,
  assumedRemainingRate?: number,
): AnswerRateProjection {
  const mtd = answerRate(calls, config, { from: month.monthStart, to: month.now });
  const week = answerRate(calls, config, { from: month.now - 7 * dayMs, to: month.now });
  return projectMonthEndAnswerRate({
    monthToDate: { answered: mtd.numerator, offered: mtd.denominator },
    last7Days: { answered: week.numerator, offered: week.denominator },
    expectedRemainingOffered,
    ...(assumedRemainingRate === undefined ? {} : { assumedRemainingRate }),
    target: config.answerRateTarget,
  });
}

/** A warning that the month is heading below the answer-rate target. */
export interface AnswerRateAlert {
  /** Alert type, for routing. */
  readonly kind: 'answer_rate_projected_below_target';
  /** 'critical' when the target can no longer be reached even by answering every remaining call. */
  readonly severity: 'warning' | 'critical';
  /** Projected month-end rate. */
  readonly projectedRate: number;
  /** Target checked against. */
  readonly target: number;
  /** Rate the remaining calls must reach to hit the target; above 1 means out of reach. */
  readonly requiredRemainingRate: number | null;
  /** Extra answered calls needed beyond the projection to reach the target. */
  readonly shortfallCalls: number;
}

/** Returns an alert when the projection falls below the target, else null. */
export function answerRateAlert(projection: AnswerRateProjection, target: number): AnswerRateAlert | null {
  assertRate('target', target);
  const rate = projection.projectedRate;
  if (rate === null || rate >= target) return null;
  const neededAnswered = target * projection.projectedOffered;
  const remaining = projection.expectedRemainingOffered;
  const requiredRemainingRate = remaining > 0 ? (neededAnswered - projection.answeredSoFar) / remaining : null;
  const reachable = requiredRemainingRate !== null && requiredRemainingRate <= 1;
  return {
    kind: 'answer_rate_projected_below_target',
    severity: reachable ? 'warning' : 'critical',
    projectedRate: rate,
    target,
    requiredRemainingRate,
    shortfallCalls: Math.ceil(neededAnswered - projection.projectedAnswered - 1e-9),
  };
}
