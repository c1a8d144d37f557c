import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { answerRateCounts, answerRateFromCounts } from './answer-rate.kpi.js';
import { createKpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';
import {
  NO_COUNTY,
  NO_DEPARTMENT,
  OTHER_COUNTY,
  TICKET_CATEGORY_ZH,
  categoryCounts,
  countPerHalfHour,
  countyCounts,
  dailyAnswerRates,
  departmentCounts,
  halfHourLabels,
  halfHourTrend,
  parseCountyList,
} from './trends.js';

const s = 1000;
const min = 60 * s;
// 2026-12-07 00:00 Beijing = 2026-12-06 16:00 UTC.
const today = Date.UTC(2026, 11, 6, 16);
const yesterday = today - 86_400_000;
const monthStart = Date.UTC(2026, 10, 30, 16); // 2026-12-01 00:00 Beijing

function answered(callId: string, offeredAt: number, extra: Partial<CallFact> = {}): CallFact {
  return { callId, line: '12345', trunk: 'primary', offeredAt, answeredAt: offeredAt + 5 * s, endedAt: offeredAt + 65 * s, outcome: 'answered', agentId: 'a1', waitMs: 5 * s, ...extra };
}
function abandoned(callId: string, offeredAt: number, afterS: number): CallFact {
  return { callId, line: '12345', trunk: 'primary', offeredAt, endedAt: offeredAt + afterS * s, outcome: 'abandoned', waitMs: afterS * s };
}

const config = createKpiConfig({ shortAbandonSeconds: 5, excludedLines: ['08362800000'] });

describe('calls per half-hour', () => {
  it('labels the 48 half-hours of a day', () => {
    const l = halfHourLabels();
    expect(l).toHaveLength(48);
    expect([l[0], l[1], l[19], l[47]]).toEqual(['00:00', '00:30', '09:30', '23:30']);
  });

  it("counts today's and yesterday's counted calls by Beijing half-hour, leaves later half-hours of today empty, rounds the forecast", () => {
    const calls = [
      answered('t1', today + 9 * 60 * min + 1 * min), // 09:01 → 18
      answered('t2', today + 9 * 60 * min + 29 * min), // 09:29 → 18
      answered('t3', today + 9 * 60 * min + 30 * min), // 09:30 → 19
      abandoned('t4', today + 9 * 60 * min + 40 * min, 30), // counted abandon → 19
      abandoned('t5', today + 9 * 60 * min + 41 * min, 2), // short abandon: not counted
      answered('t6', today + 9 * 60 * min + 42 * min, { line: '08362800000' }), // excluded line
      answered('y1', yesterday + 9 * 60 * min + 5 * min), // yesterday 09:05 → 18
      answered('y2', yesterday + 23 * 60 * min + 59 * min), // yesterday 23:59 → 47
      answered('y3', yesterday - 1 * min), // the day before: in neither
    ];
    const forecast = Array.from({ length: 48 }, (_, i) => (i === 18 ? 2.345 : i === 19 ? 1.04 : 0));
    const now = today + 9 * 60 * min + 45 * min; // 09:45: half-hour 19 is current
    const t = halfHourTrend(calls, config, forecast, now);
    expect(t.currentIndex).toBe(19);
    expect(t.today.slice(17, 21)).toEqual([0, 2, 2, null]);
    expect(t.today.filter((v) => v === null)).toHaveLength(28);
    expect(t.today.reduce<number>((n, v) => n + (v ?? 0), 0)).toBe(4);
    expect(t.yesterday[18]).toBe(1);
    expect(t.yesterday[47]).toBe(1);
    expect(t.yesterday.reduce((n, v) => n + v, 0)).toBe(2);
    expect([t.forecast[18], t.forecast[19]]).toEqual([2.3, 1]);
  });

  it('does not count a call offered after now', () => {
    const now = today + 10 * 60 * min;
    expect(countPerHalfHour([answered('later', now + min)], config, today, now + 1).reduce((n, v) => n + v, 0)).toBe(0);
  });

  it('refuses a forecast that is not 48 half-hours', () => {
    expect(() => halfHourTrend([], config, [1, 2, 3], today)).toThrow(CtiError);
  });
});

describe("the month's daily answer rate", () => {
  it('gives each Beijing day of the month so far its own rate, null on a day without calls', () => {
    const day = (n: number) => monthStart + (n - 1) * 86_400_000;
    const calls = [
      answered('a', day(1) + 60 * min),
      answered('b', day(1) + 61 * min),
      abandoned('c', day(1) + 62 * min, 40),
      answered('d', day(3) + 23 * 60 * min + 59 * min), // 23:59 Beijing on the 3rd
      answered('e', day(3) - 1 * s), // 23:59:59 on the 2nd
      abandoned('f', day(3) + 10 * min, 3), // short: excluded
    ];
    const now = day(4) + 8 * 60 * min; // the 4th, 08:00
    const r = dailyAnswerRates(calls, config, monthStart, now);
    expect(r.target).toBe(0.98);
    expect(r.days.map((d) => d.day)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']);
    expect(r.days[0]).toEqual({ day: '2026-12-01', offered: 3, answered: 2, rate: 2 / 3 });
    expect(r.days[1]).toEqual({ day: '2026-12-02', offered: 1, answered: 1, rate: 1 });
    expect(r.days[2]).toEqual({ day: '2026-12-03', offered: 1, answered: 1, rate: 1 });
    expect(r.days[3]).toEqual({ day: '2026-12-04', offered: 0, answered: 0, rate: null });
  });

  it("gives each day the same figures as the answer rate of that day alone", () => {
    const calls: CallFact[] = [];
    for (let i = 0; i < 200; i++) {
      const at = monthStart + ((i * 7_919_000) % (6 * 86_400_000));
      calls.push(i % 5 === 0 ? abandoned(`r${i}`, at, i % 10 === 0 ? 3 : 30) : answered(`r${i}`, at, i % 13 === 0 ? { line: '08362800000' } : {}));
    }
    const now = monthStart + 6 * 86_400_000 - 1;
    const r = dailyAnswerRates(calls, config, monthStart, now);
    expect(r.days).toHaveLength(6);
    r.days.forEach((d, i) => {
      const from = monthStart + i * 86_400_000;
      const alone = answerRateFromCounts(answerRateCounts(calls, config, { from, to: Math.min(from + 86_400_000, now + 1) }), config);
      expect([d.offered, d.answered, d.rate], d.day).toEqual([alone.denominator, alone.numerator, alone.value]);
    });
    expect(r.days.reduce((n, d) => n + d.offered, 0)).toBeGreaterThan(100);
  });

  it('refuses a month that begins after now', () => {
    expect(() => dailyAnswerRates([], config, today, today - 1)).toThrow(CtiError);
  });
});

describe('tickets by county', () => {
  const counties = ['康定市', '泸定县', '丹巴县'];
  it('keeps the configured order with zeros, then the tickets without a county and those of a county no longer listed', () => {
    const rows = [
      { county: '丹巴县', count: 2 },
      { county: '康定市', count: 5 },
      { county: null, count: 3 },
      { county: '旧县', count: 1 },
    ];
    expect(countyCounts(rows, counties)).toEqual([
      { name: '康定市', count: 5 },
      { name: '泸定县', count: 0 },
      { name: '丹巴县', count: 2 },
      { name: NO_COUNTY, count: 3 },
      { name: OTHER_COUNTY, count: 1 },
    ]);
  });
  it('shows no extra buckets when every ticket has a listed county', () => {
    expect(countyCounts([{ county: '泸定县', count: 1 }], counties).map((c) => c.name)).toEqual(counties);
  });
  it('parses the configured list, Chinese commas included, and refuses a county listed twice', () => {
    expect(parseCountyList(' 康定市,泸定县，丹巴县 ,')).toEqual(counties);
    expect(() => parseCountyList('康定市,康定市')).toThrow(/twice/);
  });
});

describe('overdue tickets by department', () => {
  it('sorts most first, ties by name, names the undispatched, sums the tail', () => {
    const rows = [
      { name: '住建局', count: 2 },
      { name: null, count: 4 },
      { name: '交通局', count: 2 },
      { name: '教育局', count: 7 },
      { name: '水务局', count: 1 },
      { name: '林草局', count: 0 },
    ];
    expect(departmentCounts(rows, 3)).toEqual([
      { name: '教育局', count: 7 },
      { name: NO_DEPARTMENT, count: 4 },
      { name: '交通局', count: 2 },
      { name: '其他单位', count: 3 },
    ]);
    expect(departmentCounts(rows).map((r) => r.count)).toEqual([7, 4, 2, 2, 1]);
  });
  it('refuses a top below 1', () => {
    expect(() => departmentCounts([], 0)).toThrow(CtiError);
  });
});

describe('tickets by category', () => {
  it('lists every category in Chinese with zeros, then tickets still without one', () => {
    const out = categoryCounts([{ category: 'complaint', count: 3 }, { category: 'help', count: 1 }, { category: 'uncategorized', count: 2 }], TICKET_CATEGORY_ZH);
    expect(out).toEqual([
      { name: '咨询', count: 0 },
      { name: '求助', count: 1 },
      { name: '投诉', count: 3 },
      { name: '举报', count: 0 },
      { name: '建议', count: 0 },
      { name: '表扬', count: 0 },
      { name: '其他', count: 0 },
      { name: '未分类', count: 2 },
    ]);
  });
});
