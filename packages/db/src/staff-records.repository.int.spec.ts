import { beforeAll, describe, expect, it } from 'vitest';
import { staffKpis } from '@cti/domain';
import { StaffRecordsRepository } from './staff-records.repository.js';
import { useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_staff_records', 3);
let repo: StaffRecordsRepository;

beforeAll(() => {
  repo = new StaffRecordsRepository(testSchema.db());
});

describe('StaffRecordsRepository', () => {
  it('keeps people, trainings, exams and recruitment, and gives the month’s KPI facts as they stood that month', async () => {
    const people = [];
    for (let i = 0; i < 4; i++) people.push(await repo.addMember({ name: `坐席${i + 1}`, post: 'agent', staffId: null, joinedOn: '2026-01-05' }, 'mgr'));
    const late = await repo.addMember({ name: '新人', post: 'agent', staffId: null, joinedOn: '2026-03-20' }, 'mgr');
    const [p1, p2, p3, p4] = people as [typeof late, typeof late, typeof late, typeof late];
    // p4 leaves in March; p3's leaving is recorded for April (does not count in March).
    expect(await repo.updateMember(p4.id, { leftOn: '2026-03-12', leaveReason: '个人原因' }, 'mgr')).toMatchObject({ leftOn: '2026-03-12', leaveReason: '个人原因' });
    await repo.updateMember(p3.id, { leftOn: '2026-04-02' }, 'mgr');
    await expect(repo.updateMember(p4.id, { leftOn: '2026-03-20' }, 'mgr')).rejects.toThrow(/already left/);
    await expect(repo.updateMember(late.id, { leftOn: '2026-03-01' }, 'mgr')).rejects.toThrow(/before joining/);
    await expect(repo.updateMember('999999', { name: 'x' }, 'mgr')).rejects.toMatchObject({ code: 'CTI_ERR_NOT_FOUND' });

    const t = await repo.addTraining({ heldOn: '2026-03-03', topic: '医保政策更新', hours: 2, trainer: '王老师', attendeeIds: [p1.id, p2.id, p1.id] }, 'lead');
    expect(t.attendeeIds).toEqual([p1.id, p2.id].sort());
    await repo.addTraining({ heldOn: '2026-03-25', topic: '藏汉双语服务用语', hours: 1.5, trainer: null, attendeeIds: [late.id, p3.id] }, 'lead');
    // Someone not yet on the staff cannot have attended.
    await expect(repo.addTraining({ heldOn: '2026-03-03', topic: '无效', hours: 1, trainer: null, attendeeIds: [late.id] }, 'lead')).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION', details: { memberIds: [late.id] } });
    expect((await repo.listTrainings('2026-03-01', '2026-03-31')).map((x) => x.topic)).toEqual(['藏汉双语服务用语', '医保政策更新']);

    await repo.addExam({ heldOn: '2026-03-28', topic: '三月业务考试', passMark: 80, scores: [{ memberId: p1.id, score: 92 }, { memberId: p2.id, score: 79.5 }, { memberId: late.id, score: 80 }] }, 'lead');
    await expect(repo.addExam({ heldOn: '2026-03-28', topic: '重复', passMark: 80, scores: [{ memberId: p1.id, score: 90 }, { memberId: p1.id, score: 91 }] }, 'lead')).rejects.toThrow(/sits an exam once/);
    await expect(repo.addExam({ heldOn: '2026-03-28', topic: '已离职', passMark: 80, scores: [{ memberId: p4.id, score: 90 }] }, 'lead')).rejects.toThrow(/not on the staff/);
    expect((await repo.listExams('2026-03-01', '2026-03-31'))[0]!.scores).toHaveLength(3);

    const r1 = await repo.openRecruitment({ post: 'agent', positions: 2, reason: '补充夜班', openedOn: '2026-02-25' }, 'mgr');
    const r2 = await repo.openRecruitment({ post: 'agent', positions: 1, reason: '双语坐席', openedOn: '2026-03-10' }, 'mgr');
    expect(await repo.fillRecruitment(r1.id, '2026-03-18', 'mgr')).toMatchObject({ filledOn: '2026-03-18', filledBy: 'mgr' });
    await expect(repo.fillRecruitment(r1.id, '2026-03-19', 'mgr')).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    await expect(repo.fillRecruitment(r2.id, '2026-03-01', 'mgr')).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    await repo.fillRecruitment(r2.id, '2026-04-20', 'mgr');
    expect((await repo.listRecruitments(true))).toEqual([]);

    const facts = await repo.facts('2026-03', '2026-04-30');
    // r2 was filled in April: as March stood it was open (not yet a month old, so not judged).
    expect(facts.recruitments.find((r) => r.id === r2.id)!.filledOn).toBeNull();
    expect(facts.members.find((m) => m.id === p3.id)!.leftOn).toBeNull();
    const k = Object.fromEntries(staffKpis(facts, '2026-03', '2026-04-30').map((r) => [r.key, r]));
    // On staff 31 March: p1, p2, p3, late (4); trained: p1, p2, late, p3 → 4/4.
    expect(k.training_coverage).toMatchObject({ numerator: 4, denominator: 4, pass: true });
    expect(k.exam_pass_rate).toMatchObject({ numerator: 2, denominator: 3, pass: false });
    // One leaver (p4); 1 March: p1–p4 (4), 31 March: p1, p2, p3, late (4).
    expect(k.monthly_turnover).toMatchObject({ numerator: 1, denominator: 4, value: 0.25, pass: false });
    expect(k.recruitment_cycle).toMatchObject({ numerator: 1, denominator: 1, value: 21, pass: true });
    expect(k.training_count).toMatchObject({ value: 2, pass: true });
  });

  it('refuses a staff account that does not exist', async () => {
    await expect(repo.addMember({ name: '某人', post: 'lead', staffId: '987654', joinedOn: '2026-01-01' }, 'mgr')).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION', details: { field: 'staffId' } });
  });
});
