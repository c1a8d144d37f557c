import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SHIFT_CONFIG,
  HALF_HOUR_MS,
  beijingMidnight,
  datesOfMonth,
  shiftInstance,
  validateShiftConfig,
  type ShiftConfig,
} from './rota.config.js';
import { proposeRota, type RotaAgent } from './rota.proposal.js';
import { rotaViolations, type RotaAssignment } from './rota.rules.js';

const week = ['2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08', '2027-01-09', '2027-01-10'];
const plain: ShiftConfig = { ...DEFAULT_SHIFT_CONFIG, minStaff: 0, minBySkill: {} };

/** A need of `n` agents in every half-hour of the dates (and the night after the last). */
function flatNeed(dates: readonly string[], n: number | ((t: number) => number)): Map<number, number> {
  const need = new Map<number, number>();
  for (const d of dates) {
    for (let t = beijingMidnight(d); t < beijingMidnight(d) + 86_400_000; t += HALF_HOUR_MS) need.set(t, typeof n === 'number' ? n : n(t));
  }
  return need;
}

const agents = (n: number, skills: string[] = ['mandarin']): RotaAgent[] =>
  Array.from({ length: n }, (_, i) => ({ id: `a${String(i + 1).padStart(2, '0')}`, skills }));

describe('proposeRota', () => {
  it('covers one agent around the clock for a week with five agents and plans exactly the 168 agent-hours needed', () => {
    // 21 shifts of 8 h; each agent works at most 6 days in a row, so 4 would do in count (24 ≥ 21), and 5 leave room for the rest rules.
    const p = proposeRota({ dates: week, config: plain, agents: agents(5), need: flatNeed(week, 1) });
    expect(p.emptySlots).toBe(0);
    expect(p.uncovered).toEqual([]);
    expect(p.agentHours).toBe(168);
    expect(p.lowerBoundHours).toBe(168);
    expect(p.optimal).toBe(true);
    expect(rotaViolations(p.assignments, plain)).toEqual([]);
  });

  it('with too few agents leaves the fewest slots empty and reports each uncovered half-hour (known optimum)', () => {
    // Two agents, at most 2 days in a row, 12 h rest: each works at most 5 of 7 days (days off every third day at
    // best: 2+2+2 → 5 with the pattern WW-WW-W); 2 × 5 = 10 of the 21 slots can be filled at most, and 10 is reachable.
    const config = { ...plain, maxConsecutiveDays: 2 };
    const p = proposeRota({ dates: week, config, agents: agents(2), need: flatNeed(week, 1) });
    expect(p.emptySlots).toBe(11);
    expect(p.optimal).toBe(true);
    expect(p.assignments).toHaveLength(10);
    expect(p.uncovered).toHaveLength(11 * 16);
    expect(p.uncovered.every((u) => u.need === 1 && u.planned === 0 && u.short === 1)).toBe(true);
    expect(rotaViolations(p.assignments, config)).toEqual([]);
  });

  it('staffs each shift for its busiest half-hour only, so a peak in one half-hour does not overstaff the others', () => {
    const day = ['2027-01-04'];
    const ten = beijingMidnight('2027-01-04') + 10 * 3_600_000;
    const p = proposeRota({ dates: day, config: plain, agents: agents(6), need: flatNeed(day, (t) => (t === ten ? 4 : 1)) });
    const byShift = Object.fromEntries(p.demands.map((d) => [d.shift, d.required]));
    expect(byShift).toEqual({ night: 1, early: 4, late: 1 });
    expect(p.agentHours).toBe(6 * 8);
    expect(p.emptySlots).toBe(0);
  });

  it('puts a bilingual agent in every shift and keeps bilingual agents free for it (skill sparing)', () => {
    const config: ShiftConfig = { ...DEFAULT_SHIFT_CONFIG, minStaff: 2, minBySkill: { tibetan: 1 } };
    // 4 bilingual and 4 Mandarin-only agents, 2 per shift for a week: 42 slots, 21 of them bilingual (4 × 6 days ≥ 21).
    const staff = [...agents(4, ['mandarin', 'tibetan']).map((a) => ({ ...a, id: `t${a.id}` })), ...agents(4)];
    const p = proposeRota({ dates: week, config, agents: staff, need: flatNeed(week, 0) });
    expect(p.emptySlots).toBe(0);
    expect(p.shortfalls).toEqual([]);
    for (const d of p.demands) {
      const who = p.assignments.filter((a) => a.date === d.date && a.shift === d.shift).map((a) => a.agentId);
      expect(who).toHaveLength(2);
      expect(who.some((id) => id.startsWith('t'))).toBe(true);
    }
    expect(rotaViolations(p.assignments, config)).toEqual([]);
  });

  it('keeps the rest rule across the start of the period from the shifts before it', () => {
    // a01 worked the late shift (16:00–24:00) the evening before: the night shift at 00:00 would leave no rest.
    const p = proposeRota({
      dates: ['2027-01-04'],
      config: { ...plain, shifts: plain.shifts },
      agents: [{ id: 'a01', skills: ['mandarin'], before: [{ date: '2027-01-03', shift: 'late' }] }],
      need: new Map([[shiftInstance('2027-01-04', plain.shifts[0]!).from, 1]]),
    });
    expect(p.assignments).toEqual([]);
    expect(p.emptySlots).toBe(1);
    expect(p.uncovered[0]).toMatchObject({ start: beijingMidnight('2027-01-04'), need: 1, planned: 0 });
  });

  it('never plans an agent on a date they are unavailable', () => {
    const p = proposeRota({
      dates: week.slice(0, 2),
      config: plain,
      agents: [{ id: 'a01', skills: ['mandarin'], unavailable: ['2027-01-04'] }, { id: 'a02', skills: ['mandarin'] }],
      need: flatNeed(week.slice(0, 2), 0),
    });
    expect(p.assignments).toEqual([]);
    const q = proposeRota({
      dates: ['2027-01-04'],
      config: { ...plain, minStaff: 1 },
      agents: [{ id: 'a01', skills: ['mandarin'], unavailable: ['2027-01-04'] }, { id: 'a02', skills: ['mandarin'] }],
      need: new Map(),
    });
    expect(q.assignments.map((a) => a.agentId)).toEqual(['a02']);
    expect(q.shortfalls.map((s) => s.shift)).toEqual(['early', 'late']);
  });

  it('plans a month for the centre’s 27 seats from a daily curve, keeping every rule, at the lower bound', () => {
    const dates = datesOfMonth('2027-01');
    const config: ShiftConfig = { ...DEFAULT_SHIFT_CONFIG, minStaff: 2, minBySkill: { tibetan: 1 } };
    const staff = [...agents(6, ['mandarin', 'tibetan']).map((a) => ({ ...a, id: `t${a.id}` })), ...agents(21)];
    // Daytime peak of 7 (10:00), 5 in the afternoon, 3 in the evening, 1 at night.
    const curve = (t: number) => {
      const h = new Date(t + 8 * 3_600_000).getUTCHours();
      return h < 8 ? 1 : h < 16 ? (h === 10 ? 7 : 5) : 3;
    };
    const p = proposeRota({ dates, config, agents: staff, need: flatNeed(dates, curve) });
    expect(p.emptySlots).toBe(0);
    expect(p.optimal).toBe(true);
    expect(p.agentHours).toBe(p.lowerBoundHours);
    expect(p.lowerBoundHours).toBe(31 * (2 + 7 + 3) * 8);
    expect(rotaViolations(p.assignments, config)).toEqual([]);
    // Fair: nobody works more than a few shifts more than anyone else.
    const counts = staff.map((a) => p.assignments.filter((x) => x.agentId === a.id).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(3);
  });

  it('leaves no fewer slots empty than an exhaustive search on small random instances', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let trial = 0; trial < 60; trial++) {
      // Three days with up to one agent a shift, or two days with up to two.
      const dates = week.slice(0, 2 + (trial % 2));
      const most = trial % 2 ? 2 : 3;
      const config: ShiftConfig = { ...plain, maxConsecutiveDays: 1 + rnd(3), minRestHours: [0, 8, 12, 16][rnd(4)]! };
      const staff: RotaAgent[] = Array.from({ length: 2 + rnd(2) }, (_, i) => ({
        id: `a${i}`,
        skills: ['mandarin'],
        ...(rnd(3) === 0 ? { unavailable: [dates[rnd(dates.length)]!] } : {}),
      }));
      const need = new Map<number, number>();
      for (const d of dates) for (const s of config.shifts) need.set(shiftInstance(d, s).from, rnd(most));
      const p = proposeRota({ dates, config, agents: staff, need });
      expect(rotaViolations(p.assignments, config)).toEqual([]);
      expect(p.optimal).toBe(true);
      const slots = [...need.values()].reduce((n, k) => n + k, 0);
      expect(p.assignments).toHaveLength(slots - p.emptySlots);
      // The exhaustive search looks only for rotas leaving fewer slots empty than the proposal: there must be none.
      expect(bruteForceEmpty(dates, config, staff, need, p.emptySlots), `trial ${trial}`).toBe(p.emptySlots);
    }
  }, 60_000); // a hang guard for the exhaustive search on a busy machine (about a second when quiet)
});

/**
 * The fewest empty slots over every assignment of agents (or nobody) to every slot, if fewer than `bound`; else
 * `bound`. Exhaustive (no ordering or merging of agents), for tiny instances.
 */
function bruteForceEmpty(dates: readonly string[], config: ShiftConfig, staff: readonly RotaAgent[], need: Map<number, number>, bound: number): number {
  const slots: Array<{ date: string; shift: string }> = [];
  for (const d of dates) for (const s of config.shifts) for (let k = 0; k < (need.get(shiftInstance(d, s).from) ?? 0); k++) slots.push({ date: d, shift: s.code });
  let best = bound;
  const chosen: RotaAssignment[] = [];
  const go = (i: number, empty: number) => {
    if (empty >= best) return;
    if (i === slots.length) {
      best = empty;
      return;
    }
    const s = slots[i]!;
    for (const a of staff) {
      if (a.unavailable?.includes(s.date)) continue;
      chosen.push({ agentId: a.id, date: s.date, shift: s.shift });
      if (rotaViolations(chosen, config).length === 0) go(i + 1, empty);
      chosen.pop();
    }
    go(i + 1, empty + 1);
  };
  go(0, 0);
  return best;
}

describe('validateShiftConfig', () => {
  it('accepts the default three shifts and a night shift that crosses midnight', () => {
    expect(validateShiftConfig(DEFAULT_SHIFT_CONFIG)).toBe(DEFAULT_SHIFT_CONFIG);
    const crossing = { ...DEFAULT_SHIFT_CONFIG, shifts: [
      { code: 'day', name: '白班', start: '08:00', end: '16:30' },
      { code: 'eve', name: '中班', start: '16:30', end: '22:00' },
      { code: 'night', name: '夜班', start: '22:00', end: '08:00' },
    ] };
    expect(validateShiftConfig(crossing)).toBe(crossing);
    const night = shiftInstance('2027-01-04', crossing.shifts[2]!);
    expect(night.to - night.from).toBe(10 * 3_600_000);
  });

  it('refuses overlapping shifts, a gap in the day, off-half-hour times and duplicate codes, naming the fault', () => {
    const shifts = DEFAULT_SHIFT_CONFIG.shifts;
    expect(() => validateShiftConfig({ ...DEFAULT_SHIFT_CONFIG, shifts: [...shifts.slice(0, 2), { ...shifts[2]!, start: '15:00' }] })).toThrow(/overlap/);
    expect(() => validateShiftConfig({ ...DEFAULT_SHIFT_CONFIG, shifts: [...shifts.slice(0, 2), { ...shifts[2]!, end: '23:00' }] })).toThrow(/23:00/);
    expect(() => validateShiftConfig({ ...DEFAULT_SHIFT_CONFIG, shifts: [...shifts.slice(0, 2), { ...shifts[2]!, start: '16:15' }] })).toThrow(/half-hour/);
    expect(() => validateShiftConfig({ ...DEFAULT_SHIFT_CONFIG, shifts: [...shifts.slice(0, 2), { ...shifts[2]!, code: 'early' }] })).toThrow(/twice/);
    expect(() => validateShiftConfig({ ...DEFAULT_SHIFT_CONFIG, maxConsecutiveDays: 0 })).toThrow(/maxConsecutiveDays/);
  });
});

describe('rotaViolations', () => {
  it('names a late shift followed by a night shift (no rest), two shifts a day and a seventh day in a row', () => {
    const v = rotaViolations(
      [
        { agentId: 'a01', date: '2027-01-03', shift: 'late' },
        { agentId: 'a01', date: '2027-01-04', shift: 'night' },
        { agentId: 'a02', date: '2027-01-04', shift: 'early' },
        { agentId: 'a02', date: '2027-01-04', shift: 'late' },
        ...week.map((date) => ({ agentId: 'a03', date, shift: 'early' })),
      ],
      DEFAULT_SHIFT_CONFIG,
    );
    expect(v.map((x) => [x.agentId, x.rule, x.date])).toEqual([
      ['a01', 'min_rest', '2027-01-04'],
      ['a02', 'one_shift_a_day', '2027-01-04'],
      ['a03', 'max_consecutive_days', '2027-01-10'],
    ]);
    expect(v[0]!.message).toContain('只休息 0 小时');
  });
});
