import type { Kysely, Transaction } from 'kysely';
import { CtiError, employedOn, monthDays, type StaffFacts } from '@cti/domain';
import type { Database } from './db.schema.js';

// Staff records (人员档案) for the contract's staff KPIs (docs/domain.md §19): people with the days they joined and
// left, trainings, exams, recruitment requests. Days are Beijing calendar days 'YYYY-MM-DD'.

export const STAFF_POSTS = ['agent', 'lead', 'qa', 'callback', 'other'] as const;
export type StaffPost = (typeof STAFF_POSTS)[number];

export interface StaffMember {
  id: string;
  name: string;
  post: StaffPost;
  staffId: string | null;
  joinedOn: string;
  leftOn: string | null;
  leaveReason: string | null;
}

export interface Training {
  id: string;
  heldOn: string;
  topic: string;
  hours: number;
  trainer: string | null;
  attendeeIds: string[];
  createdBy: string;
}

export interface Exam {
  id: string;
  heldOn: string;
  topic: string;
  passMark: number;
  scores: Array<{ memberId: string; score: number }>;
  createdBy: string;
}

export interface RecruitmentRequest {
  id: string;
  post: StaffPost;
  positions: number;
  reason: string;
  openedOn: string;
  filledOn: string | null;
  createdBy: string;
  filledBy: string | null;
}

/**
 * A `date` column as 'YYYY-MM-DD'. node-postgres reads a date as local midnight, so the local calendar fields are the
 * stored day whatever the process's time zone.
 */
function day(v: string | Date): string {
  if (typeof v === 'string') return v.slice(0, 10);
  return `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`;
}
const dayOrNull = (v: string | Date | null) => (v === null ? null : day(v));
/** A leaving or filling day as the records stood on `end`: one recorded for a later day is not there yet. */
const asStood = (v: string | Date | null, end: string) => {
  const d = dayOrNull(v);
  return d !== null && d <= end ? d : null;
};

const isFk = (err: unknown) => (err as { code?: string }).code === '23503';
const isUnique = (err: unknown) => (err as { code?: string }).code === '23505';
const isCheck = (err: unknown) => (err as { code?: string }).code === '23514';

export class StaffRecordsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async listMembers(opts: { includeLeft: boolean }): Promise<StaffMember[]> {
    let q = this.db.selectFrom('staff_members').selectAll().orderBy('joined_on').orderBy('id');
    if (!opts.includeLeft) q = q.where('left_on', 'is', null);
    return (await q.execute()).map(member);
  }

  async addMember(m: { name: string; post: StaffPost; staffId: string | null; joinedOn: string }, actor: string): Promise<StaffMember> {
    try {
      const row = await this.db
        .insertInto('staff_members')
        .values({ name: m.name, post: m.post, staff_id: m.staffId, joined_on: m.joinedOn, created_by: actor })
        .returningAll()
        .executeTakeFirstOrThrow();
      return member(row);
    } catch (err) {
      if (isFk(err)) throw new CtiError('CTI_ERR_VALIDATION', `no staff account ${m.staffId}`, { field: 'staffId', staffId: m.staffId });
      if (isUnique(err)) throw new CtiError('CTI_ERR_CONFLICT', `staff account ${m.staffId} already belongs to a person on the records`, { staffId: m.staffId });
      throw err;
    }
  }

  /** Changes a person's name or post, or records their leaving (last day and reason); a leaving is not undone here. */
  async updateMember(id: string, patch: { name?: string; post?: StaffPost; leftOn?: string; leaveReason?: string }, actor: string): Promise<StaffMember> {
    const current = await this.db.selectFrom('staff_members').selectAll().where('id', '=', id).executeTakeFirst();
    if (!current) throw new CtiError('CTI_ERR_NOT_FOUND', `no person ${id} on the staff records`, { memberId: id });
    if (patch.leftOn !== undefined) {
      if (current.left_on !== null) throw new CtiError('CTI_ERR_CONFLICT', `${current.name} already left on ${day(current.left_on)}`, { memberId: id, leftOn: day(current.left_on) });
      if (patch.leftOn < day(current.joined_on)) throw new CtiError('CTI_ERR_VALIDATION', `last day ${patch.leftOn} is before joining on ${day(current.joined_on)}`, { field: 'leftOn', joinedOn: day(current.joined_on) });
    }
    const row = await this.db
      .updateTable('staff_members')
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.post !== undefined && { post: patch.post }),
        ...(patch.leftOn !== undefined && { left_on: patch.leftOn, leave_reason: patch.leaveReason ?? null }),
        updated_by: actor,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return member(row);
  }

  async listTrainings(from: string, to: string): Promise<Training[]> {
    const rows = await this.db.selectFrom('trainings').selectAll().where('held_on', '>=', from).where('held_on', '<=', to).orderBy('held_on', 'desc').orderBy('id', 'desc').execute();
    const attendees = rows.length
      ? await this.db.selectFrom('training_attendees').select(['training_id', 'member_id']).where('training_id', 'in', rows.map((r) => r.id)).orderBy('member_id').execute()
      : [];
    return rows.map((r) => ({
      id: r.id, heldOn: day(r.held_on), topic: r.topic, hours: Number(r.hours), trainer: r.trainer, createdBy: r.created_by,
      attendeeIds: attendees.filter((a) => a.training_id === r.id).map((a) => a.member_id),
    }));
  }

  /** Records a training; every attendee must be on the staff that day. */
  async addTraining(t: { heldOn: string; topic: string; hours: number; trainer: string | null; attendeeIds: string[] }, actor: string): Promise<Training> {
    return this.db.transaction().execute(async (tx) => {
      await assertOnStaff(tx, t.attendeeIds, t.heldOn, 'attendeeIds');
      const row = await tx.insertInto('trainings').values({ held_on: t.heldOn, topic: t.topic, hours: t.hours, trainer: t.trainer, created_by: actor }).returningAll().executeTakeFirstOrThrow();
      const ids = [...new Set(t.attendeeIds)];
      if (ids.length) await tx.insertInto('training_attendees').values(ids.map((m) => ({ training_id: row.id, member_id: m }))).execute();
      return { id: row.id, heldOn: day(row.held_on), topic: row.topic, hours: Number(row.hours), trainer: row.trainer, attendeeIds: ids.sort(), createdBy: actor };
    });
  }

  async listExams(from: string, to: string): Promise<Exam[]> {
    const rows = await this.db.selectFrom('exams').selectAll().where('held_on', '>=', from).where('held_on', '<=', to).orderBy('held_on', 'desc').orderBy('id', 'desc').execute();
    const scores = rows.length ? await this.db.selectFrom('exam_scores').selectAll().where('exam_id', 'in', rows.map((r) => r.id)).orderBy('member_id').execute() : [];
    return rows.map((r) => ({
      id: r.id, heldOn: day(r.held_on), topic: r.topic, passMark: Number(r.pass_mark), createdBy: r.created_by,
      scores: scores.filter((s) => s.exam_id === r.id).map((s) => ({ memberId: s.member_id, score: Number(s.score) })),
    }));
  }

  /** Records an exam with each sitting's score; every person must be on the staff that day and sit once. */
  async addExam(e: { heldOn: string; topic: string; passMark: number; scores: Array<{ memberId: string; score: number }> }, actor: string): Promise<Exam> {
    const ids = e.scores.map((s) => s.memberId);
    const twice = ids.filter((m, i) => ids.indexOf(m) !== i);
    if (twice.length) throw new CtiError('CTI_ERR_VALIDATION', `a person sits an exam once: ${[...new Set(twice)].join(', ')}`, { field: 'scores', memberIds: [...new Set(twice)] });
    return this.db.transaction().execute(async (tx) => {
      await assertOnStaff(tx, ids, e.heldOn, 'scores');
      const row = await tx.insertInto('exams').values({ held_on: e.heldOn, topic: e.topic, pass_mark: e.passMark, created_by: actor }).returningAll().executeTakeFirstOrThrow();
      if (e.scores.length) await tx.insertInto('exam_scores').values(e.scores.map((s) => ({ exam_id: row.id, member_id: s.memberId, score: s.score }))).execute();
      return { id: row.id, heldOn: day(row.held_on), topic: row.topic, passMark: Number(row.pass_mark), scores: [...e.scores].sort((a, b) => a.memberId.localeCompare(b.memberId)), createdBy: actor };
    });
  }

  async listRecruitments(open?: boolean): Promise<RecruitmentRequest[]> {
    let q = this.db.selectFrom('recruitment_requests').selectAll().orderBy('opened_on', 'desc').orderBy('id', 'desc');
    if (open !== undefined) q = q.where('filled_on', open ? 'is' : 'is not', null);
    return (await q.execute()).map(recruitment);
  }

  async openRecruitment(r: { post: StaffPost; positions: number; reason: string; openedOn: string }, actor: string): Promise<RecruitmentRequest> {
    const row = await this.db
      .insertInto('recruitment_requests')
      .values({ post: r.post, positions: r.positions, reason: r.reason, opened_on: r.openedOn, created_by: actor })
      .returningAll()
      .executeTakeFirstOrThrow();
    return recruitment(row);
  }

  /** Marks a request filled on a day (once; not before it was opened). */
  async fillRecruitment(id: string, filledOn: string, actor: string): Promise<RecruitmentRequest> {
    try {
      const row = await this.db
        .updateTable('recruitment_requests')
        .set({ filled_on: filledOn, filled_by: actor })
        .where('id', '=', id)
        .where('filled_on', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (row) return recruitment(row);
    } catch (err) {
      if (isCheck(err)) throw new CtiError('CTI_ERR_VALIDATION', `filled on ${filledOn} is before the request was opened`, { field: 'filledOn', requestId: id });
      throw err;
    }
    const current = await this.db.selectFrom('recruitment_requests').select(['filled_on']).where('id', '=', id).executeTakeFirst();
    if (!current) throw new CtiError('CTI_ERR_NOT_FOUND', `no recruitment request ${id}`, { requestId: id });
    throw new CtiError('CTI_ERR_CONFLICT', `recruitment request ${id} was already filled on ${dayOrNull(current.filled_on)}`, { requestId: id, filledOn: dayOrNull(current.filled_on) });
  }

  /**
   * The facts of a month for the staff KPIs, as the records stood on `asOf` (a leaving or a filling recorded for a
   * later day does not count yet).
   */
  async facts(month: string, asOf: string): Promise<StaffFacts> {
    const { first, last } = monthDays(month);
    const end = asOf < last ? asOf : last;
    const [members, trainings, attendees, sittings, recruitments] = await Promise.all([
      this.db.selectFrom('staff_members').select(['id', 'joined_on', 'left_on']).where('joined_on', '<=', end).where((eb) => eb.or([eb('left_on', 'is', null), eb('left_on', '>=', first)])).execute(),
      this.db.selectFrom('trainings').select(['id', 'held_on']).where('held_on', '>=', first).where('held_on', '<=', end).execute(),
      this.db
        .selectFrom('training_attendees')
        .innerJoin('trainings', 'trainings.id', 'training_attendees.training_id')
        .select(['training_attendees.training_id', 'training_attendees.member_id'])
        .where('trainings.held_on', '>=', first)
        .where('trainings.held_on', '<=', end)
        .execute(),
      this.db
        .selectFrom('exam_scores')
        .innerJoin('exams', 'exams.id', 'exam_scores.exam_id')
        .select(['exams.id as exam_id', 'exams.held_on', 'exams.pass_mark', 'exam_scores.member_id', 'exam_scores.score'])
        .where('exams.held_on', '>=', first)
        .where('exams.held_on', '<=', end)
        .execute(),
      this.db
        .selectFrom('recruitment_requests')
        .select(['id', 'opened_on', 'filled_on'])
        .where('opened_on', '<=', end)
        .where((eb) => eb.or([eb('filled_on', 'is', null), eb('filled_on', '>=', first)]))
        .execute(),
    ]);
    return {
      members: members.map((m) => ({ id: m.id, joinedOn: day(m.joined_on), leftOn: asStood(m.left_on, end) })),
      trainings: trainings.map((t) => ({ id: t.id, heldOn: day(t.held_on), attendeeIds: attendees.filter((a) => a.training_id === t.id).map((a) => a.member_id) })),
      sittings: sittings.map((s) => ({ examId: s.exam_id, heldOn: day(s.held_on), memberId: s.member_id, score: Number(s.score), passMark: Number(s.pass_mark) })),
      recruitments: recruitments.map((r) => ({ id: r.id, openedOn: day(r.opened_on), filledOn: asStood(r.filled_on, end) })),
    };
  }
}

/** Throws a 400 naming everyone who is not on the records or not on the staff on `day`. */
async function assertOnStaff(tx: Transaction<Database>, ids: readonly string[], onDay: string, field: string): Promise<void> {
  const unique = [...new Set(ids)];
  if (!unique.length) return;
  const rows = await tx.selectFrom('staff_members').select(['id', 'joined_on', 'left_on']).where('id', 'in', unique).execute();
  const ok = new Set(rows.filter((r) => employedOn({ id: r.id, joinedOn: day(r.joined_on), leftOn: dayOrNull(r.left_on) }, onDay)).map((r) => r.id));
  const bad = unique.filter((m) => !ok.has(m));
  if (bad.length) throw new CtiError('CTI_ERR_VALIDATION', `not on the staff on ${onDay}: ${bad.join(', ')}`, { field, memberIds: bad, day: onDay });
}

function member(r: { id: string; name: string; post: StaffPost; staff_id: string | null; joined_on: string | Date; left_on: string | Date | null; leave_reason: string | null }): StaffMember {
  return { id: r.id, name: r.name, post: r.post, staffId: r.staff_id, joinedOn: day(r.joined_on), leftOn: dayOrNull(r.left_on), leaveReason: r.leave_reason };
}

function recruitment(r: { id: string; post: StaffPost; positions: number; reason: string; opened_on: string | Date; filled_on: string | Date | null; created_by: string; filled_by: string | null }): RecruitmentRequest {
  return { id: r.id, post: r.post, positions: r.positions, reason: r.reason, openedOn: day(r.opened_on), filledOn: dayOrNull(r.filled_on), createdBy: r.created_by, filledBy: r.filled_by };
}
