import { describe, expect, it } from 'vitest';
import { answerRateAlert, projectMonthEndAnswerRate, projectMonthEndAnswerRateFromCalls } from './answer-rate.projection.js';
import { createKpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';

describe('projectMonthEndAnswerRate', () => {
  const base = { monthToDate: { answered: 980, offered: 1000 }, expectedRemainingOffered: 500, target: 0.98 };

  it('defaults the remaining rate to the last 7 days: (980 + 500 × 290/300) / 1500 ≈ 97.56%, below target', () => {
    const p = projectMonthEndAnswerRate({ ...base, last7Days: { answered: 290, offered: 300 } });
    expect(p.rateSource).toBe('last_7_days');
    expect(p.projectedOffered).toBe(1500);
    expect(p.projectedRate).toBeCloseTo((980 + (500 * 290) / 300) / 1500, 12);
    expect(p.belowTarget).toBe(true);
  });

  it('falls back to the month-to-date rate without last-7-days data: 1470 / 1500 = 98%, not below', () => {
    const p = projectMonthEndAnswerRate({ ...base, last7Days: { answered: 0, offered: 0 } });
    expect(p).toMatchObject({ rateSource: 'month_to_date', projectedAnswered: 1470, belowTarget: false });
    expect(p.projectedRate).toBeCloseTo(0.98, 12);
  });

  it('uses a given remaining rate over any history', () => {
    const p = projectMonthEndAnswerRate({ ...base, last7Days: { answered: 290, offered: 300 }, assumedRemainingRate: 1 });
    expect(p).toMatchObject({ rateSource: 'given', projectedAnswered: 1480, belowTarget: false });
  });

  it('cannot project remaining calls with no rate and no history', () => {
    const p = projectMonthEndAnswerRate({ monthToDate: { answered: 0, offered: 0 }, expectedRemainingOffered: 100, target: 0.98 });
    expect(p).toMatchObject({ projectedRate: null, rateSource: 'none', belowTarget: false });
    expect(answerRateAlert(p, 0.98)).toBeNull();
  });

  it('rejects more answered than offered and a rate above 1', () => {
    expect(() => projectMonthEndAnswerRate({ ...base, monthToDate: { answered: 5, offered: 4 } })).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
    expect(() => projectMonthEndAnswerRate({ ...base, assumedRemainingRate: 1.2 })).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
  });
});

describe('answerRateAlert', () => {
  it('warns with the rate the remaining calls must reach when the target is still reachable', () => {
    const p = projectMonthEndAnswerRate({ monthToDate: { answered: 980, offered: 1000 }, last7Days: { answered: 290, offered: 300 }, expectedRemainingOffered: 500, target: 0.98 });
    const alert = answerRateAlert(p, 0.98);
    expect(alert).toMatchObject({ kind: 'answer_rate_projected_below_target', severity: 'warning', shortfallCalls: 7 });
    expect(alert?.requiredRemainingRate).toBeCloseTo(0.98, 12);
  });

  it('is critical when even answering every remaining call cannot reach the target', () => {
    const p = projectMonthEndAnswerRate({ monthToDate: { answered: 900, offered: 1000 }, expectedRemainingOffered: 100, target: 0.98 });
    const alert = answerRateAlert(p, 0.98);
    expect(alert).toMatchObject({ severity: 'critical', shortfallCalls: 88 });
    expect(alert?.requiredRemainingRate).toBeCloseTo(1.78, 12);
  });

  it('returns null when the projection meets the target', () => {
    const p = projectMonthEndAnswerRate({ monthToDate: { answered: 99, offered: 100 }, expectedRemainingOffered: 100, target: 0.98 });
    expect(answerRateAlert(p, 0.98)).toBeNull();
  });
});

describe('projectMonthEndAnswerRateFromCalls', () => {
  it('takes month-to-date and last-7-days counts from the calls with the answer-rate exclusions', () => {
    const day = 86_400_000;
    const monthStart = Date.UTC(2026, 0, 1);
    const now = monthStart + 20 * day;
    const mk = (id: string, at: number, ok: boolean, waitS = 30): CallFact => ({
      callId: id, line: '12345', trunk: 'p', offeredAt: at, endedAt: at + waitS * 1000, waitMs: waitS * 1000,
      ...(ok ? { outcome: 'answered', answeredAt: at + 1000, agentId: 'a' } : { outcome: 'abandoned' }),
    });
    // Early in the month: 2 answered. Last week: 1 answered, 1 abandoned, 1 short abandon (excluded).
    const calls = [mk('e1', monthStart + day, true), mk('e2', monthStart + 2 * day, true), mk('w1', now - day, true), mk('w2', now - day, false), mk('w3', now - day, false, 2)];
    const p = projectMonthEndAnswerRateFromCalls(calls, createKpiConfig({ shortAbandonSeconds: 5 }), { monthStart, now }, 10);
    expect(p).toMatchObject({ answeredSoFar: 3, offeredSoFar: 4, rateSource: 'last_7_days', assumedRemainingRate: 0.5, projectedAnswered: 8, projectedOffered: 14 });
    expect(p.belowTarget).toBe(true);
  });
});
