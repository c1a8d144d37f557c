import { describe, expect, it } from 'vitest';
import { addMonths, daysBetween, monthDays, staffKpis, type StaffFacts, type StaffKpiRow } from './staff-kpi.js';

const byKey = (rows: StaffKpiRow[]) => Object.fromEntries(rows.map((r) => [r.key, r]));

/** Twenty people on staff all of March 2026 (m01–m20), one who joined mid-month and one who left. */
function march(): StaffFacts {
  const members = Array.from({ length: 20 }, (_, i) => ({ id: `m${String(i + 1).padStart(2, '0')}`, joinedOn: '2025-06-01', leftOn: null }));
  return {
    members: [...members, { id: 'j1', joinedOn: '2026-03-16', leftOn: null }, { id: 'l1', joinedOn: '2024-01-01', leftOn: '2026-03-10' }],
    trainings: [
      { id: 't1', heldOn: '2026-03-05', attendeeIds: members.slice(0, 12).map((m) => m.id) },
      { id: 't2', heldOn: '2026-03-20', attendeeIds: [...members.slice(10, 19).map((m) => m.id), 'j1'] },
      { id: 't0', heldOn: '2026-02-27', attendeeIds: ['m20'] },
    ],
    sittings: [
      ...Array.from({ length: 19 }, (_, i) => ({ examId: 'e1', heldOn: '2026-03-28', memberId: `m${String(i + 1).padStart(2, '0')}`, score: 60 + i * 2, passMark: 60 })),
      { examId: 'e1', heldOn: '2026-03-28', memberId: 'm20', score: 59.5, passMark: 60 },
    ],
    recruitments: [
      { id: 'r1', openedOn: '2026-02-20', filledOn: '2026-03-12' },
      { id: 'r2', openedOn: '2026-01-31', filledOn: '2026-03-02' },
      { id: 'r3', openedOn: '2026-03-25', filledOn: null },
      { id: 'r4', openedOn: '2026-01-15', filledOn: null },
    ],
  };
}

describe('staff KPIs of a month', () => {
  it('counts coverage over the people on staff at the month’s end and trainings held in the month only', () => {
    const k = byKey(staffKpis(march(), '2026-03', '2026-04-03'));
    // On staff on 31 March: m01–m20 and j1 (l1 left); trained in March: m01–m19 and j1; m20 only trained in February.
    expect(k.training_coverage).toMatchObject({ numerator: 20, denominator: 21, pass: true });
    expect(k.training_coverage!.value).toBeCloseTo(20 / 21, 10);
    expect(k.training_count).toMatchObject({ value: 2, pass: true, unit: 'count' });
  });

  it('fails the pass rate when one sitting in twenty is below the pass mark by half a point', () => {
    const k = byKey(staffKpis(march(), '2026-03', '2026-03-31'));
    expect(k.exam_pass_rate).toMatchObject({ numerator: 19, denominator: 20, value: 0.95, pass: true });
    const stricter = byKey(staffKpis(march(), '2026-03', '2026-03-31', { trainingCoverage: 0.95, examPassRate: 0.96, monthlyTurnoverMax: 0.05, recruitmentCycleMonths: 1, trainingsPerMonth: 1 }));
    expect(stricter.exam_pass_rate!.pass).toBe(false);
  });

  it('divides the month’s leavers by the average of the first day’s and the last day’s headcount', () => {
    const k = byKey(staffKpis(march(), '2026-03', '2026-03-31'));
    // 1 March: m01–m20 and l1 = 21; 31 March: m01–m20 and j1 = 21; one leaver → 1/21 ≈ 4.8% ≤ 5%.
    expect(k.monthly_turnover).toMatchObject({ numerator: 1, denominator: 21, pass: true, comparison: 'at_most' });
    expect(k.monthly_turnover!.value).toBeCloseTo(1 / 21, 10);
    const two = march();
    const facts = { ...two, members: two.members.map((m) => (m.id === 'm01' ? { ...m, leftOn: '2026-03-30' } : m)) };
    expect(byKey(staffKpis(facts, '2026-03', '2026-03-31')).monthly_turnover).toMatchObject({ numerator: 2, denominator: 20.5, pass: false });
  });

  it('judges requests filled in the month and open ones whose month is up, by calendar month', () => {
    const k = byKey(staffKpis(march(), '2026-03', '2026-03-31'));
    // r1 20 Feb → 12 Mar: 20 days, met. r2 31 Jan → 2 Mar: due 28 Feb, missed (30 days). r3 open 6 days: not yet judged.
    // r4 open since 15 Jan: due 15 Feb, missed, 75 days so far.
    expect(k.recruitment_cycle).toMatchObject({ numerator: 1, denominator: 3, value: 75, unit: 'days', pass: false });
    const noOverdue = { ...march(), recruitments: march().recruitments.filter((r) => r.id === 'r1' || r.id === 'r3') };
    expect(byKey(staffKpis(noOverdue, '2026-03', '2026-03-31')).recruitment_cycle).toMatchObject({ numerator: 1, denominator: 1, value: 20, pass: true });
  });

  it('judges the current month up to today: later trainings, leavers and sittings do not count yet', () => {
    const k = byKey(staffKpis(march(), '2026-03', '2026-03-15'));
    // 15 March: j1 not yet joined, l1 gone; only t1 held: m01–m12 of 20.
    expect(k.training_coverage).toMatchObject({ numerator: 12, denominator: 20, pass: false });
    expect(k.training_count!.value).toBe(1);
    expect(k.exam_pass_rate).toMatchObject({ denominator: 0, value: null, pass: null });
  });

  it('has no rate without data, and says the month has not begun before its first day', () => {
    const k = byKey(staffKpis({ members: [], trainings: [], sittings: [], recruitments: [] }, '2026-03', '2026-03-31'));
    expect(k.training_coverage).toMatchObject({ value: null, pass: null });
    expect(k.monthly_turnover).toMatchObject({ value: null, pass: null });
    expect(k.recruitment_cycle).toMatchObject({ value: null, pass: null });
    expect(k.training_count).toMatchObject({ value: 0, pass: false });
    expect(() => staffKpis(march(), '2026-03', '2026-02-28')).toThrow(/has not begun/);
    expect(() => staffKpis(march(), '2026-13', '2026-12-31')).toThrow(/not a month/);
  });
});

describe('calendar helpers', () => {
  it('adds months clamped to the month’s end and counts days', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-12-15', 1)).toBe('2027-01-15');
    expect(daysBetween('2026-02-20', '2026-03-12')).toBe(20);
    expect(monthDays('2026-02')).toEqual({ first: '2026-02-01', last: '2026-02-28' });
    expect(() => daysBetween('2026-02-30', '2026-03-01')).toThrow(/no such day/);
  });
});
