import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CtiError } from '../errors.js';
import { abandonRate, answerRate, calledBackRate } from './answer-rate.kpi.js';
import { createKpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';

const s = 1000;
const from = Date.UTC(2026, 0, 1);
const to = Date.UTC(2026, 1, 1);
const period = { from, to };
const fault = { from: from + 10_000 * s, to: from + 20_000 * s };

function answered(callId: string, offeredAt: number, waitS: number, extra: Partial<CallFact> = {}): CallFact {
  return { callId, line: '12345', trunk: 'primary', offeredAt, answeredAt: offeredAt + waitS * s, endedAt: offeredAt + (waitS + 60) * s, outcome: 'answered', agentId: 'a1', waitMs: waitS * s, ...extra };
}
function abandoned(callId: string, offeredAt: number, afterS: number, extra: Partial<CallFact> = {}): CallFact {
  return { callId, line: '12345', trunk: 'primary', offeredAt, endedAt: offeredAt + afterS * s, outcome: 'abandoned', waitMs: afterS * s, ...extra };
}

// Hand-counted: 11 offered in January; 1 excluded line, 2 in the fault, 2 short abandons; 6 counted, 3 answered.
const calls: CallFact[] = [
  answered('c1', from + 100 * s, 5),
  answered('c2', from + 200 * s, 20),
  answered('c3', from + 300 * s, 15),
  abandoned('c4', from + 400 * s, 3),
  abandoned('c5', from + 500 * s, 5),
  abandoned('c6', from + 600 * s, 30, { calledBackAt: from + 5000 * s }),
  abandoned('c7', from + 700 * s, 40),
  { callId: 'c8', line: '12345', trunk: 'backup', offeredAt: from + 800 * s, endedAt: from + 801 * s, outcome: 'failed', waitMs: 1 * s },
  answered('c9', fault.from + 100 * s, 2),
  abandoned('c10', fault.from + 200 * s, 60),
  answered('c11', from + 900 * s, 2, { line: '08362800000' }),
  { callId: 'c12', line: '12345', trunk: 'primary', endedAt: from + 950 * s, outcome: 'abandoned', waitMs: 0 },
  answered('c13', from - 100 * s, 2),
  answered('c14', to, 2),
];

const config = createKpiConfig({ shortAbandonSeconds: 5, faultWindows: [fault], excludedLines: ['08362800000'] });

describe('answerRate', () => {
  it('divides agent-answered calls by counted offered calls after line, fault and short-abandon exclusions', () => {
    const r = answerRate(calls, config, period);
    expect(r).toMatchObject({
      numerator: 3, denominator: 6, value: 0.5, target: 0.98, pass: false,
      offeredInPeriod: 11, excludedLine: 1, excludedFaultWindow: 2, excludedShortAbandon: 2,
      abandoned: 2, failed: 1, abandonedCalledBack: 1,
    });
  });

  it('counts every queued call of the period when no exclusion is configured', () => {
    const r = answerRate(calls, createKpiConfig(), period);
    expect([r.numerator, r.denominator]).toEqual([5, 11]);
  });

  it('excludes an abandon at exactly shortAbandonSeconds but keeps one a second later', () => {
    const cfg = createKpiConfig({ shortAbandonSeconds: 5 });
    const r = answerRate([abandoned('x', from, 5), abandoned('y', from, 6)], cfg, period);
    expect([r.excludedShortAbandon, r.denominator]).toEqual([1, 1]);
  });

  it('never excludes an answered call as a short abandon, however quick', () => {
    const r = answerRate([answered('x', from, 0)], createKpiConfig({ shortAbandonSeconds: 30 }), period);
    expect([r.numerator, r.denominator, r.excludedShortAbandon]).toEqual([1, 1, 0]);
  });

  it('keeps callback-reached abandons out of the numerator and reports them on their own', () => {
    const withoutCallback = answerRate(calls.map((c) => ({ ...c, calledBackAt: undefined })), config, period);
    const withCallback = answerRate(calls, config, period);
    expect(withCallback.numerator).toBe(withoutCallback.numerator);
    expect(withCallback.abandonedCalledBack).toBe(1);
    expect(withoutCallback.abandonedCalledBack).toBe(0);
  });

  it('counts a call on an excluded line in a fault window once, under the line', () => {
    const r = answerRate([answered('x', fault.from, 1, { line: '08362800000' })], config, period);
    expect([r.excludedLine, r.excludedFaultWindow]).toEqual([1, 0]);
  });

  it('returns a null value and no pass verdict when nothing was offered', () => {
    const r = answerRate([], config, period);
    expect(r.value).toBeNull();
    expect(r.pass).toBeUndefined();
  });

  it('passes at exactly the target rate', () => {
    const list = Array.from({ length: 100 }, (_, i) => (i < 98 ? answered(`a${i}`, from + i * s, 1) : abandoned(`b${i}`, from + i * s, 60)));
    expect(answerRate(list, createKpiConfig(), period)).toMatchObject({ value: 0.98, pass: true });
  });

  it('rejects an empty or reversed period with CTI_ERR_VALIDATION', () => {
    for (const bad of [{ from: to, to: from }, { from, to: from }]) {
      expect(() => answerRate(calls, config, bad)).toThrow(CtiError);
      expect(() => answerRate(calls, config, bad)).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
    }
  });

  it('rejects an answered call without answeredAt', () => {
    const bad: CallFact = { callId: 'bad', line: '12345', trunk: 'p', offeredAt: from, endedAt: from + s, outcome: 'answered', waitMs: 0 };
    expect(() => answerRate([bad], config, period)).toThrow(/answeredAt/);
  });
});

describe('abandonRate and calledBackRate', () => {
  it('abandon rate is counted abandons over counted offered calls', () => {
    expect(abandonRate(calls, config, period)).toMatchObject({ numerator: 2, denominator: 6 });
  });

  it('called-back rate is callback-reached abandons over counted abandons', () => {
    expect(calledBackRate(calls, config, period)).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
  });
});

describe('answer-rate properties', () => {
  const callArb = fc.record({
    offsetS: fc.integer({ min: -1000, max: 40_000 }),
    waitS: fc.integer({ min: 0, max: 120 }),
    outcome: fc.constantFrom('answered', 'abandoned', 'failed'),
    line: fc.constantFrom('12345', '08362800000'),
    calledBack: fc.boolean(),
  });

  it('answer, abandon and called-back rates always lie in [0, 1] and answered + abandoned + failed = counted', () => {
    fc.assert(
      fc.property(fc.array(callArb, { maxLength: 60 }), fc.integer({ min: 0, max: 60 }), (raw, shortS) => {
        const list: CallFact[] = raw.map((r, i) =>
          r.outcome === 'answered'
            ? answered(`p${i}`, from + r.offsetS * s, r.waitS, { line: r.line })
            : r.outcome === 'abandoned'
              ? abandoned(`p${i}`, from + r.offsetS * s, r.waitS, { line: r.line, ...(r.calledBack ? { calledBackAt: to } : {}) })
              : { callId: `p${i}`, line: r.line, trunk: 'p', offeredAt: from + r.offsetS * s, endedAt: from + r.offsetS * s, outcome: 'failed', waitMs: 0 },
        );
        const cfg = createKpiConfig({ shortAbandonSeconds: shortS, faultWindows: [fault], excludedLines: ['08362800000'] });
        const r = answerRate(list, cfg, period);
        for (const v of [r.value, abandonRate(list, cfg, period).value, calledBackRate(list, cfg, period).value]) {
          if (v !== null) expect(v >= 0 && v <= 1).toBe(true);
        }
        expect(r.numerator + r.abandoned + r.failed).toBe(r.denominator);
        expect(r.denominator + r.excludedLine + r.excludedFaultWindow + r.excludedShortAbandon).toBe(r.offeredInPeriod);
      }),
    );
  });
});
