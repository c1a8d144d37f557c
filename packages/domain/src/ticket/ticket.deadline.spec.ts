import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { bj, calendar2026 } from './ticket.fixtures.test.js';
import { computeDeadline, SICHUAN_DEADLINE_POLICY, validateDeadlinePolicy } from './ticket.deadline.js';
import type { DeadlinePolicy } from './ticket.deadline.js';

const endOf = (date: string): number => bj(`${date}T23:59:59.999`);
const P = SICHUAN_DEADLINE_POLICY;

describe('computeDeadline with the Sichuan policy on the 2026 calendar', () => {
  it.each([
    ['consultation', '2026-09-30T10:00', '2026-10-10', '3 working days across the golden week, ending on the adjusted Saturday'],
    ['help', '2026-02-13T10:00', '2026-03-02', '7 working days across Spring Festival with two adjusted Saturdays'],
    ['suggestion', '2026-02-13T10:00', '2026-03-02', 'suggestions share the 7-day limit'],
    ['complaint', '2026-09-28T09:00', '2026-10-23', '15 working days across National Day'],
    ['report', '2026-09-28T09:00', '2026-10-23', 'reports share the 15-day limit'],
    ['praise', '2026-09-28T09:00', '2026-10-23', 'praise falls back to 15 days'],
  ] as const)('a normal %s accepted %s is due at the end of %s (%s)', (category, accepted, due, _why) => {
    expect(computeDeadline(category, 'normal', bj(accepted), calendar2026, P)).toBe(endOf(due));
  });

  it('gives an urgent matter urgentHours clock hours, even over a holiday', () => {
    expect(computeDeadline('complaint', 'urgent', bj('2026-09-30T10:00'), calendar2026, P)).toBe(bj('2026-10-01T10:00'));
  });

  it('follows configuration: a one-day consultation limit is due at the end of the next working day', () => {
    const policy: DeadlinePolicy = { ...P, byCategory: { ...P.byCategory, consultation: { workingDays: 1 } } };
    expect(computeDeadline('consultation', 'normal', bj('2026-09-30T10:00'), calendar2026, policy)).toBe(endOf('2026-10-08'));
  });
});

describe('validateDeadlinePolicy', () => {
  it('accepts the Sichuan policy', () => {
    expect(validateDeadlinePolicy(P)).toBe(P);
  });

  it('rejects zero working days for a category', () => {
    const bad: DeadlinePolicy = { ...P, byCategory: { ...P.byCategory, help: { workingDays: 0 } } };
    expect(() => validateDeadlinePolicy(bad)).toThrow(CtiError);
  });

  it('rejects a non-positive urgentHours', () => {
    expect(() => validateDeadlinePolicy({ ...P, urgentHours: 0 })).toThrow(/urgentHours/);
  });
});
