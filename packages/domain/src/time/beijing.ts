// Beijing time (UTC+8, no daylight saving): the contract, the working calendar, reports, operations and schedules
// all count in it, whatever the server's time zone. Periods are half-open [from, to) in epoch ms.

/** Beijing time's offset from UTC. */
export const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** The IANA zone of Beijing time, for cron schedules (BullMQ `tz`) and Intl formatting: UTC+8 all year round. */
export const BEIJING_TIME_ZONE = 'Asia/Shanghai';

const DAY_MS = 86_400_000;

/** A half-open period [from, to) in epoch ms. */
export interface KpiPeriod {
  from: number;
  to: number;
}

/** Report periods. */
export type PeriodKind = 'daily' | 'weekly' | 'monthly';

const shifted = (ms: number) => new Date(ms + BEIJING_OFFSET_MS);

/** 'YYYY-MM-DD' of the Beijing day containing `ms`. */
export function beijingDate(ms: number): string {
  return shifted(ms).toISOString().slice(0, 10);
}

/** 'YYYY-MM' of the Beijing month containing `ms`. */
export function beijingMonth(ms: number): string {
  return shifted(ms).toISOString().slice(0, 7);
}

/** 'YYYY-MM-DD HH:MM:SS' of `ms` in Beijing time. */
export function beijingDateTime(ms: number): string {
  return shifted(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** The Beijing calendar year containing `ms`. */
export function beijingYearOf(ms: number): number {
  return shifted(ms).getUTCFullYear();
}

/** Noon (12:00 Beijing) of a Beijing date 'YYYY-MM-DD': an instant safely inside that day. NaN for a malformed date. */
export function beijingNoon(date: string): number {
  return Date.parse(`${date}T12:00:00+08:00`);
}

/** Beijing hour of day (0–23). */
export function beijingHour(ms: number): number {
  return shifted(ms).getUTCHours();
}

/** Beijing half-hour of day (0–47). */
export function beijingHalfHour(ms: number): number {
  const d = shifted(ms);
  return d.getUTCHours() * 2 + (d.getUTCMinutes() >= 30 ? 1 : 0);
}

/** The Beijing day containing `ms`. */
export function dayPeriod(ms: number): KpiPeriod {
  const from = Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS) * DAY_MS - BEIJING_OFFSET_MS;
  return { from, to: from + DAY_MS };
}

/** The last millisecond (23:59:59.999 Beijing time) of the Beijing day containing `ms`. */
export function endOfBeijingDay(ms: number): number {
  return dayPeriod(ms).to - 1;
}

/** The Beijing week (Monday to Sunday) containing `ms`. */
export function weekPeriod(ms: number): KpiPeriod {
  const day = dayPeriod(ms);
  const weekday = (shifted(day.from).getUTCDay() + 6) % 7; // Monday = 0
  const from = day.from - weekday * DAY_MS;
  return { from, to: from + 7 * DAY_MS };
}

/** The Beijing calendar month 'YYYY-MM'. */
export function monthPeriodOf(month: string): KpiPeriod {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new RangeError(`month must be YYYY-MM: ${month}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { from: Date.UTC(y, mo - 1, 1) - BEIJING_OFFSET_MS, to: Date.UTC(y, mo, 1) - BEIJING_OFFSET_MS };
}

/** The Beijing calendar month containing `ms`. */
export function monthPeriod(ms: number): KpiPeriod {
  return monthPeriodOf(beijingMonth(ms));
}

/** The Beijing calendar year `year`: [1 January 00:00, next 1 January 00:00). */
export function beijingYear(year: number): KpiPeriod {
  return { from: Date.UTC(year, 0, 1) - BEIJING_OFFSET_MS, to: Date.UTC(year + 1, 0, 1) - BEIJING_OFFSET_MS };
}

/** The period of this kind containing `ms`. */
export function periodContaining(kind: PeriodKind, ms: number): KpiPeriod {
  return kind === 'daily' ? dayPeriod(ms) : kind === 'weekly' ? weekPeriod(ms) : monthPeriod(ms);
}

/** The last complete period of this kind before the one containing `ms` (what a scheduled report covers). */
export function previousPeriod(kind: PeriodKind, ms: number): KpiPeriod {
  return periodContaining(kind, periodContaining(kind, ms).from - 1);
}

/** A human label of a period: '2026-11-27', '2026-11-23 至 2026-11-29', '2026-11'. */
export function periodLabel(kind: PeriodKind, p: KpiPeriod): string {
  if (kind === 'daily') return beijingDate(p.from);
  if (kind === 'weekly') return `${beijingDate(p.from)} 至 ${beijingDate(p.to - 1)}`;
  return beijingMonth(p.from);
}
