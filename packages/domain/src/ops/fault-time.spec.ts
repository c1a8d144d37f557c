import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_OPS_SLA } from './fault-level.js';
import { beijingYear } from '../time/beijing.js';
import { faultTime, unionDuration, type Interval } from './fault-time.js';
import { openIncident, resolveIncident } from './incident.js';

const H = 3_600_000;
const interval = fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 3_000 })).map(([from, len]): Interval => ({ from, to: from + len }));

describe('unionDuration', () => {
  it('counts overlapping faults once and adds disjoint ones', () => {
    expect(unionDuration([{ from: 0, to: 10 }, { from: 5, to: 15 }, { from: 20, to: 25 }], { from: 0, to: 100 })).toBe(20);
  });
  it('clips intervals to the period', () => {
    expect(unionDuration([{ from: -50, to: 10 }, { from: 95, to: 200 }], { from: 0, to: 100 })).toBe(15);
  });
  it('never exceeds the sum of the clipped intervals nor the period (property)', () => {
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 30 }), interval, (xs, p) => {
        const u = unionDuration(xs, p);
        const sum = xs.reduce((s, i) => s + Math.max(0, Math.min(i.to, p.to) - Math.max(i.from, p.from)), 0);
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThanOrEqual(sum);
        expect(u).toBeLessThanOrEqual(p.to - p.from);
      }),
    );
  });
  it('is at least the longest single clipped interval and ignores order and duplicates (property)', () => {
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 20 }), (xs) => {
        const p = { from: 0, to: 20_000 };
        const u = unionDuration(xs, p);
        for (const i of xs) expect(u).toBeGreaterThanOrEqual(i.to - i.from);
        expect(unionDuration([...xs].reverse().concat(xs), p)).toBe(u);
      }),
    );
  });
});

describe('yearly fault time', () => {
  const y = beijingYear(2026);
  it('sums overlapping incidents once against the 24 h budget, open ones running to now', () => {
    const t0 = y.from + 100 * 24 * H;
    const a = resolveIncident(openIncident({ id: 'a', level: 'L1', source: 'detected', title: 'ari', openedAt: t0 }), null, t0 + 2 * H, null);
    const b = resolveIncident(openIncident({ id: 'b', level: 'L3', source: 'detected', title: 'trunk', openedAt: t0 + H }), null, t0 + 3 * H, null);
    const c = openIncident({ id: 'c', level: 'L2', source: 'staff', title: 'intake', openedAt: t0 + 10 * H });
    const ft = faultTime([a, b, c], y, DEFAULT_OPS_SLA, t0 + 11 * H);
    expect(ft.faultMs).toBe(4 * H);
    expect(ft.budgetMs).toBe(24 * H);
    expect(ft.withinBudget).toBe(true);
    expect(ft.incidents).toBe(3);
    expect(faultTime([a, b, c], y, DEFAULT_OPS_SLA, t0 + 40 * H).withinBudget).toBe(false);
  });
  it('can leave levels out (e.g. L4 support requests)', () => {
    const t0 = y.from + H;
    const l4 = resolveIncident(openIncident({ id: 'd', level: 'L4', source: 'staff', title: 'question', openedAt: t0 }), null, t0 + H, null);
    expect(faultTime([l4], y, DEFAULT_OPS_SLA, t0 + 2 * H, ['L1', 'L2', 'L3']).faultMs).toBe(0);
  });
});
