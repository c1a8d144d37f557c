import { describe, expect, it } from 'vitest';
import { kpi } from '@cti/domain';
import { KpiService, type KpiFactSource } from './kpi.service.js';
import { TrendsService, type TrendSources } from './trends.service.js';

// Monday 2026-12-07 10:10 Beijing.
const NOW = Date.parse('2026-12-07T02:10:00Z');
const DAY = 86_400_000;
const call = (id: string, offeredAt: number, outcome: 'answered' | 'abandoned', waitS = 5): kpi.CallFact => ({
  callId: id, line: '12345', trunk: 'primary', offeredAt, outcome, waitMs: waitS * 1000,
  ...(outcome === 'answered' ? { answeredAt: offeredAt + waitS * 1000, agentId: 'a1' } : {}),
  endedAt: offeredAt + (waitS + 120) * 1000,
});

function facts(calls: kpi.CallFact[]): KpiFactSource {
  const queuedIn = (c: kpi.CallFact, from: number, to: number) => c.offeredAt !== undefined && c.offeredAt >= from && c.offeredAt < to;
  return {
    kpiConfig: async (o) => kpi.createKpiConfig({ ...o }),
    answerRateCounts: async (from, to, config) => ({ ...kpi.answerRateCounts(calls, config, { from, to }), answeredWithin: 0 }),
    countQueuedCalls: async (from, to) => calls.filter((c) => queuedIn(c, from, to)).length,
    callFacts: async (from, to) => calls.filter((c) => queuedIn(c, from, to)),
    callFactsStored: async (from, to) => calls.filter((c) => queuedIn(c, from, to)).map((c) => ({ fact: c, storedAt: c.endedAt })),
    agentIntervals: async () => [],
    facts: async () => ({ calls, agentIntervals: [], tickets: [], qaReviews: [] }),
    overdueTicketCount: async () => 0,
  };
}
const staffing = { historyDays: 28, serviceLevelGoal: 0.8, patienceSeconds: 60, shrinkage: 0, defaultAhtSeconds: 240 };

// 10:00–10:29 Beijing today is half-hour 20.
const calls = [
  call('t1', NOW - 5 * 60_000, 'answered'), // 10:05 today
  call('t2', NOW - 8 * 60_000, 'abandoned', 40), // 10:02 today
  call('y1', NOW - DAY - 4 * 60_000, 'answered'), // 10:06 yesterday
  call('y2', NOW - DAY + 30 * 60_000, 'answered'), // 10:40 yesterday
  call('m1', NOW - 6 * DAY, 'answered'), // the 1st, 10:10
];

describe('the big screen trends', () => {
  it("gives today's and yesterday's calls per half-hour, the staffing forecast beside them, and each day's answer rate", async () => {
    const svc = new KpiService(facts(calls), {}, staffing, () => NOW, () => 3);
    const t = await svc.callTrends();
    expect(t.halfHours.currentIndex).toBe(20);
    expect(t.halfHours.today[20]).toBe(2);
    expect(t.halfHours.today[21]).toBeNull();
    expect([t.halfHours.yesterday[20], t.halfHours.yesterday[21]]).toEqual([1, 1]);
    // The forecast is the expected calls Erlang C staffs for, rounded to one decimal.
    const plan = await svc.staffing();
    expect(t.halfHours.forecast).toEqual(plan.intervals.map((r) => Math.round(r.offered * 10) / 10));
    expect(t.halfHours.forecast[20]).toBeGreaterThan(0);
    expect(t.dailyAnswerRate.target).toBe(0.98);
    expect(t.dailyAnswerRate.days.map((d) => [d.day, d.offered, d.answered])).toEqual([
      ['2026-12-01', 1, 1],
      ['2026-12-02', 0, 0],
      ['2026-12-03', 0, 0],
      ['2026-12-04', 0, 0],
      ['2026-12-05', 0, 0],
      ['2026-12-06', 2, 2],
      ['2026-12-07', 2, 1],
    ]);
  });

  it('groups the ticket counts, reuses them for a while, and works them out again after', async () => {
    let now = NOW;
    const asked: string[] = [];
    const src: TrendSources = {
      calls: { callTrends: async () => (asked.push('calls'), new KpiService(facts(calls), {}, staffing, () => now, () => 3).callTrends()) },
      tickets: {
        ticketsByCategory: async (from, to) => {
          asked.push(`category ${new Date(from).toISOString()} ${to - from}`);
          return [{ category: 'complaint', total: 2, closed: 0, closedOnTime: 0, openInTime: 2, overdue: 0 }];
        },
        overdueTicketsByDepartment: async () => [{ departmentId: 'jyj', name: '州教育局', count: 3 }, { departmentId: null, name: null, count: 1 }],
        ticketsByCounty: async (from) => (asked.push(`county ${new Date(from).toISOString()}`), [{ county: '泸定县', count: 2 }, { county: null, count: 1 }]),
      },
      counties: ['康定市', '泸定县'],
      now: () => now,
    };
    const svc = new TrendsService(src, 20_000);
    const [a, b] = await Promise.all([svc.trends(), svc.trends()]);
    expect(a).toBe(b);
    expect(asked.filter((x) => x === 'calls')).toHaveLength(1);
    // Today's categories from Beijing midnight; the counties over the month from the 1st.
    expect(asked).toContain(`category 2026-12-06T16:00:00.000Z ${NOW + 1 - Date.parse('2026-12-06T16:00:00Z')}`);
    expect(asked).toContain('county 2026-11-30T16:00:00.000Z');
    expect(a.ticketsByCategory.find((c) => c.name === '投诉')).toEqual({ name: '投诉', count: 2 });
    expect(a.ticketsByCategory).toHaveLength(7);
    expect(a.overdueByDepartment).toEqual([{ name: '州教育局', count: 3 }, { name: '未派单', count: 1 }]);
    expect(a.ticketsByCounty).toEqual([{ name: '康定市', count: 0 }, { name: '泸定县', count: 2 }, { name: '未填写', count: 1 }]);
    expect(a.halfHours.today[20]).toBe(2);

    now += 10_000;
    expect(await svc.trends()).toBe(a);
    now += 15_000;
    const c = await svc.trends();
    expect(c).not.toBe(a);
    expect(c.at).toBe(now);
    expect(asked.filter((x) => x === 'calls')).toHaveLength(2);
    // Asked through the API: worked out again at once, and the screens then share that one.
    now += 1_000;
    const fresh = await svc.trends({ fresh: true });
    expect(fresh).not.toBe(c);
    expect(fresh.at).toBe(now);
    expect(asked.filter((x) => x === 'calls')).toHaveLength(3);
    expect(await svc.trends()).toBe(fresh);
  });

  it('does not keep a failed computation', async () => {
    let fail = true;
    const src: TrendSources = {
      calls: { callTrends: async () => { if (fail) throw new Error('database away'); return new KpiService(facts([]), {}, staffing, () => NOW, () => 0).callTrends(); } },
      tickets: { ticketsByCategory: async () => [], overdueTicketsByDepartment: async () => [], ticketsByCounty: async () => [] },
      counties: ['康定市'],
      now: () => NOW,
    };
    const svc = new TrendsService(src);
    await expect(svc.trends()).rejects.toThrow('database away');
    fail = false;
    expect((await svc.trends()).ticketsByCounty).toEqual([{ name: '康定市', count: 0 }]);
  });
});
