import { beforeAll, describe, expect, it } from 'vitest';
import { CtiError, kpi } from '@cti/domain';
import { HotlineLineRepository } from './hotline-line.repository.js';
import { KpiRepository } from './kpi.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_lines', 3);
let lines: HotlineLineRepository;
const t0 = Date.parse('2027-02-01T10:00:00+08:00');

async function call(linkedId: string, did: string, queuedAt: number, outcome: 'answered' | 'abandoned'): Promise<void> {
  await testSchema
    .db()
    .insertInto('calls')
    .values({ linked_id: linkedId, trunk: 'primary', caller_number: '13900000000', did, language: 'mandarin', arrived_at: new Date(queuedAt), queued_at: new Date(queuedAt), answered_at: outcome === 'answered' ? new Date(queuedAt + 5_000) : null, ended_at: new Date(queuedAt + 60_000), agent_id: outcome === 'answered' ? 'a01' : null, outcome, ended_by: 'caller' } as never)
    .execute();
}

beforeAll(async () => {
  lines = new HotlineLineRepository(testSchema.db());
  await testSchema.db().insertInto('departments').values({ id: 'scjg', name: '州市场监督管理局' }).execute();
});

describe('HotlineLineRepository', () => {
  it('starts with 12345 (the migration’s own line) at the centre’s target', async () => {
    expect(await lines.list()).toEqual([expect.objectContaining({ did: '12345', name: '12345政务服务便民热线', departmentId: null, greetingSound: null, answerRateTarget: null, active: true })]);
  });

  it('creates a merged line with its department, greeting and target; lists 12345 first; refuses a taken DID and an unknown department', async () => {
    const l = await lines.create({ did: '12315', name: '12315消费者投诉举报专线', departmentId: 'scjg', greetingSound: 'cti/greeting-12315', answerRateTarget: 0.95 }, 'admin01');
    expect(l).toMatchObject({ did: '12315', departmentId: 'scjg', greetingSound: 'cti/greeting-12315', answerRateTarget: 0.95, active: true, updatedBy: 'admin01' });
    await lines.create({ did: '12319', name: '12319城建服务热线' }, 'admin01');
    expect((await lines.list()).map((x) => x.did)).toEqual(['12345', '12315', '12319']);
    const dup = await lines.create({ did: '12315', name: '重复' }, 'admin01').catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(CtiError);
    expect((dup as CtiError).code).toBe('CTI_ERR_CONFLICT');
    const badDept = await lines.create({ did: '12366', name: '12366', departmentId: 'nope' }, 'admin01').catch((e: unknown) => e);
    expect((badDept as CtiError).code).toBe('CTI_ERR_VALIDATION');
    expect(await lines.find('12366')).toBeUndefined();
  });

  it('updates name, target (back to the centre’s with null) and active; inactive lines drop out of the active list; unknown DID is not found', async () => {
    const u = await lines.update('12319', { name: '12319住房城乡建设服务热线', answerRateTarget: 0.9, active: false }, 'admin02');
    expect(u).toMatchObject({ name: '12319住房城乡建设服务热线', answerRateTarget: 0.9, active: false, updatedBy: 'admin02' });
    expect((await lines.update('12319', { answerRateTarget: null }, 'admin02')).answerRateTarget).toBeNull();
    expect((await lines.list(false)).map((x) => x.did)).toEqual(['12345', '12315']);
    const missing = await lines.update('99999', { name: 'x' }, 'admin02').catch((e: unknown) => e);
    expect((missing as CtiError).code).toBe('CTI_ERR_NOT_FOUND');
    const badTarget = await lines.update('12315', { answerRateTarget: 1.5 }, 'admin02').catch((e: unknown) => e);
    expect((badTarget as CtiError).code).toBe('CTI_ERR_VALIDATION');
  });

  it('gives the KPI engine each stored call’s DID, so each line counts its own calls', async () => {
    await call('l1', '12345', t0, 'answered');
    await call('l2', '12345', t0 + 1_000, 'abandoned');
    await call('l3', '12315', t0 + 2_000, 'answered');
    await call('l4', '12315', t0 + 3_000, 'answered');
    const facts = (await new KpiRepository(testSchema.db()).callFactsStored(t0 - 1, t0 + 86_400_000)).map((r) => r.fact);
    const info = await new KpiRepository(testSchema.db()).hotlineLines();
    expect(info).toEqual((await lines.list(false)).map((l) => ({ did: l.did, name: l.name, answerRateTarget: l.answerRateTarget })));
    const r = kpi.callKpisByLine(facts, kpi.createKpiConfig(), { from: t0 - 1, to: t0 + 86_400_000 }, info);
    expect(r.lines.map((l) => [l.line, l.offered, l.answered, l.answerRate.target])).toEqual([['12345', 2, 1, 0.98], ['12315', 2, 2, 0.95]]);
    expect(r.centre).toMatchObject({ offered: 4, answered: 3 });
  });
});
