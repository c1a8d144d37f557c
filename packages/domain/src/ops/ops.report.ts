import { BEIJING_OFFSET_MS, beijingYear, dayPeriod, weekPeriod } from '../time/beijing.js';
import { FAULT_LEVELS, type FaultLevel, type OpsSlaConfig } from './fault-level.js';
import { faultTime, unionDuration, incidentIntervals, type FaultTime, type Interval } from './fault-time.js';
import { incidentSla, type Incident } from './incident.js';
import type { CheckStatus } from './inspection.js';

/** Periodic operations reports: the weekly inspection report, quarterly and annual operations reports. */
export type OpsReportKind = 'weekly' | 'quarterly' | 'annual';

/** The Beijing period of a kind containing `at`: day, Monday week, calendar quarter, calendar year. */
export function opsPeriodContaining(kind: OpsReportKind | 'daily', at: number): Interval {
  if (kind === 'daily') return dayPeriod(at);
  if (kind === 'weekly') return weekPeriod(at);
  const d = new Date(at + BEIJING_OFFSET_MS);
  const y = d.getUTCFullYear();
  if (kind === 'quarterly') {
    const q = Math.floor(d.getUTCMonth() / 3) * 3;
    return { from: Date.UTC(y, q, 1) - BEIJING_OFFSET_MS, to: Date.UTC(y, q + 3, 1) - BEIJING_OFFSET_MS };
  }
  return beijingYear(y);
}

/** The last complete period of a kind before the one containing `at`. */
export const previousOpsPeriod = (kind: OpsReportKind | 'daily', at: number): Interval => opsPeriodContaining(kind, opsPeriodContaining(kind, at).from - 1);

/** Per-level figures of a period's incidents. */
export interface LevelSummary {
  count: number;
  resolved: number;
  breached: number;
  meanRecoveryMs: number | null;
  maxRecoveryMs: number | null;
}

/** Incidents of a period, by level, with SLA breaches and cumulative fault time. */
export interface IncidentSummary {
  total: number;
  open: number;
  staffReported: number;
  byLevel: Record<FaultLevel, LevelSummary>;
  breaches: Array<{ id: string; level: FaultLevel; title: string; startedAt: number; recoveryMs: number | null }>;
  /** Fault time inside the period (union of intervals). */
  periodFaultMs: number;
  /** Fault time of the Beijing year containing the period's start, up to the period's end, against the budget. */
  yearToDate: FaultTime;
}

/** Summarises the incidents overlapping `period` (pass every incident of its year for the year-to-date figure). */
export function summariseIncidents(all: readonly Incident[], period: Interval, year: Interval, sla: OpsSlaConfig, now: number): IncidentSummary {
  const inPeriod = all.filter((i) => i.startedAt < period.to && (i.resolvedAt ?? now) >= period.from);
  const byLevel = {} as Record<FaultLevel, LevelSummary>;
  for (const l of FAULT_LEVELS) {
    const of = inPeriod.filter((i) => i.level === l);
    const rec = of.map((i) => incidentSla(i, sla, now).recoveryMs).filter((r): r is number => r !== null);
    byLevel[l] = {
      count: of.length,
      resolved: rec.length,
      breached: of.filter((i) => incidentSla(i, sla, now).breached).length,
      meanRecoveryMs: rec.length ? rec.reduce((a, b) => a + b, 0) / rec.length : null,
      maxRecoveryMs: rec.length ? Math.max(...rec) : null,
    };
  }
  const end = Math.min(period.to, Math.max(now, period.from));
  return {
    total: inPeriod.length,
    open: inPeriod.filter((i) => i.resolvedAt === null).length,
    staffReported: inPeriod.filter((i) => i.source === 'staff').length,
    byLevel,
    breaches: inPeriod
      .filter((i) => incidentSla(i, sla, now).breached)
      .map((i) => ({ id: i.id, level: i.level, title: i.title, startedAt: i.startedAt, recoveryMs: incidentSla(i, sla, now).recoveryMs })),
    periodFaultMs: unionDuration(incidentIntervals(inPeriod, now), period),
    yearToDate: faultTime(all, { from: year.from, to: Math.max(year.from, Math.min(year.to, end)) }, sla, now),
  };
}

/** A daily inspection as a periodic report sees it. */
export interface InspectionDigest {
  at: number;
  overall: CheckStatus;
  /** Checks that were not `pass`. */
  problems: Array<{ id: string; status: CheckStatus; value: string }>;
}

/** Daily inspections of a period: how many, how they came out, which checks kept failing, which days were missed. */
export interface InspectionSummary {
  count: number;
  pass: number;
  warn: number;
  fail: number;
  /** Beijing days of the period (up to now) with no inspection. */
  daysWithout: number;
  /** Check id → days it was not `pass`, most frequent first. */
  recurring: Array<{ id: string; days: number; worst: CheckStatus }>;
}

export function summariseInspections(digests: readonly InspectionDigest[], period: Interval, now: number): InspectionSummary {
  const inP = digests.filter((d) => d.at >= period.from && d.at < period.to);
  const days = new Set(inP.map((d) => opsPeriodContaining('daily', d.at).from));
  const elapsedDays = Math.max(0, Math.ceil((Math.min(period.to, now) - period.from) / 86_400_000));
  const rec = new Map<string, { days: Set<number>; worst: CheckStatus }>();
  for (const d of inP) {
    for (const p of d.problems) {
      const r = rec.get(p.id) ?? { days: new Set<number>(), worst: 'warn' as CheckStatus };
      r.days.add(opsPeriodContaining('daily', d.at).from);
      if (p.status === 'fail') r.worst = 'fail';
      rec.set(p.id, r);
    }
  }
  return {
    count: inP.length,
    pass: inP.filter((d) => d.overall === 'pass').length,
    warn: inP.filter((d) => d.overall === 'warn').length,
    fail: inP.filter((d) => d.overall === 'fail').length,
    daysWithout: Math.max(0, elapsedDays - days.size),
    recurring: [...rec].map(([id, r]) => ({ id, days: r.days.size, worst: r.worst })).sort((a, b) => b.days - a.days || a.id.localeCompare(b.id)),
  };
}
