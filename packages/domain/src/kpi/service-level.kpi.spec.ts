import { describe, expect, it } from 'vitest';
import { createKpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';
import { answeredWithin, measuredAht, measuredAsa, measuredServiceLevel, talkTimeMs } from './service-level.kpi.js';

const s = 1000;
const from = Date.UTC(2026, 0, 1);
const period = { from, to: Date.UTC(2026, 1, 1) };
const base = { line: '12345', trunk: 'primary', agentId: 'a1' } as const;

// Hand-computed with T = 15 s: answered within 15 s = s1, s2; abandoned within 15 s = s4, after = s5.
const calls: CallFact[] = [
  { ...base, callId: 's1', offeredAt: from, answeredAt: from + 5 * s, endedAt: from + 200 * s, outcome: 'answered', waitMs: 5 * s, talkMs: 100 * s, holdMs: 10 * s, wrapMs: 30 * s },
  { ...base, callId: 's2', offeredAt: from, answeredAt: from + 15 * s, endedAt: from + 300 * s, outcome: 'answered', waitMs: 15 * s, talkMs: 200 * s, wrapMs: 20 * s },
  { ...base, callId: 's3', offeredAt: from, answeredAt: from + 16 * s, endedAt: from + 76 * s, outcome: 'answered', waitMs: 16 * s },
  { ...base, callId: 's4', offeredAt: from, endedAt: from + 10 * s, outcome: 'abandoned', waitMs: 10 * s },
  { ...base, callId: 's5', offeredAt: from, endedAt: from + 40 * s, outcome: 'abandoned', waitMs: 40 * s },
  { ...base, callId: 's6', offeredAt: from, endedAt: from + 1 * s, outcome: 'failed', waitMs: 1 * s },
];
const config = createKpiConfig();

describe('answeredWithin', () => {
  it('counts answers at exactly the threshold as within it: 2 of 3 answered within 15 s', () => {
    expect(answeredWithin(calls, config, period)).toMatchObject({ numerator: 2, denominator: 3 });
  });

  it('takes an explicit threshold: all 3 answered within 20 s', () => {
    expect(answeredWithin(calls, config, period, 20)).toMatchObject({ numerator: 3, denominator: 3, value: 1 });
  });
});

describe('measuredServiceLevel', () => {
  it('leaves abandons within T out of the denominator in the excluded variant: 2 / (3 + 1)', () => {
    expect(measuredServiceLevel(calls, config, period, 'excluded')).toMatchObject({ numerator: 2, denominator: 4, value: 0.5 });
  });

  it('counts abandons within T as misses in the counted variant: 2 / (3 + 2)', () => {
    expect(measuredServiceLevel(calls, config, period, 'counted')).toMatchObject({ numerator: 2, denominator: 5, value: 0.4 });
  });

  it('applies the short-abandon exclusion before the service level', () => {
    const cfg = createKpiConfig({ shortAbandonSeconds: 10 });
    expect(measuredServiceLevel(calls, cfg, period, 'counted')).toMatchObject({ numerator: 2, denominator: 4 });
  });
});

describe('measuredAsa and measuredAht', () => {
  it('ASA is the mean queue wait of answered calls in seconds: (5 + 15 + 16) / 3 = 12', () => {
    expect(measuredAsa(calls, config, period)).toMatchObject({ numerator: 36, denominator: 3, value: 12 });
  });

  it('AHT is mean talk + hold + wrap, with talk derived from the timestamps when missing: (140 + 220 + 60) / 3 = 140', () => {
    expect(measuredAht(calls, config, period)).toMatchObject({ numerator: 420, denominator: 3, value: 140 });
  });

  it('derived talk time subtracts hold from the answered-to-ended span', () => {
    const call: CallFact = { ...base, callId: 'h', offeredAt: from, answeredAt: from, endedAt: from + 100 * s, outcome: 'answered', waitMs: 0, holdMs: 30 * s };
    expect(talkTimeMs(call)).toBe(70 * s);
  });

  it('has no value when nothing was answered', () => {
    expect(measuredAsa([], config, period).value).toBeNull();
    expect(measuredAht([], config, period).value).toBeNull();
  });
});
