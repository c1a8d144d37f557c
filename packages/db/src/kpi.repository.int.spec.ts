import { beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { kpi, type CallRecord } from '@cti/domain';
import { AgentStateRepository, type KpiWrite } from './agent-state.repository.js';
import { AlertRepository } from './alert.repository.js';
import { CallRepository } from './call.repository.js';
import type { Database } from './db.schema.js';
import { KpiRepository } from './kpi.repository.js';
import { ReportRepository } from './report.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_kpi', 5);
const T0 = Date.parse('2026-11-10T02:00:00Z');
const s = (n: number) => T0 + n * 1000;

let db: Kysely<Database>;
let states: AgentStateRepository;
let facts: KpiRepository;

const record = (linkedId: string, over: Partial<CallRecord>): CallRecord => ({
  linkedId, trunk: 'primary', callerNumber: '13800001234', did: '12345', language: 'mandarin',
  arrivedAt: s(0), queuedAt: s(1), endedAt: s(100), outcome: 'abandoned', offers: 0, ...over,
});

beforeAll(async () => {
  db = testSchema.db();
  states = new AgentStateRepository(db);
  facts = new KpiRepository(db);
  const calls = new CallRepository(db);
  // c1: rang a2 (no answer) then a1 (answered at +13 s); c2: abandoned after 3 s; c3: answered at +20 s; c4 on a test line.
  await calls.storeCallRecord(record('c1', { offeredAt: s(2), answeredAt: s(13), endedAt: s(200), outcome: 'answered', agentId: 'a1', seat: 'seat-01', offers: 2 }));
  await calls.storeCallRecord(record('c2', { endedAt: s(4) }));
  await calls.storeCallRecord(record('c3', { answeredAt: s(21), endedAt: s(80), outcome: 'answered', agentId: 'a2', offers: 1 }));
  await calls.storeCallRecord(record('c4', { did: '99999', answeredAt: s(5), outcome: 'answered', agentId: 'a1', offers: 1 }));
  await states.recordOffer('c1', 'a2', s(2));
  await states.resolveOffer('c1', 'a2', false, s(7));
  await states.recordOffer('c1', 'a1', s(8));
  await states.resolveOffer('c1', 'a1', true, s(13));
});


describe('KPI facts from PostgreSQL', () => {
  const period = { from: T0, to: T0 + 3_600_000 };

  it('computes the answer rate with the exclusions over stored calls and a stored fault window', async () => {
    const calls = await facts.callFacts(period.from, period.to);
    expect(calls.map((c) => c.callId).sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
    const plain = await facts.kpiConfig({}, period.from, period.to);
    expect(kpi.answerRate(calls, plain, period)).toMatchObject({ numerator: 3, denominator: 4 });
    const cfg = await facts.kpiConfig({ shortAbandonSeconds: 5, excludedLines: ['99999'] }, period.from, period.to);
    expect(kpi.answerRate(calls, cfg, period)).toMatchObject({ numerator: 2, denominator: 2, excludedShortAbandon: 1, excludedLine: 1 });
    expect(kpi.answeredWithin(calls, cfg, period)).toMatchObject({ numerator: 1, denominator: 2 }); // c1 waited 12 s, c3 20 s
    const w = await facts.addFaultWindow(s(0), s(2), 'SBC restart', { role: 'supervisor', id: 'sup1' });
    const faulty = await facts.kpiConfig({}, period.from, period.to);
    expect(kpi.answerRate(calls, faulty, period)).toMatchObject({ excludedFaultWindow: 4, denominator: 0 });
    expect(await facts.deleteFaultWindow(w.id, 'declared by mistake', { role: 'manager', id: 'mgr1' })).toBe(true);
    expect(await facts.faultWindows(period.from, period.to)).toEqual([]);
  });

  it('aggregates the answer-rate tallies in SQL exactly as the KPI engine counts the same calls', async () => {
    const calls = await facts.callFacts(period.from, period.to);
    for (const over of [{}, { shortAbandonSeconds: 5, excludedLines: ['99999'] }, { shortAbandonSeconds: 3 }, { faultWindows: [{ from: s(1), to: s(2) }], serviceLevelSeconds: 12 }, { faultWindows: [{ from: s(0), to: s(1) }, { from: s(1), to: s(5) }] }]) {
      const cfg = kpi.createKpiConfig(over);
      const { answeredWithin, ...counts } = await facts.answerRateCounts(period.from, period.to, cfg);
      expect(counts, JSON.stringify(over)).toEqual(kpi.answerRateCounts(calls, cfg, period));
      expect(answeredWithin, JSON.stringify(over)).toBe(kpi.answeredWithin(calls, cfg, period).numerator);
    }
    expect(await facts.countQueuedCalls(period.from, period.to)).toBe(4);
    expect(await facts.answerRateCounts(period.to, period.to + 1000, kpi.createKpiConfig({}))).toMatchObject({ offeredInPeriod: 0, answered: 0 });
  });

  it('writes an audit row with who and why when a fault window is declared and when it is withdrawn', async () => {
    const w = await facts.addFaultWindow(s(10), s(20), 'trunk outage', { role: 'supervisor', id: 'sup2' });
    expect(await facts.deleteFaultWindow(w.id, 'outage was on the test line only', { role: 'admin', id: 'ops' })).toBe(true);
    expect(await facts.deleteFaultWindow(w.id, 'again', { role: 'admin', id: 'ops' })).toBe(false);
    const rows = await db.selectFrom('audit_log').selectAll().where('target', '=', w.id).where('action', 'like', 'kpi.fault_window.%').orderBy('id').execute();
    expect(rows.map((r) => [r.action, r.actor_role, r.actor_id])).toEqual([
      ['kpi.fault_window.add', 'supervisor', 'sup2'],
      ['kpi.fault_window.delete', 'admin', 'ops'],
    ]);
    expect(rows[0]?.data).toMatchObject({ reason: 'trunk outage', from: new Date(s(10)).toISOString(), to: new Date(s(20)).toISOString() });
    expect(rows[1]?.data).toMatchObject({ reason: 'outage was on the test line only', withdrawn: { reason: 'trunk outage', declaredBy: 'sup2' } });
  });

  it('reads calls without rings, and only those stored after a given time', async () => {
    const all = await facts.callFactsStored(period.from, period.to);
    expect(all.map((r) => r.fact.callId).sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(all.find((r) => r.fact.callId === 'c1')?.fact.offersToAgents).toBeUndefined();
    const withRings = (await facts.callFacts(period.from, period.to)).find((c) => c.callId === 'c1');
    expect(withRings?.offersToAgents).toHaveLength(2);
    // Backdate when c1..c3 were stored: only c4 was stored after the cut.
    const cut = Date.now() - 60_000;
    await db.updateTable('calls').set({ recorded_at: new Date(cut - 1_000) }).where('linked_id', 'in', ['c1', 'c2', 'c3']).execute();
    const newer = await facts.callFactsStored(period.from, period.to, cut);
    expect(newer.map((r) => r.fact.callId)).toEqual(['c4']);
    expect(newer[0]?.storedAt).toBeGreaterThan(cut);
    const { offersToAgents: _rings, ...c4 } = (await facts.callFacts(period.from, period.to)).find((c) => c.callId === 'c4') as kpi.CallFact;
    expect(newer[0]?.fact).toEqual(c4);
  });

  it('gives per-agent answer efficiency from the stored rings', async () => {
    const calls = await facts.callFacts(period.from, period.to);
    const figures = kpi.agentFigures(calls, [], [], kpi.defaultKpiConfig, period);
    const a1 = figures.find((f) => f.agentId === 'a1');
    const a2 = figures.find((f) => f.agentId === 'a2');
    expect([a1?.answerEfficiency.numerator, a1?.answerEfficiency.denominator]).toEqual([2, 2]); // c1 and c4
    expect([a2?.answerEfficiency.numerator, a2?.answerEfficiency.denominator]).toEqual([1, 2]); // missed c1, answered c3
  });

  it('keeps one open interval per agent, closes it on the next change and on logout, and sums utilization', async () => {
    await states.recordChange({ agentId: 'x1', seat: 'seat-05', to: 'ready', at: s(0) });
    await states.recordChange({ agentId: 'x1', seat: 'seat-05', to: 'on_call', at: s(60) });
    await states.recordChange({ agentId: 'x1', seat: 'seat-05', to: 'paused', reason: 'meal', at: s(240) });
    await states.recordChange({ agentId: 'x1', seat: 'seat-05', to: 'logged_out', at: s(300) });
    const ivs = (await states.intervals(period.from, period.to, s(1000))).filter((i) => i.agentId === 'x1');
    expect(ivs).toEqual([
      { agentId: 'x1', state: 'ready', from: s(0), to: s(60) },
      { agentId: 'x1', state: 'on_call', from: s(60), to: s(240) },
      { agentId: 'x1', state: 'paused', reason: 'meal', from: s(240), to: s(300) },
    ]);
    const u = kpi.utilization(ivs, kpi.defaultKpiConfig, period);
    expect([u.numerator, u.denominator]).toEqual([180_000, 300_000]);
    const f = kpi.agentFigures([], ivs, [], kpi.defaultKpiConfig, period)[0];
    expect(f?.pauseMsByReason).toEqual({ meal: 60_000 });
  });

  it('stores a batch of writes exactly as the same writes one by one would', async () => {
    // The same story twice, under the prefixes `q` (one write at a time) and `b` (one batch after the same start).
    const story = (p: string): KpiWrite[] => [
      { kind: 'state', change: { agentId: `${p}1`, seat: 'seat-08', to: 'reserved', at: s(10) } },
      { kind: 'offer', callId: `${p}c1`, agentId: `${p}1`, at: s(10) },
      { kind: 'state', change: { agentId: `${p}2`, seat: 'seat-09', to: 'paused', reason: 'meal', at: s(11) } },
      { kind: 'resolve', callId: `${p}c0`, agentId: `${p}2`, answered: false, at: s(11) }, // a ring stored before
      { kind: 'resolve', callId: `${p}c1`, agentId: `${p}1`, answered: false, at: s(14) },
      { kind: 'state', change: { agentId: `${p}1`, seat: 'seat-08', to: 'ready', at: s(14) } },
      { kind: 'state', change: { agentId: `${p}1`, seat: 'seat-08', to: 'reserved', at: s(15) } },
      { kind: 'offer', callId: `${p}c1`, agentId: `${p}1`, at: s(15) }, // the same call rings the same agent again
      { kind: 'resolve', callId: `${p}c1`, agentId: `${p}1`, answered: true, at: s(16) },
      { kind: 'state', change: { agentId: `${p}1`, seat: 'seat-08', to: 'on_call', at: s(16) } },
      { kind: 'offer', callId: `${p}c2`, agentId: `${p}2`, at: s(17) }, // still ringing at the end
      { kind: 'state', change: { agentId: `${p}2`, seat: 'seat-09', to: 'logged_out', at: s(18) } },
    ];
    for (const p of ['q', 'b']) {
      await states.recordChange({ agentId: `${p}1`, seat: 'seat-08', to: 'ready', at: s(0) });
      await states.recordChange({ agentId: `${p}2`, seat: 'seat-09', to: 'ready', at: s(0) });
      await states.recordOffer(`${p}c0`, `${p}2`, s(5));
    }
    for (const w of story('q')) {
      if (w.kind === 'state') await states.recordChange(w.change);
      else if (w.kind === 'offer') await states.recordOffer(w.callId, w.agentId, w.at);
      else await states.resolveOffer(w.callId, w.agentId, w.answered, w.at);
    }
    await states.recordBatch(story('b'));

    const rows = async (p: string) => {
      const ivs = (await db.selectFrom('agent_state_intervals').selectAll().where('agent_id', 'like', `${p}%`).orderBy('id').execute()).map(
        (r) => ({ agent: r.agent_id.slice(1), state: r.state, reason: r.reason, from: r.started_at.getTime(), to: r.ended_at?.getTime() ?? null }),
      );
      const rings = (await db.selectFrom('call_offers').selectAll().where('call_id', 'like', `${p}%`).orderBy('offered_at').execute()).map(
        (r) => ({ call: r.call_id.slice(1), agent: r.agent_id.slice(1), at: r.offered_at.getTime(), answered: r.answered, resolved: r.resolved_at?.getTime() ?? null }),
      );
      return { ivs: [...ivs].sort((x, y) => x.agent.localeCompare(y.agent) || x.from - y.from), rings };
    };
    const one = await rows('q');
    expect(one.ivs).toHaveLength(7);
    expect(one.rings).toEqual([
      { call: 'c0', agent: '2', at: s(5), answered: false, resolved: s(11) },
      { call: 'c1', agent: '1', at: s(10), answered: false, resolved: s(14) },
      { call: 'c1', agent: '1', at: s(15), answered: true, resolved: s(16) },
      { call: 'c2', agent: '2', at: s(17), answered: null, resolved: null },
    ]);
    expect(await rows('b')).toEqual(one);

    // Both agents log out: no interval stays open for the tests after this one.
    await states.recordBatch(['q1', 'b1'].map((agentId) => ({ kind: 'state', change: { agentId, seat: 'seat-08', to: 'logged_out', at: s(30) } })));
    const open = await db.selectFrom('agent_state_intervals').select('agent_id').where('ended_at', 'is', null).where('agent_id', 'in', ['q1', 'b1']).execute();
    expect(open).toEqual([]);
  });

  it('counts an open interval until now and closes stale ones at start except for logged-in agents', async () => {
    await states.recordChange({ agentId: 'y1', seat: 'seat-06', to: 'ready', at: s(0) });
    await states.recordChange({ agentId: 'y2', seat: 'seat-07', to: 'ready', at: s(0) });
    expect((await states.intervals(period.from, period.to, s(50))).filter((i) => i.agentId === 'y1')).toEqual([{ agentId: 'y1', state: 'ready', from: s(0), to: s(50) }]);
    expect(await states.closeOpenExcept(['y1'], s(100))).toBe(1);
    const ivs = await states.intervals(period.from, period.to, s(500));
    expect(ivs.find((i) => i.agentId === 'y2')?.to).toBe(s(100));
    expect(ivs.find((i) => i.agentId === 'y1')?.to).toBe(s(500));
  });

  it('feeds completed QA reviews into QA coverage and ticket-form accuracy', async () => {
    const t1 = await db.selectFrom('tickets').select('id').where('source_call_id', '=', 'c1').executeTakeFirstOrThrow();
    const t3 = await db.selectFrom('tickets').select('id').where('source_call_id', '=', 'c3').executeTakeFirstOrThrow();
    await db
      .insertInto('qa_reviews')
      .values([
        { period: '2026-11', call_id: 'c1', agent_id: 'a1', ticket_id: t1.id, assigned_to: 'qa1', status: 'done', score: '92', passed: true },
        { period: '2026-11', call_id: 'c3', agent_id: 'a2', ticket_id: t3.id, assigned_to: 'qa1', status: 'done', score: '60', passed: false },
        { period: '2026-11', call_id: 'c4', agent_id: 'a1', assigned_to: 'qa1', status: 'pending' },
      ] as never)
      .execute();
    const all = await facts.facts(period.from, period.to, period.to);
    expect(all.qaReviews.map((r) => [r.callId, r.score]).sort()).toEqual([['c1', 92], ['c3', 60]]);
    const cfg = await facts.kpiConfig({}, period.from, period.to);
    expect(kpi.qaCoverage(all.calls, all.qaReviews, cfg, period)).toMatchObject({ numerator: 2, denominator: 3 }); // c1, c3 of 3 answered
    // Tickets count in the period they were accepted in: these were opened when the records were stored, i.e. now.
    const today = { from: Date.now() - 3_600_000, to: Date.now() + 3_600_000 };
    const tickets = await facts.ticketFacts(today.from, today.to);
    expect(kpi.formAccuracyRate(tickets, cfg, today)).toMatchObject({ numerator: 1, denominator: 2 });
  });

  it('counts overdue tickets: past the deadline and not finished', async () => {
    await db.insertInto('tickets').values([
      { state: 'in_progress', deadline_at: new Date(s(10)) },
      { state: 'closed', deadline_at: new Date(s(10)) },
      { state: 'dispatched', deadline_at: new Date(s(10_000)) },
    ]).execute();
    expect(await facts.overdueTicketCount(s(100))).toBe(1);
    const byCat = await facts.ticketsByCategory(0, Date.now() + 3_600_000, s(100)); // created now, judged at s(100)
    const total = byCat.reduce((n, r) => n + r.total, 0);
    expect(byCat.reduce((n, r) => n + r.overdue, 0)).toBe(1);
    expect(byCat.reduce((n, r) => n + r.closed + r.openInTime + r.overdue, 0)).toBe(total);
  });
});

describe('alerts and reports', () => {
  it('raises one open alert per kind and period, reports escalation, and clears it', async () => {
    const alerts = new AlertRepository(db);
    expect((await alerts.raise('k', '2026-11', 'warning', { a: 1 }, s(0))).change).toBe('raised');
    expect((await alerts.raise('k', '2026-11', 'warning', { a: 2 }, s(1))).change).toBe('unchanged');
    expect((await alerts.raise('k', '2026-11', 'critical', { a: 3 }, s(2))).change).toBe('escalated');
    expect(await alerts.listOpen()).toHaveLength(1);
    expect((await alerts.clear('k', '2026-11', s(3)))?.data).toEqual({ a: 3 });
    expect(await alerts.clear('k', '2026-11', s(4))).toBeUndefined();
    expect((await alerts.raise('k', '2026-11', 'warning', {}, s(5))).change).toBe('raised');
  });

  it('replaces a regenerated report of the same kind and period', async () => {
    const reports = new ReportRepository(db);
    await reports.save({ kind: 'daily', from: s(0), to: s(86_400), generatedAt: s(10), html: '<p>1</p>', csv: 'a', summary: { offered: 1 } });
    await reports.save({ kind: 'daily', from: s(0), to: s(86_400), generatedAt: s(20), html: '<p>2</p>', csv: 'b', summary: { offered: 2 } });
    expect(await reports.find('daily', s(0))).toMatchObject({ html: '<p>2</p>', generatedAt: s(20), summary: { offered: 2 } });
    expect(await reports.list('daily', 10)).toHaveLength(1);
    expect(await reports.find('weekly', s(0))).toBeUndefined();
  });
});
