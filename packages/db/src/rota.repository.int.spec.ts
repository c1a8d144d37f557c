import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SHIFT_CONFIG, assertRotaRules, type RotaAssignment } from '@cti/domain';
import { RotaRepository } from './rota.repository.js';
import { AgentStateRepository } from './agent-state.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_rota', 4);
let rota: RotaRepository;
const rules = (all: RotaAssignment[]) => assertRotaRules(all, DEFAULT_SHIFT_CONFIG);

beforeAll(async () => {
  await testSchema
    .db()
    .insertInto('agents')
    .values([
      { id: 'r01', name: '甲', skills: JSON.stringify({ mandarin: 5 }) },
      { id: 'r02', name: '乙', skills: JSON.stringify({ mandarin: 5, tibetan: 8 }) },
      { id: 'r03', name: '丙', skills: JSON.stringify({ mandarin: 0, tibetan: 9 }) },
    ] as never)
    .execute();
  rota = new RotaRepository(testSchema.db());
});

describe('RotaRepository', () => {
  it('lists agents with the skills they hold (level above 0)', async () => {
    expect(await rota.agents()).toEqual([
      { id: 'r01', name: '甲', skills: ['mandarin'] },
      { id: 'r02', name: '乙', skills: ['mandarin', 'tibetan'] },
      { id: 'r03', name: '丙', skills: ['tibetan'] },
    ]);
  });

  it('replaces a range, checking the rules across its edges with the entries beside it', async () => {
    await rota.replaceRange('2027-01-31', '2027-01-31', [{ agentId: 'r01', date: '2027-01-31', shift: 'late' }], 'lead1', rules);
    // 1 February's night shift starts at 00:00, right after 31 January's late shift: refused, nothing written.
    await expect(rota.replaceRange('2027-02-01', '2027-02-28', [{ agentId: 'r01', date: '2027-02-01', shift: 'night' }], 'lead1', rules)).rejects.toThrow(/只休息 0 小时/);
    expect(await rota.entries('2027-02-01', '2027-02-28')).toEqual([]);
    const r = await rota.replaceRange('2027-02-01', '2027-02-28', [{ agentId: 'r01', date: '2027-02-01', shift: 'late' }, { agentId: 'r02', date: '2027-02-01', shift: 'night' }], 'lead1', rules);
    expect(r).toEqual({ saved: 2, removed: 0 });
    const again = await rota.replaceRange('2027-02-01', '2027-02-28', [{ agentId: 'r02', date: '2027-02-02', shift: 'early' }], 'lead2', rules);
    expect(again).toEqual({ saved: 1, removed: 2 });
    expect((await rota.entries('2027-01-31', '2027-02-28')).map((e) => [e.agentId, e.date, e.shift, e.source, e.updatedBy])).toEqual([
      ['r01', '2027-01-31', 'late', 'plan', 'lead1'],
      ['r02', '2027-02-02', 'early', 'plan', 'lead2'],
    ]);
  });

  it('refuses an unknown agent and an entry outside the range with a reason', async () => {
    await expect(rota.replaceRange('2027-03-01', '2027-03-31', [{ agentId: 'nobody', date: '2027-03-01', shift: 'early' }], 'lead1', rules)).rejects.toThrow(/unknown agent nobody/);
    await expect(rota.replaceRange('2027-03-01', '2027-03-31', [{ agentId: 'r01', date: '2027-04-01', shift: 'early' }], 'lead1', rules)).rejects.toThrow(/outside/);
  });

  it('applies an approved exchange of shifts, refuses one that breaks the rest rule, and a stale one with 409', async () => {
    await rota.replaceRange('2027-04-01', '2027-04-30', [
      { agentId: 'r01', date: '2027-04-05', shift: 'early' },
      { agentId: 'r02', date: '2027-04-06', shift: 'late' },
      { agentId: 'r03', date: '2027-04-05', shift: 'late' },
    ], 'lead1', rules);
    const s = await rota.requestSwap({ agentId: 'r01', date: '2027-04-05', withAgentId: 'r02', withDate: '2027-04-06', reason: '家中有事' }, 'r01');
    expect(s).toMatchObject({ status: 'requested', shift: 'early', withShift: 'late', withDate: '2027-04-06', requestedBy: 'r01' });
    const done = await rota.decideSwap(s.id, true, 'lead1', '同意', rules);
    expect(done).toMatchObject({ status: 'approved', decidedBy: 'lead1', decisionNote: '同意' });
    expect((await rota.entries('2027-04-05', '2027-04-06')).map((e) => [e.agentId, e.date, e.shift, e.source])).toEqual([
      ['r02', '2027-04-05', 'early', 'swap'],
      ['r03', '2027-04-05', 'late', 'plan'],
      ['r01', '2027-04-06', 'late', 'swap'],
    ]);
    await expect(rota.decideSwap(s.id, true, 'lead1', null, rules)).rejects.toThrow(/already approved/);

    // r03 works late on the 5th; taking r02's early shift on the 6th would leave 8 h rest.
    const take = await rota.requestSwap({ agentId: 'r01', date: '2027-04-06', withAgentId: 'r03', withDate: null, reason: '请假' }, 'lead1');
    await rota.replaceRange('2027-04-06', '2027-04-06', [{ agentId: 'r01', date: '2027-04-06', shift: 'early' }], 'lead1', rules);
    await expect(rota.decideSwap(take.id, true, 'lead1', null, rules)).rejects.toThrow(/changed since/);
    const take2 = await rota.requestSwap({ agentId: 'r01', date: '2027-04-06', withAgentId: 'r03', withDate: null, reason: '请假' }, 'lead1');
    await expect(rota.decideSwap(take2.id, true, 'lead1', null, rules)).rejects.toThrow(/只休息 8 小时/);
    expect((await rota.decideSwap(take2.id, false, 'lead1', '休息不足', rules)).status).toBe('rejected');
    expect((await rota.swaps('requested', 10)).map((x) => x.id)).toEqual([take.id]);
    await expect(rota.requestSwap({ agentId: 'r02', date: '2027-04-20', withAgentId: 'r01', withDate: null, reason: 'x' }, 'r02')).rejects.toThrow(/no shift/);
  });

  it('reads state spans overlapping a period (an open one included)', async () => {
    const states = new AgentStateRepository(testSchema.db());
    const t = Date.parse('2027-04-05T08:00:00+08:00');
    await states.recordChange({ agentId: 'r01', seat: 'seat-01', to: 'ready', at: t - 600_000 });
    await states.recordChange({ agentId: 'r01', seat: 'seat-01', to: 'paused', at: t + 3_600_000 });
    const spans = await rota.stateSpans(['r01', 'r02'], t, t + 8 * 3_600_000);
    expect(spans.get('r01')).toEqual([
      { state: 'ready', from: t - 600_000, to: t + 3_600_000 },
      { state: 'paused', from: t + 3_600_000, to: null },
    ]);
    expect(spans.has('r02')).toBe(false);
  });

  it('keeps handovers: open matters carry into the next draft; the incoming lead acknowledges once', async () => {
    expect(await rota.draft()).toEqual([]);
    const h = await rota.writeHandover({ date: '2027-04-05', shift: 'early', items: [{ text: ' 炉城镇停水工单待回访 ', open: true }, { text: '已处理', open: false }], note: null }, 'lead1');
    expect(h).toMatchObject({ writtenBy: 'lead1', items: [{ text: '炉城镇停水工单待回访', open: true }, { text: '已处理', open: false }], acknowledgedBy: null });
    expect(await rota.draft()).toEqual([{ text: '炉城镇停水工单待回访', open: true }]);
    await expect(rota.acknowledgeHandover(h.id, 'lead1')).rejects.toThrow(/incoming/);
    expect(await rota.acknowledgeHandover(h.id, 'lead2')).toMatchObject({ acknowledgedBy: 'lead2' });
    await expect(rota.acknowledgeHandover(h.id, 'lead3')).rejects.toThrow(/already/);
    expect((await rota.handovers(5)).map((x) => x.id)).toEqual([h.id]);
  });
});
