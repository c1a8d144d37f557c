import { describe, expect, it } from 'vitest';
import { MAX_KPI_PERIOD_DAYS, periodOf, periodQuery } from './kpi.routes.js';

const NOW = Date.parse('2026-11-27T02:10:00Z');

describe('KPI period of a query', () => {
  it(`refuses a from/to span longer than ${MAX_KPI_PERIOD_DAYS} days with a reason, and accepts a whole leap year`, () => {
    expect(() => periodOf({ from: '2020-01-01T00:00:00+08:00', to: '2026-01-01T00:00:00+08:00' }, NOW)).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION', message: expect.stringMatching(/longer than 366 days/) }));
    expect(() => periodOf({ from: '2024-01-01T00:00:00+08:00', to: '2025-01-02T00:00:01+08:00' }, NOW)).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
    expect(periodOf({ from: '2024-01-01T00:00:00+08:00', to: '2025-01-01T00:00:00+08:00' }, NOW)).toEqual({ from: Date.parse('2024-01-01T00:00:00+08:00'), to: Date.parse('2025-01-01T00:00:00+08:00') });
  });

  it('refuses an impossible day instead of rolling it over to the next month', () => {
    expect(periodQuery.safeParse({ date: '2026-02-30' }).success).toBe(false);
    expect(periodQuery.safeParse({ date: '2026-02-28' }).success).toBe(true);
  });

  it('takes this Beijing month without a query, and leaves a period unclipped (fault windows ahead) when told to', () => {
    // Was a RangeError (500) for GET /api/v1/kpi/fault-windows with no period: "now" was a sentinel far in the future.
    expect(periodOf({}, NOW, false)).toEqual({ from: Date.parse('2026-11-01T00:00:00+08:00'), to: Date.parse('2026-12-01T00:00:00+08:00') });
    expect(periodOf({}, NOW).to).toBe(NOW + 1);
    expect(periodOf({ date: '2026-12-24' }, NOW, false)).toEqual({ from: Date.parse('2026-12-24T00:00:00+08:00'), to: Date.parse('2026-12-25T00:00:00+08:00') });
  });
});
