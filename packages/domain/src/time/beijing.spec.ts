import { describe, expect, it } from 'vitest';
import { beijingHalfHour, dayPeriod, monthPeriod, monthPeriodOf, periodLabel, previousPeriod, weekPeriod } from './beijing.js';

const at = (iso: string) => Date.parse(iso);

describe('Beijing reporting periods', () => {
  it('starts the day at 00:00 Beijing (16:00 UTC the day before)', () => {
    expect(dayPeriod(at('2026-11-27T15:59:59Z'))).toEqual({ from: at('2026-11-26T16:00:00Z'), to: at('2026-11-27T16:00:00Z') });
    expect(dayPeriod(at('2026-11-27T16:00:00Z')).from).toBe(at('2026-11-27T16:00:00Z'));
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

  it('gives the previous complete period for scheduled reports, across a year end', () => {
    expect(previousPeriod('monthly', at('2027-01-01T00:10:00Z'))).toEqual(monthPeriodOf('2026-12'));
    expect(previousPeriod('daily', at('2026-11-27T16:05:00Z'))).toEqual(dayPeriod(at('2026-11-27T10:00:00Z')));
  });

  it('numbers half-hours of the Beijing day from 0', () => {
    expect(beijingHalfHour(at('2026-11-26T16:00:00Z'))).toBe(0);
    expect(beijingHalfHour(at('2026-11-27T01:45:00Z'))).toBe(19); // 09:45 Beijing
  });
});
