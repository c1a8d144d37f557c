import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { bj, calendar2026 } from './ticket.fixtures.test.js';
import { beijingDate, endOfBeijingDay } from '../time/beijing.js';
import { addHours, addWorkingDays, createWorkingCalendar, isWorkingDay } from './working-calendar.js';

const endOf = (date: string): number => bj(`${date}T23:59:59.999`);

describe('isWorkingDay with the 2026 calendar', () => {
  it.each([
    ['2026-10-08', true, 'an ordinary Thursday after the golden week'],
    ['2026-10-10', true, 'Saturday made a working day (调休)'],
    ['2026-09-20', true, 'Sunday made a working day before National Day'],
    ['2026-01-04', true, 'Sunday made a working day after New Year'],
    ['2026-10-01', false, 'National Day, a Thursday'],
    ['2026-02-23', false, 'last day of the Spring Festival break, a Monday'],
    ['2026-10-11', false, 'an ordinary Sunday'],
    ['2026-10-17', false, 'an ordinary Saturday'],
  ])('%s is working=%s: %s', (date, expected) => {
    expect(isWorkingDay(date, calendar2026)).toBe(expected);
  });
});

describe('addWorkingDays: end of the n-th working day after the acceptance day (hand-computed on the 2026 calendar)', () => {
  it.each([
    ['2026-09-30T10:00', 3, '2026-10-10', 'golden week skipped; Oct 8, Oct 9 and adjusted Saturday Oct 10'],
    ['2026-09-18T10:00', 3, '2026-09-22', 'adjusted Sunday Sep 20 counts, then Sep 21, 22'],
    ['2026-09-28T09:00', 15, '2026-10-23', 'Sep 29, 30, Oct 8, 9, 10, 12–16, 19–23'],
    ['2026-02-13T10:00', 7, '2026-03-02', 'adjusted Sat Feb 14, Feb 24–27, adjusted Sat Feb 28, Mon Mar 2'],
    ['2026-10-03T12:00', 1, '2026-10-08', 'accepted on a holiday: the first working day after it'],
    ['2026-09-21T00:00', 1, '2026-09-22', 'the acceptance day never counts, even from midnight'],
    ['2026-10-09T23:30', 3, '2026-10-13', 'late Friday: Oct 10 (adjusted), 12, 13'],
    ['2026-10-10T00:30', 3, '2026-10-14', 'just after midnight Beijing the acceptance day is already Oct 10'],
    ['2026-10-09T10:00', 0, '2026-10-09', 'n = 0 is the end of the acceptance day'],
  ])('accepted %s + %i working days → end of %s (%s)', (accepted, n, expected) => {
    expect(addWorkingDays(bj(accepted), n, calendar2026)).toBe(endOf(expected));
  });

  it('counts in Beijing time whatever the UTC date: 2026-10-09T16:30Z is Oct 10 in Beijing', () => {
    expect(addWorkingDays(Date.parse('2026-10-09T16:30:00Z'), 3, calendar2026)).toBe(endOf('2026-10-14'));
  });

  it('rejects a negative or fractional n as VALIDATION', () => {
    expect(() => addWorkingDays(bj('2026-10-09T10:00'), -1, calendar2026)).toThrow(CtiError);
    expect(() => addWorkingDays(bj('2026-10-09T10:00'), 1.5, calendar2026)).toThrow(CtiError);
  });

  it('refuses to scan more than about ten years of days instead of looping forever', () => {
    expect(() => addWorkingDays(bj('2026-10-09T10:00'), 3000, calendar2026)).toThrow(/too few working days/);
  });

  it('always lands on 23:59:59.999 Beijing of a working day, after the start, with exactly n working days in between', () => {
    const start = fc.integer({ min: bj('2026-01-01T00:00'), max: bj('2026-12-01T00:00') });
    fc.assert(
      fc.property(start, fc.integer({ min: 1, max: 20 }), (s, n) => {
        const due = addWorkingDays(s, n, calendar2026);
        expect(due).toBe(endOfBeijingDay(due));
        expect(due).toBeGreaterThan(endOfBeijingDay(s));
        expect(isWorkingDay(beijingDate(due), calendar2026)).toBe(true);
        let count = 0;
        for (let t = endOfBeijingDay(s) + 1; t <= due; t += 86_400_000) if (isWorkingDay(beijingDate(t), calendar2026)) count++;
        expect(count).toBe(n);
        expect(addWorkingDays(s, n + 1, calendar2026)).toBeGreaterThan(due);
      }),
      { numRuns: 200 },
    );
  });
});

describe('addHours', () => {
  it('adds clock hours straight through holidays', () => {
    expect(addHours(bj('2026-09-30T10:00'), 24)).toBe(bj('2026-10-01T10:00'));
  });

  it('rejects negative hours', () => {
    expect(() => addHours(0, -1)).toThrow(CtiError);
  });
});

describe('createWorkingCalendar', () => {
  it('rejects a date that does not exist', () => {
    expect(() => createWorkingCalendar({ holidays: ['2026-02-30'], adjustedWorkdays: [] })).toThrow(/real YYYY-MM-DD/);
  });

  it('rejects a day listed both as holiday and as adjusted workday', () => {
    expect(() => createWorkingCalendar({ holidays: ['2026-10-10'], adjustedWorkdays: ['2026-10-10'] })).toThrow(/both/);
  });

  it('treats an empty calendar as plain Monday–Friday', () => {
    const plain = createWorkingCalendar({ holidays: [], adjustedWorkdays: [] });
    expect(addWorkingDays(bj('2026-09-30T10:00'), 3, plain)).toBe(endOf('2026-10-05'));
  });
});
