// Reporting periods of the stored facts. The contract counts in Beijing time (UTC+8, no daylight saving),
// whatever the server's time zone; periods are half-open [from, to) in epoch ms.

/** Beijing time's offset from UTC. */
export const BEIJING_OFFSET_MS = 8 * 3_600_000;
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
