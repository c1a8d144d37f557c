import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { answerRate } from './answer-rate.kpi.js';
import { createKpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';
import { callKpisByLine, unregisteredLineName } from './line.kpi.js';
import { answeredWithin } from './service-level.kpi.js';

const s = 1000;
const from = Date.UTC(2026, 0, 1);
const to = Date.UTC(2026, 0, 2);
const period = { from, to };

function answered(callId: string, line: string, offeredAt: number, waitS: number): CallFact {
  return { callId, line, trunk: 'primary', offeredAt, answeredAt: offeredAt + waitS * s, endedAt: offeredAt + (waitS + 60) * s, outcome: 'answered', agentId: 'a1', waitMs: waitS * s };
}
function abandoned(callId: string, line: string, offeredAt: number, afterS: number, calledBackAt?: number): CallFact {
  return { callId, line, trunk: 'primary', offeredAt, endedAt: offeredAt + afterS * s, outcome: 'abandoned', waitMs: afterS * s, ...(calledBackAt !== undefined && { calledBackAt }) };
}

// Hand-counted fixture.
// 12345: 5 answered (waits 3, 10, 15, 16, 40 s → 3 within 15 s), 1 abandoned after 30 s (called back), 1 short abandon (3 s)
// 12315: 2 answered (5, 20 s → 1 within), 1 abandoned after 50 s, 1 failed
// 12319: no calls
// 12366 (not registered): 1 answered (2 s)
// 99999 (excluded test line): 1 answered
// Outside the period: 1 call on 12315 the day before.
const calls: CallFact[] = [
  answered('a1', '12345', from + 100 * s, 3),
  answered('a2', '12345', from + 200 * s, 10),
  answered('a3', '12345', from + 300 * s, 15),
  answered('a4', '12345', from + 400 * s, 16),
  answered('a5', '12345', from + 500 * s, 40),
  abandoned('a6', '12345', from + 600 * s, 30, from + 5_000 * s),
  abandoned('a7', '12345', from + 700 * s, 3),
  answered('b1', '12315', from + 800 * s, 5),
  answered('b2', '12315', from + 900 * s, 20),
  abandoned('b3', '12315', from + 1_000 * s, 50),
  { callId: 'b4', line: '12315', trunk: 'backup', offeredAt: from + 1_100 * s, endedAt: from + 1_101 * s, outcome: 'failed', waitMs: 1 * s },
  answered('b5', '12315', from - 3_600 * s, 1),
  answered('c1', '12366', from + 1_200 * s, 2),
  answered('t1', '99999', from + 1_300 * s, 2),
];
const lines = [
  { did: '12345', name: '12345政务服务便民热线', answerRateTarget: null },
  { did: '12315', name: '12315消费者投诉举报专线', answerRateTarget: 0.6 },
  { did: '12319', name: '12319城建服务热线' },
];
const config = createKpiConfig({ shortAbandonSeconds: 5, excludedLines: ['99999'] });

describe('callKpisByLine', () => {
  const r = callKpisByLine(calls, config, period, lines);
  const line = (did: string) => r.lines.find((l) => l.line === did);

  it('counts each line’s own calls with the centre’s rules and the line’s own target', () => {
    expect(line('12345')).toMatchObject({
      name: '12345政务服务便民热线', registered: true, ownTarget: false,
      offeredInPeriod: 7, offered: 6, answered: 5, abandoned: 1, failed: 0, abandonedCalledBack: 1,
      excluded: { line: 0, faultWindow: 0, markedCaller: 0, shortAbandon: 1 },
      answerRate: { numerator: 5, denominator: 6, target: 0.98, pass: false },
      answeredWithin: { numerator: 3, denominator: 5, value: 0.6 },
    });
    expect(line('12345')?.answerRate.value).toBeCloseTo(5 / 6);
    expect(line('12315')).toMatchObject({
      registered: true, ownTarget: true,
      offeredInPeriod: 4, offered: 4, answered: 2, abandoned: 1, failed: 1,
      answerRate: { numerator: 2, denominator: 4, value: 0.5, target: 0.6, pass: false },
      answeredWithin: { numerator: 1, denominator: 2, value: 0.5 },
    });
  });

  it('shows a registered line without calls as empty (no rate, not 0% nor 100%)', () => {
    expect(line('12319')).toMatchObject({ offeredInPeriod: 0, offered: 0, answered: 0, answerRate: { numerator: 0, denominator: 0, value: null, target: 0.98 } });
    expect(line('12319')?.answerRate.pass).toBeUndefined();
  });

  it('lists DIDs with calls that are not registered after the registered lines, by number; an excluded line counts nothing', () => {
    expect(r.lines.map((l) => l.line)).toEqual(['12345', '12315', '12319', '12366', '99999']);
    expect(line('12366')).toMatchObject({ name: unregisteredLineName('12366'), registered: false, offered: 1, answered: 1, answerRate: { value: 1, pass: true } });
    expect(line('99999')).toMatchObject({ offeredInPeriod: 1, offered: 0, excluded: { line: 1 } });
  });

  it('gives the centre the same figures as the centre-wide KPIs, and the lines add up to it', () => {
    const centreRate = answerRate(calls, config, period);
    expect(r.centre.answerRate).toEqual({ numerator: centreRate.numerator, denominator: centreRate.denominator, value: centreRate.value, target: 0.98, pass: false });
    expect(r.centre.answeredWithin).toEqual(answeredWithin(calls, config, period));
    expect(r.centre).toMatchObject({ offeredInPeriod: 13, offered: 11, answered: 8, abandoned: 2, failed: 1 });
    const sum = (k: 'offeredInPeriod' | 'offered' | 'answered' | 'abandoned' | 'failed') => r.lines.reduce((n, l) => n + l[k], 0);
    for (const k of ['offeredInPeriod', 'offered', 'answered', 'abandoned', 'failed'] as const) expect(sum(k)).toBe(r.centre[k]);
    expect(r.lines.reduce((n, l) => n + l.answeredWithin.numerator, 0)).toBe(r.centre.answeredWithin.numerator);
  });

  it('passes a line whose rate meets its own lower target while the centre’s target would fail it', () => {
    const lenient = callKpisByLine(calls, config, period, [{ did: '12315', name: '12315', answerRateTarget: 0.5 }]);
    expect(lenient.lines[0]?.answerRate).toMatchObject({ value: 0.5, target: 0.5, pass: true });
  });

  it('refuses a target outside [0, 1] and a line listed twice', () => {
    expect(() => callKpisByLine(calls, config, period, [{ did: '12345', name: 'x', answerRateTarget: 1.2 }])).toThrow(CtiError);
    expect(() => callKpisByLine(calls, config, period, [{ did: '12345', name: 'x' }, { did: '12345', name: 'y' }])).toThrow(/twice/);
  });

  it('leaves out an unregistered DID whose calls are all outside the period', () => {
    const r2 = callKpisByLine([answered('z', '12388', from - 10 * s, 1)], config, period, []);
    expect(r2.lines).toEqual([]);
    expect(r2.centre.offeredInPeriod).toBe(0);
  });
});
