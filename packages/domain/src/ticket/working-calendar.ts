import { CtiError } from '../errors.js';
import { BEIJING_OFFSET_MS } from '../time/beijing.js';

/** Holiday data as configured: plain 'YYYY-MM-DD' dates in Beijing time. */
export interface WorkingCalendarData {
  /** Days off that would otherwise be working days (statutory holidays and their bridging days). */
  readonly holidays: readonly string[];
  /** Weekend days that are working days (调休上班). */
  readonly adjustedWorkdays: readonly string[];
}

/** A validated calendar; build it with createWorkingCalendar. */
export interface WorkingCalendar {
  readonly holidays: ReadonlySet<string>;
  readonly adjustedWorkdays: ReadonlySet<string>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
// Guards against a calendar that declares years of holidays; no real deadline walks this far.
const MAX_DAYS_SCANNED = 3660;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDate(date: string): boolean {
  const m = DATE_PATTERN.exec(date);
  if (m === null) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Validates holiday data once (real dates, no day both off and on) and indexes it. */
export function createWorkingCalendar(data: WorkingCalendarData): WorkingCalendar {
  const bad = [...data.holidays, ...data.adjustedWorkdays].filter((d) => !isRealDate(d));
  if (bad.length > 0) throw new CtiError('CTI_ERR_VALIDATION', 'calendar dates must be real YYYY-MM-DD dates', { bad });
  const holidays = new Set(data.holidays);
  const both = data.adjustedWorkdays.filter((d) => holidays.has(d));
  if (both.length > 0) throw new CtiError('CTI_ERR_VALIDATION', 'a day cannot be both a holiday and an adjusted workday', { both });
  return { holidays, adjustedWorkdays: new Set(data.adjustedWorkdays) };
}

// Every calendar here runs on Beijing time (time/beijing.ts). Beijing calendar day number: whole days since 1970-01-01 in UTC+8.
function beijingDayNumber(epochMs: number): number {
  return Math.floor((epochMs + BEIJING_OFFSET_MS) / DAY_MS);
}

function dayNumberToDate(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/** Whether the Beijing date is a working day: adjusted workdays win, then holidays, then Monday–Friday. */
export function isWorkingDay(date: string, calendar: WorkingCalendar): boolean {
  if (calendar.adjustedWorkdays.has(date)) return true;
  if (calendar.holidays.has(date)) return false;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/**
 * End (23:59:59.999 Beijing time) of the n-th working day after the Beijing day containing `start`.
 * The start day never counts, even when it is a working day and even when work began at 00:00;
 * n = 0 means the end of the start day itself.
 */
export function addWorkingDays(start: number, n: number, calendar: WorkingCalendar): number {
  if (!Number.isFinite(start)) throw new CtiError('CTI_ERR_VALIDATION', 'start must be an epoch millisecond number', { start });
  if (!Number.isInteger(n) || n < 0) throw new CtiError('CTI_ERR_VALIDATION', 'n must be a non-negative integer', { n });
  let day = beijingDayNumber(start);
  let counted = 0;
  for (let scanned = 0; counted < n; scanned++) {
    if (scanned >= MAX_DAYS_SCANNED) throw new CtiError('CTI_ERR_VALIDATION', 'calendar has too few working days to count that far', { n });
    day += 1;
    if (isWorkingDay(dayNumberToDate(day), calendar)) counted += 1;
  }
  return (day + 1) * DAY_MS - BEIJING_OFFSET_MS - 1;
}

/** `start` plus clock hours, ignoring the calendar: urgent matters run around the clock. */
export function addHours(start: number, hours: number): number {
  if (!Number.isFinite(start)) throw new CtiError('CTI_ERR_VALIDATION', 'start must be an epoch millisecond number', { start });
  if (!Number.isFinite(hours) || hours < 0) throw new CtiError('CTI_ERR_VALIDATION', 'hours must be a non-negative number', { hours });
  return start + hours * HOUR_MS;
}
