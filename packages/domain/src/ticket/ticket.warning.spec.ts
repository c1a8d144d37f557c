import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { DAY, HOUR } from './ticket.fixtures.test.js';
import { deadlineStatus, DEFAULT_WARNING_POLICY } from './ticket.warning.js';

const A = 1_800_000_000_000;
const open = { state: 'in_progress' as const, acceptedAt: A, deadline: A + 10 * DAY };

describe('deadlineStatus with yellow in the last 20 % or the last 24 h', () => {
  it.each([
    [A + 5 * DAY, 'ok', 'half the allowance left'],
    [A + 7.9 * DAY, 'ok', 'just over 20 % left'],
    [A + 8 * DAY, 'yellow', 'exactly 20 % of 10 days left'],
    [A + 10 * DAY - HOUR, 'yellow', 'one hour left'],
    [A + 10 * DAY, 'yellow', 'at the deadline instant, not yet overdue'],
    [A + 10 * DAY + 1, 'red', 'one millisecond overdue'],
  ] as const)('at %i it is %s (%s)', (now, expected, _why) => {
    expect(deadlineStatus(open, now, DEFAULT_WARNING_POLICY)).toBe(expected);
  });

  it('turns yellow on the hours trigger when the fraction window is smaller', () => {
    const long = { ...open, deadline: A + 400 * DAY };
    expect(deadlineStatus(long, A + 400 * DAY - 23 * HOUR, { yellowRemainingFraction: 0, yellowWithinHours: 24 })).toBe('yellow');
    expect(deadlineStatus(long, A + 400 * DAY - 25 * HOUR, { yellowRemainingFraction: 0, yellowWithinHours: 24 })).toBe('ok');
  });

  it('never warns about a finished ticket, even past its deadline', () => {
    expect(deadlineStatus({ ...open, state: 'closed' }, A + 30 * DAY, DEFAULT_WARNING_POLICY)).toBe('ok');
    expect(deadlineStatus({ ...open, state: 'merged' }, A + 30 * DAY, DEFAULT_WARNING_POLICY)).toBe('ok');
  });

  it('rejects a fraction above 1 or negative hours', () => {
    expect(() => deadlineStatus(open, A, { yellowRemainingFraction: 1.5, yellowWithinHours: 0 })).toThrow(CtiError);
    expect(() => deadlineStatus(open, A, { yellowRemainingFraction: 0.2, yellowWithinHours: -1 })).toThrow(CtiError);
  });
});
