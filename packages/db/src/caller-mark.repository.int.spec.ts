import { beforeAll, describe, expect, it } from 'vitest';
import { kpi } from '@cti/domain';
import { CallerMarkRepository } from './caller-mark.repository.js';
import { KpiRepository } from './kpi.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_marks', 3);
let marks: CallerMarkRepository;
const t0 = Date.parse('2027-01-04T10:00:00+08:00');
const DAY = 86_400_000;

async function call(linkedId: string, number: string, queuedAt: number, outcome: 'answered' | 'abandoned'): Promise<void> {
  await testSchema
    .db()
    .insertInto('calls')
    .values({ linked_id: linkedId, trunk: 'primary', caller_number: number, did: '12345', language: 'mandarin', arrived_at: new Date(queuedAt), queued_at: new Date(queuedAt), answered_at: outcome === 'answered' ? new Date(queuedAt + 5_000) : null, ended_at: new Date(queuedAt + 60_000), agent_id: outcome === 'answered' ? 'a01' : null, outcome, ended_by: 'caller' } as never)
    .execute();
}

beforeAll(() => {
  marks = new CallerMarkRepository(testSchema.db());
});

describe('CallerMarkRepository', () => {
  it('flags, counts further flags, approves with an expiry and police referral, refuses a second mark, and keeps every step', async () => {
    const m = await marks.flag({ number: '+86 139-0000-1111', kind: 'nuisance', reason: '反复来电无诉求', callId: 'c1' }, 'a01', t0);
    expect(m).toMatchObject({ number: '13900001111', status: 'pending', flags: 1, flaggedBy: 'a01', flaggedCallId: 'c1' });
    expect(await marks.flag({ number: '13900001111', kind: 'malicious', reason: '辱骂坐席', callId: 'c2' }, 'a02', t0 + 1000)).toMatchObject({ id: m.id, flags: 2, kind: 'malicious' });
    await expect(marks.decide(m.id, { approve: true, reason: '查实', expiresAt: t0 + 60_000, policeReferral: false, policeNote: null }, 'lead1', t0)).rejects.toThrow(/at least an hour/);
    const a = await marks.decide(m.id, { approve: true, reason: '多次辱骂，已查实', expiresAt: t0 + 30 * DAY, policeReferral: true, policeNote: '康定市公安局 110 指挥中心' }, 'lead1', t0 + 2000);
    expect(a).toMatchObject({ status: 'active', decidedBy: 'lead1', expiresAt: t0 + 30 * DAY, policeReferral: true });
    await expect(marks.flag({ number: '13900001111', kind: 'nuisance', reason: '又来了', callId: null }, 'a03', t0 + 3000)).rejects.toThrow(/already marked/);
    await expect(marks.decide(m.id, { approve: false, reason: 'x', expiresAt: null, policeReferral: false, policeNote: null }, 'lead2', t0)).rejects.toThrow(/cannot be decided/);
    expect((await marks.active(t0 + 5000)).map((x) => x.number)).toEqual(['13900001111']);
    expect((await marks.history(m.id)).map((e) => [e.action, e.actor])).toEqual([['flag', 'a01'], ['flag', 'a02'], ['approve', 'lead1']]);
    expect((await marks.history(m.id))[2]!.note).toContain('已移交公安');
  });

  it('expires a mark past its date (a new flag starts a new mark) and lifts one early', async () => {
    const m = await marks.flag({ number: '13900002222', kind: 'nuisance', reason: '骚扰', callId: null }, 'a01', t0);
    await marks.decide(m.id, { approve: true, reason: '查实', expiresAt: t0 + 2 * 3_600_000, policeReferral: false, policeNote: null }, 'lead1', t0);
    const again = await marks.flag({ number: '13900002222', kind: 'nuisance', reason: '过期后又来', callId: null }, 'a01', t0 + 3 * 3_600_000);
    expect(again.id).not.toBe(m.id);
    expect((await marks.find(m.id))?.status).toBe('expired');
    expect((await marks.history(m.id)).map((e) => e.action)).toEqual(['flag', 'approve', 'expire']);
    await marks.decide(again.id, { approve: true, reason: '再次查实', expiresAt: t0 + 5 * DAY, policeReferral: false, policeNote: null }, 'lead1', t0 + 4 * 3_600_000);
    expect(await marks.lift(again.id, '误标', 'lead2', t0 + DAY)).toMatchObject({ status: 'lifted', liftedBy: 'lead2', liftReason: '误标' });
    expect((await marks.active(t0 + DAY + 1)).map((x) => x.number)).not.toContain('13900002222');
    await expect(marks.lift(again.id, '再解除', 'lead2', t0 + DAY)).rejects.toThrow(/cannot be lifted/);
  });

  it('leaves a marked caller’s calls out of the answer rate only when configured, in SQL exactly as the KPI engine does', async () => {
    // 13900001111 is marked from t0 + 2 s for 30 days; 13900002222 from t0 + 4 h until lifted at t0 + 1 day.
    await call('k1', '13900001111', t0 + 3_600_000, 'abandoned'); // marked
    await call('k2', '13900001111', t0 - 3_600_000, 'abandoned'); // before the approval: not marked
    await call('k3', '13900002222', t0 + 5 * 3_600_000, 'abandoned'); // marked (before the lift)
    await call('k4', '13900002222', t0 + 2 * DAY, 'answered'); // after the lift: not marked
    await call('k5', '13700000000', t0 + 3_600_000, 'answered');
    const facts = new KpiRepository(testSchema.db());
    const period = { from: t0 - DAY, to: t0 + 3 * DAY };
    const calls = await facts.callFacts(period.from, period.to);
    expect(calls.filter((c) => c.markedCaller).map((c) => c.callId).sort()).toEqual(['k1', 'k3']);
    for (const excludeMarkedCallers of [false, true]) {
      const cfg = kpi.createKpiConfig({ excludeMarkedCallers });
      const { answeredWithin: _w, ...sqlCounts } = await facts.answerRateCounts(period.from, period.to, cfg);
      expect(sqlCounts).toEqual(kpi.answerRateCounts(calls, cfg, period));
      expect(sqlCounts.excludedMarkedCaller).toBe(excludeMarkedCallers ? 2 : 0);
      expect(sqlCounts.abandoned).toBe(excludeMarkedCallers ? 1 : 3);
    }
  });
});
