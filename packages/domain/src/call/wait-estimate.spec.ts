import { describe, expect, it } from 'vitest';
import { estimateWaitSeconds } from './wait-estimate.js';

describe('estimateWaitSeconds', () => {
  it('is unknown until two answers give a rate', () => {
    expect(estimateWaitSeconds(3, [], 10_000)).toBeUndefined();
    expect(estimateWaitSeconds(3, [5_000], 10_000)).toBeUndefined();
  });

  it('divides the position by the recent answer rate', () => {
    // 5 answers over 40 s up to now: 4 intervals / 40 s = 0.1 answers per second; third in line waits ~30 s.
    expect(estimateWaitSeconds(3, [0, 10_000, 20_000, 30_000, 40_000], 40_000)).toBeCloseTo(30, 6);
  });

  it('grows while nobody is answered, because the span runs to now', () => {
    const answers = [0, 10_000];
    expect(estimateWaitSeconds(1, answers, 10_000)).toBeCloseTo(10, 6);
    expect(estimateWaitSeconds(1, answers, 60_000)).toBeCloseTo(60, 6);
  });

  it('ignores answers older than the horizon', () => {
    expect(estimateWaitSeconds(1, [0, 1_000, 2_000_000, 2_010_000], 2_010_000, 60_000)).toBeCloseTo(10, 6);
  });
});
