import { describe, expect, it } from 'vitest';
import { groupName, penaltyOf, seatGroups, seatOf, skillQueues } from './skill-groups.js';

describe('bench:scale skill groups', () => {
  it('puts every seat in 2 or 3 distinct groups, a first at level 8 and every other seat in a third', () => {
    for (let n = 1; n <= 1000; n++) {
      const gs = seatGroups(n, 20);
      expect(gs.length).toBe(n % 2 === 0 ? 3 : 2);
      expect(new Set(gs.map((g) => g.group)).size).toBe(gs.length);
      expect(gs.map((g) => g.level)).toEqual([8, 5, 3].slice(0, gs.length));
      for (const g of gs) expect(g.group >= 0 && g.group < 20).toBe(true);
    }
  });

  it('gives each of 20 groups about 125 of 1,000 seats, and at 27 seats at least one member each', () => {
    const sizes = (seats: number) => {
      const count = new Array<number>(20).fill(0);
      for (let n = 1; n <= seats; n++) for (const g of seatGroups(n, 20)) count[g.group] = (count[g.group] ?? 0) + 1;
      return count;
    };
    const big = sizes(1000);
    expect(big.reduce((a, b) => a + b, 0)).toBe(2500);
    for (const c of big) expect(c >= 100 && c <= 150, `group of ${c} seats`).toBe(true);
    for (const c of sizes(27)) expect(c).toBeGreaterThanOrEqual(1);
  });

  it('pairs groups in many combinations, not a handful of fixed teams', () => {
    const pairs = new Set<string>();
    for (let n = 1; n <= 1000; n++) {
      const [a, b] = seatGroups(n, 20);
      pairs.add(`${a?.group}-${b?.group}`);
    }
    expect(pairs.size).toBeGreaterThan(200);
  });

  it('writes one app_queue queue per group with each seat a member at its penalty', () => {
    const conf = skillQueues(4, 3);
    expect(conf).toContain('[bench-g01]\nstrategy = leastrecent');
    for (let n = 1; n <= 4; n++) {
      for (const { group, level } of seatGroups(n, 3)) {
        const section = conf.split(`[bench-${groupName(group)}]`)[1]?.split('[bench-')[0] ?? '';
        expect(section).toContain(`member => PJSIP/${seatOf(n)},${penaltyOf(level)}\n`);
      }
    }
    expect([penaltyOf(8), penaltyOf(5), penaltyOf(3)]).toEqual([0, 1, 2]);
    expect(seatOf(7)).toBe('seat-07');
    expect(seatOf(1000)).toBe('seat-1000');
  });
});
