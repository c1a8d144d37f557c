import { describe, expect, it } from 'vitest';
import {
  BEIJING_OFFSET_MS,
  beijingDate,
  beijingDateTime,
  beijingHalfHour,
  beijingHour,
  beijingMonth,
  beijingNoon,
  beijingYear,
  beijingYearOf,
  dayPeriod,
  endOfBeijingDay,
  monthPeriod,
  monthPeriodOf,
  periodContaining,
  periodLabel,
  previousPeriod,
  weekPeriod,
} from './beijing.js';

const at = (iso: string) => Date.parse(iso);

describe('Beijing time of an instant', () => {
  it('is UTC+8 whatever the server zone', () => {
    expect(BEIJING_OFFSET_MS).toBe(8 * 3_600_000);
  });

  it('puts 16:30 UTC on 30 September into 1 October, Beijing time', () => {
    expect(beijingDate(at('2026-09-30T16:30:00Z'))).toBe('2026-10-01');
    expect(beijingDate(at('2026-09-30T15:59:59.999Z'))).toBe('2026-09-30');
  });

  it('gives month, hour and date-time on the Beijing clock', () => {
    expect(beijingMonth(at('2026-11-30T16:00:00Z'))).toBe('2026-12');
    expect(beijingMonth(at('2026-11-30T15:59:59.999Z'))).toBe('2026-11');
    expect(beijingHour(at('2026-11-26T16:00:00Z'))).toBe(0);
    expect(beijingHour(at('2026-11-27T15:59:59Z'))).toBe(23);
    expect(beijingDateTime(at('2026-12-31T16:05:09.900Z'))).toBe('2027-01-01 00:05:09');
  });

  it('uses the Beijing calendar year', () => {
    expect(beijingYear(2026)).toEqual({ from: at('2025-12-31T16:00:00Z'), to: at('2026-12-31T16:00:00Z') });
    expect(beijingYearOf(at('2026-12-31T15:59:59.999Z'))).toBe(2026);
    expect(beijingYearOf(at('2026-12-31T16:00:00Z'))).toBe(2027);
  });

  it('takes noon of a Beijing date as an instant inside that day', () => {
    expect(beijingNoon('2026-10-01')).toBe(at('2026-10-01T04:00:00Z'));
    expect(dayPeriod(beijingNoon('2026-10-01'))).toEqual({ from: at('2026-09-30T16:00:00Z'), to: at('2026-10-01T16:00:00Z') });
    expect(beijingNoon('2026-1-1')).toBeNaN();
  });
});

describe('Beijing reporting periods', () => {
  it('starts the day at 00:00 Beijing (16:00 UTC the day before)', () => {
    expect(dayPeriod(at('2026-11-27T15:59:59Z'))).toEqual({ from: at('2026-11-26T16:00:00Z'), to: at('2026-11-27T16:00:00Z') });
    expect(dayPeriod(at('2026-11-27T16:00:00Z')).from).toBe(at('2026-11-27T16:00:00Z'));
  });

  it('ends the Beijing day at 15:59:59.999 UTC', () => {
    expect(endOfBeijingDay(at('2026-10-07T16:00:00Z'))).toBe(at('2026-10-08T15:59:59.999Z'));
    expect(endOfBeijingDay(at('2026-10-08T15:59:59.999Z'))).toBe(at('2026-10-08T15:59:59.999Z'));
  });

  it('starts the week on Monday', () => {
    // Friday 2026-11-27 Beijing → week of Monday 2026-11-23.
    const w = weekPeriod(at('2026-11-27T10:00:00Z'));
    expect(w).toEqual({ from: at('2026-11-22T16:00:00Z'), to: at('2026-11-29T16:00:00Z') });
    expect(periodLabel('weekly', w)).toBe('2026-11-23 至 2026-11-29');
  });

  it('counts a call at 23:30 UTC on the 30th of November in the Beijing month of December', () => {
    expect(monthPeriod(at('2026-11-30T23:30:00Z'))).toEqual(monthPeriodOf('2026-12'));
    expect(monthPeriodOf('2026-12')).toEqual({ from: at('2026-11-30T16:00:00Z'), to: at('2026-12-31T16:00:00Z') });
  });

  it('refuses a month that is not YYYY-MM', () => {
    expect(() => monthPeriodOf('2026-13')).toThrow(RangeError);
    expect(() => monthPeriodOf('2026-1')).toThrow(RangeError);
  });

  it('picks the period of a kind containing an instant, and labels it', () => {
    const t = at('2026-11-27T10:00:00Z'); // Friday 18:00 Beijing
    expect(periodContaining('daily', t)).toEqual(dayPeriod(t));
    expect(periodContaining('weekly', t)).toEqual(weekPeriod(t));
    expect(periodContaining('monthly', t)).toEqual(monthPeriodOf('2026-11'));
    expect(periodLabel('daily', dayPeriod(t))).toBe('2026-11-27');
    expect(periodLabel('monthly', monthPeriod(t))).toBe('2026-11');
  });

  it('gives the previous complete period for scheduled reports, across a year end', () => {
    expect(previousPeriod('monthly', at('2027-01-01T00:10:00Z'))).toEqual(monthPeriodOf('2026-12'));
    expect(previousPeriod('daily', at('2026-11-27T16:05:00Z'))).toEqual(dayPeriod(at('2026-11-27T10:00:00Z')));
  });

  it('numbers half-hours of the Beijing day from 0', () => {
    expect(beijingHalfHour(at('2026-11-26T16:00:00Z'))).toBe(0);
    expect(beijingHalfHour(at('2026-11-27T01:45:00Z'))).toBe(19); // 09:45 Beijing
  });
});
