import { describe, expect, it } from 'vitest';
import { kpi } from '@cti/domain';
import { KpiService, type KpiFactSource } from './kpi.service.js';

// Friday 2026-11-27 10:10 Beijing.
const NOW = Date.parse('2026-11-27T02:10:00Z');
const call = (id: string, offeredAt: number, outcome: 'answered' | 'abandoned', waitS = 5, talkS = 200): kpi.CallFact => ({
  callId: id, line: '12345', trunk: 'primary', offeredAt, outcome, waitMs: waitS * 1000,
  ...(outcome === 'answered' ? { answeredAt: offeredAt + waitS * 1000, agentId: 'a1' } : {}),
  endedAt: offeredAt + (waitS + (outcome === 'answered' ? talkS : 0)) * 1000,
});

/** When each call was stored (default: when it ended). */
const storedAt = new Map<string, number>();
const stored = (c: kpi.CallFact) => storedAt.get(c.callId) ?? c.endedAt;

function source(calls: kpi.CallFact[], faults: kpi.FaultWindow[] = []): KpiFactSource {
  const queuedIn = (c: kpi.CallFact, from: number, to: number) => c.offeredAt !== undefined && c.offeredAt >= from && c.offeredAt < to;
  return {
    kpiConfig: async (o) => kpi.createKpiConfig({ ...o, faultWindows: faults }),
    answerRateCounts: async (from, to, config) => ({ ...kpi.answerRateCounts(calls, config, { from, to }), answeredWithin: kpi.answeredWithin(calls, config, { from, to }).numerator }),
    countQueuedCalls: async (from, to) => calls.filter((c) => queuedIn(c, from, to)).length,
    callFacts: async (from, to) => calls.filter((c) => queuedIn(c, from, to)),
    callFactsStored: async (from, to, after) =>
      calls.filter((c) => queuedIn(c, from, to) && (after === undefined || stored(c) > after)).map((c) => ({ fact: c, storedAt: stored(c) })),
    agentIntervals: async () => [],
    facts: async () => ({ calls, agentIntervals: [], tickets: [], qaReviews: [] }),
    overdueTicketCount: async () => 0,
  };
}
const staffing = { historyDays: 28, serviceLevelGoal: 0.8, patienceSeconds: 60, shrinkage: 0, defaultAhtSeconds: 240 };

describe('KPI service', () => {
  it('reads the earlier days once per 5 minutes, and of today only the calls stored since the last read', async () => {
    const calls = [call('y1', NOW - 86_400_000, 'abandoned', 30), call('w1', NOW - 3 * 86_400_000, 'answered'), call('t1', NOW - 600_000, 'answered')];
    const reads: Array<[number, number, number | undefined]> = [];
    const src = source(calls);
    const counting: KpiFactSource = { ...src, callFactsStored: (from, to, after) => (reads.push([from, to, after]), src.callFactsStored(from, to, after)) };
    let now = NOW;
    const svc = new KpiService(counting, {}, staffing, () => now, () => 10);
    const first = await svc.live();
    expect([first.month.offered, first.month.answered]).toEqual([3, 2]); // y1, w1 and t1 are all in November
    expect(reads).toHaveLength(2); // today (whole), then the days before today
    const [todayStart, todayEnd, after] = reads[0] as [number, number, number | undefined];
    expect([todayEnd - todayStart, after]).toEqual([86_400_000, undefined]);
    expect(reads[1]?.[1]).toBe(todayStart);

    // A call stored a minute later, and one queued earlier today but stored only now (late, e.g. from the spool).
    now += 60_000;
    calls.push(call('t2', now - 30_000, 'abandoned', 20), call('t3', NOW - 3_000_000, 'answered'));
    storedAt.set('t3', now);
    const second = await svc.live();
    expect(reads).toHaveLength(3);
    expect(reads[2]).toEqual([todayStart, todayEnd, stored(calls[2] as kpi.CallFact) - 5_000]); // newest seen, less the slack
    expect([second.today.offered, second.today.answered, second.month.offered]).toEqual([3, 2, 5]);
    // The same figures as a service that reads everything afresh.
    const whole = await new KpiService(source(calls), {}, staffing, () => now, () => 10).live();
    expect(second).toEqual(whole);

    now += 5 * 60_000; // past the 5 minutes: the earlier days and the whole of today are read again
    await svc.live();
    expect(reads.slice(3).map((r) => r[2])).toEqual([undefined, undefined]);
  });

  it('splits today from the rest of the month and applies the short-abandon exclusion', async () => {
    const calls = [
      call('y1', NOW - 86_400_000, 'abandoned', 30), // yesterday
      call('t1', NOW - 600_000, 'answered', 5),
      call('t2', NOW - 500_000, 'answered', 20),
      call('t3', NOW - 400_000, 'abandoned', 3), // short abandon
    ];
    const svc = new KpiService(source(calls), { shortAbandonSeconds: 5 }, staffing, () => NOW, () => 10);
    const { today, month, projection } = await svc.live();
    expect([today.answered, today.offered, today.excluded.shortAbandon]).toEqual([2, 2, 1]);
    expect(today.answeredWithin).toEqual({ seconds: 15, count: 1, rate: 0.5 });
    expect([month.answered, month.offered, month.rate]).toEqual([2, 3, 2 / 3]);
    expect(projection.month).toBe('2026-11');
    expect(projection.alert?.kind).toBe('answer_rate_projected_below_target');
  });

  it('raises no alert when every call is answered', async () => {
    const svc = new KpiService(source([call('t1', NOW - 600_000, 'answered')]), {}, staffing, () => NOW, () => 1);
    expect((await svc.projection()).alert).toBeNull();
  });

  it('plans 48 half-hours of today, with the live logged-in count in the current one', async () => {
    // 90 calls in the 10:00–10:30 slot each day for the last 3 days, handle time 240 s.
    const calls: kpi.CallFact[] = [];
    for (let d = 1; d <= 3; d++) for (let i = 0; i < 90; i++) calls.push(call(`d${d}-${i}`, NOW - d * 86_400_000 - 600_000 + i * 10_000, 'answered', 0, 240));
    const svc = new KpiService(source(calls), {}, staffing, () => NOW, () => 7);
    const plan = await svc.staffing();
    expect(plan.intervals).toHaveLength(48);
    expect(plan.aht).toEqual({ seconds: 240, measured: true });
    const current = plan.intervals.find((i) => i.when === 'current');
    expect(current?.offered).toBeCloseTo(90 * 3 / 4, 6); // 4 days have had this slot, today's included
    expect(current?.loggedIn).toBe(7);
    // 67.5 calls × 240 s / 1800 s = 9 Erlangs: Erlang C needs more than 9, and the gap is negative with 7 agents.
    expect(current?.trafficErlangs).toBeCloseTo(9, 6);
    expect(current?.agentsNeeded).toBeGreaterThan(9);
    expect(current?.gap).toBe(7 - (current?.scheduledNeeded ?? 0));
    expect(current?.agentsNeeded).toBe(Math.max(current?.neededForServiceLevel ?? 0, current?.neededForAnswerRate ?? 0));
  });

  it('staffs the half-hours still to come with the rota’s agents and says the gap in words', async () => {
    const calls: kpi.CallFact[] = [];
    for (let d = 1; d <= 3; d++) for (let i = 0; i < 90; i++) calls.push(call(`d${d}-${i}`, NOW - d * 86_400_000 - 600_000 + i * 10_000, 'answered', 0, 240));
    const asked: Array<[number, number]> = [];
    const rostered = async (from: number, to: number) => {
      asked.push([from, to]);
      // The rota puts 12 agents on every half-hour of the day.
      const m = new Map<number, number>();
      for (let t = from; t < to; t += 1_800_000) m.set(t, 12);
      return m;
    };
    const plan = await new KpiService(source(calls), {}, staffing, () => NOW, () => 7, undefined, rostered).staffing();
    const current = plan.intervals.find((i) => i.when === 'current')!;
    const future = plan.intervals.filter((i) => i.when === 'future');
    expect(asked).toHaveLength(1);
    expect(asked[0]![1] - asked[0]![0]).toBe(86_400_000);
    expect(current).toMatchObject({ loggedIn: 7, rostered: 12, basis: 'logged_in' });
    expect(current.gapLabel).toBe(`缺 ${current.scheduledNeeded - 7} 人`);
    expect(future.length).toBeGreaterThan(0);
    for (const f of future) {
      expect(f).toMatchObject({ loggedIn: 12, rostered: 12, basis: 'rota', gap: 12 - f.scheduledNeeded });
      expect(f.gapLabel).toBe(f.gap < 0 ? `缺 ${-f.gap} 人` : f.gap > 0 ? `富余 ${f.gap} 人` : '持平');
    }
  });

  it('counts agents logged in per ended half-hour from the state intervals, reading an ended one only until it settled', async () => {
    // NOW is 10:10 Beijing; 09:30–10:00 ended 10 minutes ago. Two agents all day, a third from 09:45.
    const reads: Array<[number, number]> = [];
    const dayStart = Date.parse('2026-11-26T16:00:00Z'); // 00:00 Beijing
    const ivs: kpi.AgentStateInterval[] = [
      { agentId: 'a1', state: 'ready', from: dayStart, to: NOW },
      { agentId: 'a2', state: 'on_call', from: dayStart, to: NOW },
      { agentId: 'a3', state: 'ready', from: NOW - 25 * 60_000, to: NOW },
    ];
    const src = source([]);
    const counting: KpiFactSource = {
      ...src,
      agentIntervals: async (from, to) => (reads.push([from, to]), ivs.filter((i) => i.from < to && i.to > from)),
    };
    let now = NOW;
    const svc = new KpiService(counting, {}, staffing, () => now, () => 3);
    const slot = (plan: Awaited<ReturnType<KpiService['staffing']>>, hhmm: string) =>
      plan.intervals.find((i) => i.start === Date.parse(`2026-11-27T${hhmm}:00+08:00`))?.loggedIn;
    const first = await svc.staffing();
    expect([slot(first, '09:00'), slot(first, '09:30'), slot(first, '10:00')]).toEqual([2, 3, 3]); // 2 + ½ → 3; live 3 now
    expect(reads).toEqual([[dayStart, Date.parse('2026-11-27T10:00:00+08:00')]]); // 20 ended half-hours, once
    await svc.staffing();
    expect(reads).toHaveLength(1); // all settled: not read again
    now = Date.parse('2026-11-27T10:30:30+08:00'); // 10:00–10:30 ended 30 s ago: read until it settles
    await svc.staffing();
    await svc.staffing();
    now += 60_000;
    await svc.staffing();
    await svc.staffing();
    const tenThirty = Date.parse('2026-11-27T10:30:00+08:00');
    expect(reads.slice(1)).toEqual([[tenThirty - 1_800_000, tenThirty], [tenThirty - 1_800_000, tenThirty], [tenThirty - 1_800_000, tenThirty]]);
  });

  it('takes the answer rate of a period from the database tallies, without reading a call row', async () => {
    const calls = [call('a', NOW - 86_400_000, 'answered', 5), call('b', NOW - 3_600_000, 'answered', 30), call('c', NOW - 600_000, 'abandoned', 40)];
    const src = source(calls);
    const rowReads: string[] = [];
    const counting: KpiFactSource = { ...src, callFacts: (f, t) => (rowReads.push('callFacts'), src.callFacts(f, t)), callFactsStored: (f, t, a) => (rowReads.push('stored'), src.callFactsStored(f, t, a)) };
    const period = { from: NOW - 7 * 86_400_000, to: NOW };
    const r = await new KpiService(counting, {}, staffing, () => NOW, () => 3).answerRate(period);
    expect(r).toMatchObject({ offered: 3, answered: 2, abandoned: 1, answeredWithin: { seconds: 15, count: 1, rate: 0.5 } });
    expect(r.rate).toBeCloseTo(2 / 3);
    expect(rowReads).toEqual([]);
  });

  it('refuses per-agent figures and the contract table (400) for a period holding more calls than it reads at once', async () => {
    const calls = [call('a', NOW - 3_600_000, 'answered'), call('b', NOW - 1_800_000, 'answered'), call('c', NOW - 600_000, 'abandoned')];
    const src = source(calls);
    let loaded = 0;
    const counting: KpiFactSource = { ...src, facts: async (f, t, n) => (loaded++, src.facts(f, t, n)) };
    const svc = new KpiService(counting, {}, staffing, () => NOW, () => 3, 2);
    const period = { from: NOW - 86_400_000, to: NOW };
    await expect(svc.agents(period)).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION', details: { calls: 3, maxCalls: 2 } });
    await expect(svc.contractTable(period)).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    expect(loaded).toBe(0);
    await expect(svc.agents({ from: NOW - 2_000_000, to: NOW })).resolves.toBeDefined();
  });
});

describe('KPI service per line (双号并行)', () => {
  const lines = async () => [
    { did: '12345', name: '12345政务服务便民热线', answerRateTarget: null },
    { did: '12315', name: '12315消费者投诉举报专线', answerRateTarget: 0.9 },
  ];
  const onLine = (c: kpi.CallFact, line: string): kpi.CallFact => ({ ...c, line });
  const calls = [
    call('p1', NOW - 600_000, 'answered'),
    call('p2', NOW - 500_000, 'abandoned', 30),
    onLine(call('q1', NOW - 400_000, 'answered'), '12315'),
    onLine(call('q2', NOW - 300_000, 'answered', 40), '12315'),
    onLine(call('q3', NOW - 200_000, 'abandoned', 30), '12315'),
    onLine(call('q4', NOW - 86_400_000, 'answered'), '12315'), // yesterday
  ];

  it('gives each line its own calls and target beside the whole centre, for a period and for today on the live view', async () => {
    const svc = new KpiService(source(calls), {}, staffing, () => NOW, () => 10, undefined, undefined, lines);
    const month = await svc.lines({ from: Date.parse('2026-10-31T16:00:00Z'), to: NOW + 1 });
    expect(month.centre).toMatchObject({ offered: 6, answered: 4, abandoned: 2, target: 0.98 });
    expect(month.lines.map((l) => [l.line, l.name, l.offered, l.answered, l.rate, l.target, l.ownTarget, l.pass])).toEqual([
      ['12345', '12345政务服务便民热线', 2, 1, 0.5, 0.98, false, false],
      ['12315', '12315消费者投诉举报专线', 4, 3, 0.75, 0.9, true, false],
    ]);
    expect(month.lines[1]?.answeredWithin).toEqual({ seconds: 15, count: 2, rate: 2 / 3 });
    const live = await svc.live();
    expect(live.lines.map((l) => [l.line, l.offered, l.answered])).toEqual([['12345', 2, 1], ['12315', 3, 2]]);
    expect(live.today.offered).toBe(5);
  });

  it('refuses a period holding more calls than it reads at once', async () => {
    const svc = new KpiService(source(calls), {}, staffing, () => NOW, () => 10, 3, undefined, lines);
    await expect(svc.lines({ from: NOW - 2 * 86_400_000, to: NOW + 1 })).rejects.toThrow(/more than the 3/);
  });
});
