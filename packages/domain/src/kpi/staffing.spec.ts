import { describe, expect, it } from 'vitest';
import { staffingGapLabel, staffingPlan } from './staffing.js';

const halfHour = 1_800_000;
const t0 = Date.UTC(2026, 0, 5, 1);

describe('staffingPlan', () => {
  const intervals = [
    { start: t0 + halfHour, offered: 0, ahtSeconds: 240 },
    { start: t0, offered: 360, ahtSeconds: 240 },
  ];

  it('orders intervals by start and compares Erlang C need with logged-in agents', () => {
    const plan = staffingPlan(intervals, { targetSeconds: 20, serviceLevelGoal: 0.8 }, new Map([[t0, 50]]));
    expect(plan.map((r) => r.start)).toEqual([t0, t0 + halfHour]);
    expect(plan[0]).toMatchObject({ trafficErlangs: 48, agentsNeeded: 54, scheduledNeeded: 54, loggedIn: 50, gap: -4 });
    expect(plan[0]?.forecastServiceLevel).toBeCloseTo(0.4122, 3);
    expect(plan[1]).toMatchObject({ agentsNeeded: 0, loggedIn: 0, gap: 0, forecastServiceLevel: 1 });
  });

  it('raises the scheduled need for shrinkage: 54 / 0.7 → 78', () => {
    const plan = staffingPlan(intervals, { targetSeconds: 20, serviceLevelGoal: 0.8, shrinkage: 0.3 }, new Map([[t0, 80]]));
    expect(plan[0]).toMatchObject({ agentsNeeded: 54, scheduledNeeded: 78, gap: 2 });
  });

  it('rejects shrinkage of 100%', () => {
    expect(() => staffingPlan(intervals, { targetSeconds: 20, serviceLevelGoal: 0.8, shrinkage: 1 }, new Map())).toThrow(
      expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }),
    );
  });
});

describe('staffingGapLabel', () => {
  it('says short, spare or exactly staffed in words, never a bare signed number', () => {
    expect(staffingGapLabel(-3)).toBe('缺 3 人');
    expect(staffingGapLabel(24)).toBe('富余 24 人');
    expect(staffingGapLabel(0)).toBe('持平');
  });
});
