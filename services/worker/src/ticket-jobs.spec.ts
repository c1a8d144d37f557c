import { describe, expect, it } from 'vitest';
import { previousBeijingMonth } from './ticket-jobs.js';

describe('previousBeijingMonth', () => {
  it('is the Beijing month before the one containing the instant', () => {
    expect(previousBeijingMonth(Date.parse('2026-11-15T04:00:00Z'))).toBe('2026-10');
    // 1 December 00:30 in Beijing is still 30 November in UTC: the month just ended is November.
    expect(previousBeijingMonth(Date.parse('2026-11-30T16:30:00Z'))).toBe('2026-11');
    expect(previousBeijingMonth(Date.parse('2026-11-30T15:59:59.999Z'))).toBe('2026-10');
  });

  it('crosses the year end', () => {
    expect(previousBeijingMonth(Date.parse('2026-12-31T19:00:00Z'))).toBe('2026-12');
    expect(previousBeijingMonth(Date.parse('2027-01-15T00:00:00Z'))).toBe('2026-12');
  });
});
