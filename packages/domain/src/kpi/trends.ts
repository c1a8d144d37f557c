import { CtiError } from '../errors.js';
import { beijingDate, beijingHalfHour, dayPeriod } from '../time/beijing.js';
import { selectCountedCalls } from './call.selection.js';
import type { KpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';
import { kpiResult } from './kpi.result.js';

// The big screen's trends (docs/domain.md §17): the series its charts draw, worked out from facts the KPI engine
// already reads. Pure: the caller passes the calls, the rows counted by the database and the clock.

const DAY_MS = 86_400_000;
const HALF_HOUR_MS = 1_800_000;
/** Half-hours in a Beijing day. */
export const HALF_HOURS_PER_DAY = 48;

/** '00:00', '00:30', … '23:30': the labels of a day's half-hours. */
export function halfHourLabels(): string[] {
  return Array.from({ length: HALF_HOURS_PER_DAY }, (_, i) => `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);
}

/** Calls per half-hour: today against yesterday and the forecast. */
export interface HalfHourTrend {
  /** '00:00' … '23:30' (Beijing time). */
  labels: string[];
  /** Today's counted calls per half-hour; null for half-hours not begun yet. */
  today: Array<number | null>;
  /** Yesterday's counted calls per half-hour. */
  yesterday: number[];
  /** Calls expected per half-hour (the staffing forecast), one decimal. */
  forecast: number[];
  /** Index of the current half-hour. */
  currentIndex: number;
}

/** Counted calls offered in the Beijing day starting at `dayStart`, per half-hour. */
export function countPerHalfHour(calls: readonly CallFact[], config: KpiConfig, dayStart: number, until = dayStart + DAY_MS): number[] {
  const out = new Array<number>(HALF_HOURS_PER_DAY).fill(0);
  const to = Math.min(dayStart + DAY_MS, until);
  if (to <= dayStart) return out;
  for (const c of selectCountedCalls(calls, config, { from: dayStart, to }).counted) out[beijingHalfHour(c.offeredAt as number)]! += 1;
  return out;
}

/**
 * Today's calls per half-hour against yesterday's and the forecast. The calls are those the answer rate counts (the
 * same set the staffing forecast is made of); `forecast` holds the 48 expected counts of today, in order.
 */
export function halfHourTrend(calls: readonly CallFact[], config: KpiConfig, forecast: readonly number[], now: number): HalfHourTrend {
  if (forecast.length !== HALF_HOURS_PER_DAY) throw new CtiError('CTI_ERR_VALIDATION', `a day's forecast has ${HALF_HOURS_PER_DAY} half-hours, not ${forecast.length}`, { length: forecast.length });
  const today = dayPeriod(now).from;
  const current = Math.floor((now - today) / HALF_HOUR_MS);
  const todays = countPerHalfHour(calls, config, today, now + 1);
  return {
    labels: halfHourLabels(),
    today: todays.map((n, i) => (i <= current ? n : null)),
    yesterday: countPerHalfHour(calls, config, today - DAY_MS),
    forecast: forecast.map((f) => Math.round(f * 10) / 10),
    currentIndex: current,
  };
}

/** One day's answer rate in the month. */
export interface DailyAnswerRate {
  /** 'YYYY-MM-DD' (Beijing). */
  day: string;
  /** Counted calls (answered + abandoned + failed). */
  offered: number;
  answered: number;
  /** answered ÷ offered, null without calls. */
  rate: number | null;
}

/**
 * The answer rate of each Beijing day of the month so far (from `monthStart`, a Beijing midnight, to the day holding
 * `now`), against the target: the calls the answer rate counts (§2), tallied by day in one pass.
 */
export function dailyAnswerRates(calls: readonly CallFact[], config: KpiConfig, monthStart: number, now: number): { target: number; days: DailyAnswerRate[] } {
  if (now < monthStart) throw new CtiError('CTI_ERR_VALIDATION', 'the month has not begun at now', { monthStart, now });
  const n = Math.floor((now - monthStart) / DAY_MS) + 1;
  const offered = new Array<number>(n).fill(0);
  const answered = new Array<number>(n).fill(0);
  for (const c of selectCountedCalls(calls, config, { from: monthStart, to: now + 1 }).counted) {
    const i = Math.floor(((c.offeredAt as number) - monthStart) / DAY_MS);
    offered[i]! += 1;
    if (c.outcome === 'answered') answered[i]! += 1;
  }
  const days = offered.map((o, i) => ({ day: beijingDate(monthStart + i * DAY_MS), offered: o, answered: answered[i]!, rate: kpiResult(answered[i]!, o).value }));
  return { target: config.answerRateTarget, days };
}

/** A label and its count, one bar or slice of a chart. */
export interface NamedCount {
  name: string;
  count: number;
}

/** The bucket of tickets without a county (opened before the field existed, or left unset). */
export const NO_COUNTY = '未填写';
/** The bucket of tickets whose county is no longer on the configured list. */
export const OTHER_COUNTY = '其他';

/**
 * Tickets per county in the configured order, every county shown (0 where none), then those without a county and
 * those with a county no longer on the list, each only when there are some.
 */
export function countyCounts(rows: ReadonlyArray<{ county: string | null; count: number }>, counties: readonly string[]): NamedCount[] {
  const by = new Map<string, number>(counties.map((c) => [c, 0]));
  let none = 0;
  let other = 0;
  for (const r of rows) {
    if (r.county === null || r.county === '') none += r.count;
    else if (by.has(r.county)) by.set(r.county, (by.get(r.county) ?? 0) + r.count);
    else other += r.count;
  }
  const out = counties.map((name) => ({ name, count: by.get(name) ?? 0 }));
  if (none > 0) out.push({ name: NO_COUNTY, count: none });
  if (other > 0) out.push({ name: OTHER_COUNTY, count: other });
  return out;
}

/** The name of overdue tickets not dispatched to a department yet. */
export const NO_DEPARTMENT = '未派单';

/**
 * Overdue tickets per lead department, most first (ties by name), the first `top` shown and the rest summed into
 * 其他单位; a ticket without a lead department counts under 未派单.
 */
export function departmentCounts(rows: ReadonlyArray<{ name: string | null; count: number }>, top = 10): NamedCount[] {
  if (!Number.isInteger(top) || top < 1) throw new CtiError('CTI_ERR_VALIDATION', 'top must be a whole number of at least 1', { top });
  const by = new Map<string, number>();
  for (const r of rows) if (r.count > 0) by.set(r.name ?? NO_DEPARTMENT, (by.get(r.name ?? NO_DEPARTMENT) ?? 0) + r.count);
  const sorted = [...by].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, 'zh-CN'));
  if (sorted.length <= top) return sorted;
  const rest = sorted.slice(top).reduce((n, r) => n + r.count, 0);
  return [...sorted.slice(0, top), { name: '其他单位', count: rest }];
}

/** The ticket categories in Chinese, in the order the screen shows them (docs/domain.md §3). */
export const TICKET_CATEGORY_ZH: Readonly<Record<string, string>> = { consultation: '咨询', help: '求助', complaint: '投诉', report: '举报', suggestion: '建议', praise: '表扬', other: '其他' };

/** Tickets per category in the order given (every category shown, 0 where none), labelled in Chinese. */
export function categoryCounts(rows: ReadonlyArray<{ category: string; count: number }>, labels: Readonly<Record<string, string>>): NamedCount[] {
  const by = new Map<string, number>();
  for (const r of rows) by.set(r.category, (by.get(r.category) ?? 0) + r.count);
  const out: NamedCount[] = Object.entries(labels).map(([code, name]) => ({ name, count: by.get(code) ?? 0 }));
  // A ticket still in intake has no category yet.
  for (const [code, count] of by) if (!(code in labels) && count > 0) out.push({ name: code === 'uncategorized' ? '未分类' : code, count });
  return out;
}

/** Parses a configured county list (comma-separated): trimmed, no empties; refuses duplicates. */
export function parseCountyList(raw: string): string[] {
  const list = raw.split(/[,，]/).map((s) => s.trim()).filter(Boolean);
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c)) throw new CtiError('CTI_ERR_VALIDATION', `county ${c} is listed twice`, { county: c });
    seen.add(c);
  }
  return list;
}

/** The big screen's trends (docs/domain.md §17): what its five charts draw. */
export interface TrendFigures {
  /** When they were worked out, epoch ms. */
  at: number;
  /** Today's calls per half-hour against yesterday's and the forecast. */
  halfHours: HalfHourTrend;
  /** Each day's answer rate this month against the target. */
  dailyAnswerRate: { target: number; days: DailyAnswerRate[] };
  /** Tickets accepted today per category (every category, in Chinese). */
  ticketsByCategory: NamedCount[];
  /** Open tickets past their deadline per lead department, most first. */
  overdueByDepartment: NamedCount[];
  /** Tickets accepted this month per county (every configured county, then none chosen / no longer listed). */
  ticketsByCounty: NamedCount[];
}
