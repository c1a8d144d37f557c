import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { agentsNeeded, averageSpeedOfAnswer, erlangC, serviceLevel, trafficErlangs } from './erlang-c.js';

describe('erlangC', () => {
  it('matches the hand-computed value for 1 Erlang on 2 agents: 1/3', () => {
    expect(erlangC(1, 2)).toBeCloseTo(1 / 3, 12);
  });

  it('is 1 when agents do not exceed the traffic and 0 without traffic', () => {
    expect(erlangC(48, 48)).toBe(1);
    expect(erlangC(48, 10)).toBe(1);
    expect(erlangC(0, 5)).toBe(0);
  });

  it('stays finite and in (0, 1) for 1000 agents at 900 Erlangs', () => {
    const c = erlangC(900, 1000);
    expect(Number.isFinite(c)).toBe(true);
    expect(c).toBeGreaterThan(0);
    expect(c).toBeLessThan(0.01);
  });

  it('rejects a fractional agent count and negative traffic', () => {
    expect(() => erlangC(10, 12.5)).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
    expect(() => erlangC(-1, 12)).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
  });

  it('never increases when an agent is added (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 500, noNaN: true }), fc.integer({ min: 0, max: 600 }), (a, n) => {
        expect(erlangC(a, n + 1)).toBeLessThanOrEqual(erlangC(a, n) + 1e-12);
      }),
    );
  });

  it('strictly decreases once agents exceed the traffic (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 200, noNaN: true }), fc.integer({ min: 1, max: 50 }), (a, extra) => {
        const n = Math.floor(a) + extra;
        expect(erlangC(a, n + 1)).toBeLessThan(erlangC(a, n));
      }),
    );
  });
});

describe('published worked example: 360 calls per 30 min, 240 s AHT, 15 s target', () => {
  it('is 48 Erlangs of traffic', () => {
    expect(trafficErlangs(360, 1800, 240)).toBe(48);
  });

  it('gives a service level of about 84.6% with 55 agents (±0.2 points)', () => {
    expect(Math.abs(serviceLevel(360, 1800, 240, 55, 15) - 0.846)).toBeLessThanOrEqual(0.002);
  });

  it('gives an ASA of about 8.2 s with 55 agents (±0.1 s)', () => {
    expect(Math.abs(averageSpeedOfAnswer(360, 1800, 240, 55) - 8.2)).toBeLessThanOrEqual(0.1);
  });

  it('needs 54 agents for 80% in 20 s: 53 give 75.2%, 54 give 81.7%', () => {
    const input = { callsPerInterval: 360, intervalSeconds: 1800, ahtSeconds: 240, targetSeconds: 20, serviceLevelGoal: 0.8 };
    expect(serviceLevel(360, 1800, 240, 53, 20)).toBeLessThan(0.8);
    expect(serviceLevel(360, 1800, 240, 54, 20)).toBeGreaterThanOrEqual(0.8);
    expect(agentsNeeded(input)).toBe(54);
  });

  it('needs 55 agents for 80% in 15 s', () => {
    expect(agentsNeeded({ callsPerInterval: 360, intervalSeconds: 1800, ahtSeconds: 240, targetSeconds: 15, serviceLevelGoal: 0.8 })).toBe(55);
  });

  it('raises the count to 57 under an 85% occupancy cap (48/56 = 85.7% is too busy)', () => {
    expect(agentsNeeded({ callsPerInterval: 360, intervalSeconds: 1800, ahtSeconds: 240, targetSeconds: 20, serviceLevelGoal: 0.8, maxOccupancy: 0.85 })).toBe(57);
  });
});

describe('serviceLevel, averageSpeedOfAnswer and agentsNeeded edges', () => {
  it('is 0 with too few agents and 1 without calls', () => {
    expect(serviceLevel(360, 1800, 240, 48, 15)).toBe(0);
    expect(serviceLevel(0, 1800, 240, 0, 15)).toBe(1);
  });

  it('ASA is infinite with too few agents and 0 without calls', () => {
    expect(averageSpeedOfAnswer(360, 1800, 240, 40)).toBe(Number.POSITIVE_INFINITY);
    expect(averageSpeedOfAnswer(0, 1800, 240, 3)).toBe(0);
  });

  it('needs no agents without calls', () => {
    expect(agentsNeeded({ callsPerInterval: 0, intervalSeconds: 1800, ahtSeconds: 240, targetSeconds: 15, serviceLevelGoal: 0.8 })).toBe(0);
  });

  it('rejects an unreachable goal of 100% and a zero interval', () => {
    const base = { callsPerInterval: 10, intervalSeconds: 1800, ahtSeconds: 240, targetSeconds: 15 };
    expect(() => agentsNeeded({ ...base, serviceLevelGoal: 1 })).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
    expect(() => serviceLevel(10, 0, 240, 5, 15)).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
  });

  it('handles 1000 agents quickly enough for a staffing screen', () => {
    const started = performance.now();
    const n = agentsNeeded({ callsPerInterval: 6750, intervalSeconds: 1800, ahtSeconds: 240, targetSeconds: 15, serviceLevelGoal: 0.8 });
    expect(n).toBeGreaterThan(900);
    expect(n).toBeLessThan(1000);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('service level never decreases when an agent is added and stays in [0, 1] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 10, max: 900 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 120 }),
        (calls, aht, agents, target) => {
          const lo = serviceLevel(calls, 1800, aht, agents, target);
          const hi = serviceLevel(calls, 1800, aht, agents + 1, target);
          expect(lo).toBeGreaterThanOrEqual(0);
          expect(hi).toBeLessThanOrEqual(1);
          expect(hi).toBeGreaterThanOrEqual(lo - 1e-12);
        },
      ),
    );
  });

  it('agentsNeeded returns the smallest count meeting the goal (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 30, max: 600 }), fc.double({ min: 0.5, max: 0.95, noNaN: true }), (calls, aht, goal) => {
        const n = agentsNeeded({ callsPerInterval: calls, intervalSeconds: 1800, ahtSeconds: aht, targetSeconds: 20, serviceLevelGoal: goal });
        expect(serviceLevel(calls, 1800, aht, n, 20)).toBeGreaterThanOrEqual(goal);
        expect(serviceLevel(calls, 1800, aht, n - 1, 20)).toBeLessThan(goal);
      }),
    );
  });
});
