import { describe, expect, it } from 'vitest';
import { DEFAULT_OPS_SLA } from './fault-level.js';
import { beijingYear } from '../time/beijing.js';
import { openIncident, resolveIncident } from './incident.js';
import { opsPeriodContaining, previousOpsPeriod, summariseIncidents, summariseInspections } from './ops.report.js';

const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('ops periods (Beijing time)', () => {
  const at = Date.parse('2026-11-20T03:00:00Z'); // Friday 11:00 in Beijing
  it('weeks start on Monday, quarters and years on the calendar', () => {
    expect(iso(opsPeriodContaining('weekly', at).from)).toBe('2026-11-15T16:00:00.000Z');
    expect(iso(opsPeriodContaining('quarterly', at).from)).toBe('2026-09-30T16:00:00.000Z');
    expect(iso(opsPeriodContaining('quarterly', at).to)).toBe('2026-12-31T16:00:00.000Z');
    expect(iso(opsPeriodContaining('annual', at).from)).toBe('2025-12-31T16:00:00.000Z');
  });
  it('the previous period ends where the current one starts', () => {
    for (const k of ['daily', 'weekly', 'quarterly', 'annual'] as const) expect(previousOpsPeriod(k, at).to).toBe(opsPeriodContaining(k, at).from);
  });
});

describe('summariseIncidents', () => {
  it('counts by level with recovery times, SLA breaches and fault time in the period and the year', () => {
    const q = opsPeriodContaining('quarterly', Date.parse('2026-11-20T03:00:00Z'));
    const t = q.from + 10 * H;
    const fast = resolveIncident(openIncident({ id: 'a', level: 'L1', source: 'detected', title: 'ARI', openedAt: t }), null, t + 0.5 * H, null);
    const slow = resolveIncident(openIncident({ id: 'b', level: 'L1', source: 'detected', title: 'trunks', openedAt: t + 0.25 * H }), null, t + 2 * H, null);
    const staff = openIncident({ id: 'c', level: 'L4', source: 'staff', title: 'printer', openedAt: t + 5 * H });
    const earlier = resolveIncident(openIncident({ id: 'd', level: 'L3', source: 'detected', title: 'old', openedAt: q.from - 30 * 24 * H }), null, q.from - 29 * 24 * H, null);
    const s = summariseIncidents([fast, slow, staff, earlier], q, beijingYear(2026), DEFAULT_OPS_SLA, t + 6 * H);
    expect(s.total).toBe(3);
    expect(s.open).toBe(1);
    expect(s.staffReported).toBe(1);
    expect(s.byLevel.L1).toEqual({ count: 2, resolved: 2, breached: 1, meanRecoveryMs: 1.125 * H, maxRecoveryMs: 1.75 * H });
    expect(s.breaches.map((b) => b.id)).toEqual(['b']);
    expect(s.periodFaultMs).toBe(3 * H);
    expect(s.yearToDate.faultMs).toBe(27 * H);
    expect(s.yearToDate.withinBudget).toBe(false);
  });
});

describe('summariseInspections', () => {
  it('counts verdicts, missing days and checks that kept failing', () => {
    const w = opsPeriodContaining('weekly', Date.parse('2026-11-20T03:00:00Z'));
    const day = (n: number) => w.from + n * 24 * H + H;
    const s = summariseInspections(
      [
        { at: day(0), overall: 'pass', problems: [] },
        { at: day(1), overall: 'warn', problems: [{ id: 'backup', status: 'warn', value: 'none yet' }] },
        { at: day(2), overall: 'fail', problems: [{ id: 'backup', status: 'warn', value: 'x' }, { id: 'trunk:p', status: 'fail', value: 'down' }] },
      ],
      w,
      w.to + H,
    );
    expect(s).toMatchObject({ count: 3, pass: 1, warn: 1, fail: 1, daysWithout: 4 });
    expect(s.recurring).toEqual([{ id: 'backup', days: 2, worst: 'warn' }, { id: 'trunk:p', days: 1, worst: 'fail' }]);
  });
});
