// Shifts (班次) as configuration: the centre works around the clock in shifts that tile the Beijing day — by default
// three of eight hours (早班 08:00–16:00, 中班 16:00–24:00, 夜班 00:00–08:00) — with a minimum staff per shift and per
// skill (a bilingual 藏汉双语 seat in every shift) and the rest rules a rota must respect (docs/domain.md §14).
import { CtiError } from '../errors.js';
import { BEIJING_OFFSET_MS } from '../time/beijing.js';

/** Planning granularity: the Erlang C forecast and the rota both count in half-hours. */
export const HALF_HOUR_MS = 1_800_000;
const DAY_MS = 86_400_000;

/** One shift of the day. `end` at or before `start` means the shift ends the next day (22:00–06:00). */
export interface ShiftDef {
  /** Stable code stored in the rota: 'early', 'late', 'night'. */
  readonly code: string;
  /** What people read: 早班. */
  readonly name: string;
  /** 'HH:MM' Beijing time, on a half-hour. */
  readonly start: string;
  /** 'HH:MM' Beijing time, on a half-hour. */
  readonly end: string;
}

/** The centre's shift configuration. */
export interface ShiftConfig {
  readonly shifts: readonly ShiftDef[];
  /** Fewest agents in any shift, whatever the forecast says. */
  readonly minStaff: number;
  /** Fewest agents with each skill in any shift (`{ tibetan: 1 }`: a bilingual seat in every shift). */
  readonly minBySkill: Readonly<Record<string, number>>;
  /** Rest between the end of one shift and the start of the next, hours (labour rules; 12 by default). */
  readonly minRestHours: number;
  /** Most days worked in a row before a day off. */
  readonly maxConsecutiveDays: number;
  /** Minutes after the start before a sign-in counts as late, and before the end a sign-out counts as early. */
  readonly graceMinutes: number;
}

/** Three eight-hour shifts, two agents at least, one bilingual seat, 12 h rest, six days in a row at most. */
export const DEFAULT_SHIFT_CONFIG: ShiftConfig = {
  shifts: [
    { code: 'night', name: '夜班', start: '00:00', end: '08:00' },
    { code: 'early', name: '早班', start: '08:00', end: '16:00' },
    { code: 'late', name: '中班', start: '16:00', end: '00:00' },
  ],
  minStaff: 2,
  minBySkill: { tibetan: 1 },
  minRestHours: 12,
  maxConsecutiveDays: 6,
  graceMinutes: 5,
};

function minutesOf(hhmm: string, field: string, code: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new CtiError('CTI_ERR_VALIDATION', `shift ${code}: ${field} must be HH:MM`, { code, [field]: hhmm });
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (minutes % 30 !== 0) throw new CtiError('CTI_ERR_VALIDATION', `shift ${code}: ${field} must fall on a half-hour`, { code, [field]: hhmm });
  return minutes;
}

/** Minutes after midnight at which the shift starts, and its length in minutes (1–24 h). */
export function shiftSpan(s: ShiftDef): { startMinute: number; lengthMinutes: number } {
  const start = minutesOf(s.start, 'start', s.code);
  const end = minutesOf(s.end, 'end', s.code);
  return { startMinute: start, lengthMinutes: end > start ? end - start : end + 1440 - start };
}

/** Shift length in hours. */
export function shiftHours(s: ShiftDef): number {
  return shiftSpan(s).lengthMinutes / 60;
}

/**
 * Checks a configuration and returns it: codes unique, times on half-hours, and the shifts tile the day — every
 * half-hour of the day in exactly one shift. Tiling is what makes the rota proposal's agent-hours minimal: each
 * half-hour's need can only be met by its own shift (rota.proposal.ts).
 */
export function validateShiftConfig(config: ShiftConfig): ShiftConfig {
  if (config.shifts.length === 0) throw new CtiError('CTI_ERR_VALIDATION', 'at least one shift is required');
  const codes = new Set<string>();
  const cover = new Array<string | null>(48).fill(null);
  for (const s of config.shifts) {
    if (!/^[a-z][a-z0-9_-]{0,15}$/.test(s.code)) throw new CtiError('CTI_ERR_VALIDATION', 'shift code must be 1–16 lower-case letters, digits, _ or -', { code: s.code });
    if (codes.has(s.code)) throw new CtiError('CTI_ERR_VALIDATION', `shift code ${s.code} appears twice`, { code: s.code });
    codes.add(s.code);
    if (!s.name.trim()) throw new CtiError('CTI_ERR_VALIDATION', `shift ${s.code} needs a name`, { code: s.code });
    const { startMinute, lengthMinutes } = shiftSpan(s);
    for (let m = 0; m < lengthMinutes; m += 30) {
      const slot = ((startMinute + m) / 30) % 48;
      if (cover[slot] !== null) {
        throw new CtiError('CTI_ERR_VALIDATION', `shifts ${cover[slot]} and ${s.code} overlap`, { shifts: [cover[slot], s.code] });
      }
      cover[slot] = s.code;
    }
  }
  const gap = cover.indexOf(null);
  if (gap >= 0) {
    const hh = String(Math.floor(gap / 2)).padStart(2, '0');
    throw new CtiError('CTI_ERR_VALIDATION', `no shift covers ${hh}:${gap % 2 ? '30' : '00'}: the shifts must tile the day`, { uncovered: `${hh}:${gap % 2 ? '30' : '00'}` });
  }
  const wholeNonNegative = (n: number) => Number.isInteger(n) && n >= 0;
  if (!wholeNonNegative(config.minStaff)) throw new CtiError('CTI_ERR_VALIDATION', 'minStaff must be a whole number ≥ 0', { minStaff: config.minStaff });
  for (const [skill, n] of Object.entries(config.minBySkill)) {
    if (!wholeNonNegative(n)) throw new CtiError('CTI_ERR_VALIDATION', `minBySkill.${skill} must be a whole number ≥ 0`, { skill, n });
  }
  if (!(config.minRestHours >= 0 && config.minRestHours <= 24)) throw new CtiError('CTI_ERR_VALIDATION', 'minRestHours must be in [0, 24]', { minRestHours: config.minRestHours });
  if (!(Number.isInteger(config.maxConsecutiveDays) && config.maxConsecutiveDays >= 1)) {
    throw new CtiError('CTI_ERR_VALIDATION', 'maxConsecutiveDays must be a whole number ≥ 1', { maxConsecutiveDays: config.maxConsecutiveDays });
  }
  if (!(config.graceMinutes >= 0 && config.graceMinutes <= 120)) throw new CtiError('CTI_ERR_VALIDATION', 'graceMinutes must be in [0, 120]', { graceMinutes: config.graceMinutes });
  return config;
}

/** Epoch ms of 00:00 Beijing time of a date 'YYYY-MM-DD'; throws on a malformed or impossible date. */
export function beijingMidnight(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new CtiError('CTI_ERR_VALIDATION', 'date must be YYYY-MM-DD', { date });
  }
  return ms - BEIJING_OFFSET_MS;
}

/** The dates 'YYYY-MM-DD' of a month 'YYYY-MM'. */
export function datesOfMonth(month: string): string[] {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new CtiError('CTI_ERR_VALIDATION', 'month must be YYYY-MM', { month });
  const days = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  return Array.from({ length: days }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/** The date after `date`. */
export function nextDate(date: string): string {
  return new Date(beijingMidnight(date) + BEIJING_OFFSET_MS + DAY_MS).toISOString().slice(0, 10);
}

/** One shift on one date: [from, to) in epoch ms. A shift belongs to the date it starts on. */
export interface ShiftInstance {
  readonly date: string;
  readonly shift: string;
  readonly from: number;
  readonly to: number;
}

/** Where a shift of `date` lies in time. */
export function shiftInstance(date: string, s: ShiftDef): ShiftInstance {
  const { startMinute, lengthMinutes } = shiftSpan(s);
  const from = beijingMidnight(date) + startMinute * 60_000;
  return { date, shift: s.code, from, to: from + lengthMinutes * 60_000 };
}

/** The shift (by config) with this code; throws a 4xx-able error for an unknown one. */
export function shiftByCode(config: ShiftConfig, code: string): ShiftDef {
  const s = config.shifts.find((x) => x.code === code);
  if (!s) throw new CtiError('CTI_ERR_VALIDATION', `unknown shift ${code}`, { shift: code, shifts: config.shifts.map((x) => x.code) });
  return s;
}
