import type { OpsSlaConfig } from './fault-level.js';
import type { Incident } from './incident.js';

/** A half-open interval [from, to) in epoch ms. */
export interface Interval {
  from: number;
  to: number;
}

/** Length of the union of intervals clipped to `period`: overlapping faults are counted once. */
export function unionDuration(intervals: readonly Interval[], period: Interval): number {
  const clipped = intervals
    .map((i) => ({ from: Math.max(i.from, period.from), to: Math.min(i.to, period.to) }))
    .filter((i) => i.to > i.from)
    .sort((a, b) => a.from - b.from);
  let total = 0;
  let curFrom = Number.NaN;
  let curTo = Number.NaN;
  for (const i of clipped) {
    if (Number.isNaN(curFrom) || i.from > curTo) {
      if (!Number.isNaN(curFrom)) total += curTo - curFrom;
      curFrom = i.from;
      curTo = i.to;
    } else if (i.to > curTo) {
      curTo = i.to;
    }
  }
  if (!Number.isNaN(curFrom)) total += curTo - curFrom;
  return total;
}

/** Cumulative fault time of a period against the yearly budget. */
export interface FaultTime {
  from: number;
  to: number;
  /** Union of incident intervals inside the period (unresolved ones run to `now`), ms. */
  faultMs: number;
  budgetMs: number;
  /** faultMs / budgetMs. */
  usedShare: number;
  withinBudget: boolean;
  incidents: number;
}

/** Incident intervals: start to recovery, or to `now` while unresolved. */
export const incidentIntervals = (incidents: readonly Incident[], now: number): Interval[] =>
  incidents.map((i) => ({ from: i.startedAt, to: i.resolvedAt ?? Math.max(now, i.startedAt) }));

/**
 * Cumulative fault time of `period` (usually a Beijing year) with the yearly budget; levels listed in
 * `countedLevels` only (default every level — L4 support requests can be left out by configuration).
 */
export function faultTime(incidents: readonly Incident[], period: Interval, sla: OpsSlaConfig, now: number, countedLevels?: readonly string[]): FaultTime {
  const counted = incidents.filter((i) => !countedLevels || countedLevels.includes(i.level));
  const faultMs = unionDuration(incidentIntervals(counted, now), period);
  const budgetMs = sla.yearlyBudgetHours * 3_600_000;
  const inPeriod = counted.filter((i) => i.startedAt < period.to && (i.resolvedAt ?? now) >= period.from);
  return { from: period.from, to: period.to, faultMs, budgetMs, usedShare: faultMs / budgetMs, withinBudget: faultMs <= budgetMs, incidents: inPeriod.length };
}
