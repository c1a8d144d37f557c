import type { WorkingCalendarData } from './working-calendar.js';

function range(fromDay: number, toDay: number, month: string): string[] {
  const out: string[] = [];
  for (let d = fromDay; d <= toDay; d++) out.push(`2026-${month}-${String(d).padStart(2, '0')}`);
  return out;
}

/**
 * Mainland China's 2026 public-holiday arrangement (State Council notice of 2025-11-04), as seed data for the
 * calendar configuration and as the known calendar the deadline tests are checked against by hand.
 */
export const CHINA_2026_CALENDAR_DATA: WorkingCalendarData = {
  holidays: [
    ...range(1, 3, '01'), // New Year: Thu 1 – Sat 3
    ...range(15, 23, '02'), // Spring Festival: Sun 15 – Mon 23
    ...range(4, 6, '04'), // Qingming: Sat 4 – Mon 6
    ...range(1, 5, '05'), // Labour Day: Fri 1 – Tue 5
    ...range(19, 21, '06'), // Dragon Boat: Fri 19 – Sun 21
    ...range(25, 27, '09'), // Mid-Autumn: Fri 25 – Sun 27
    ...range(1, 7, '10'), // National Day: Thu 1 – Wed 7
  ],
  adjustedWorkdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
};
