import type { Kysely, Selectable } from 'kysely';
import { CtiError } from '@cti/domain';
import type { Database, HotlineLinesTable } from './db.schema.js';

/** A hotline line merged into 12345 as a sub-line with its own number (docs/domain.md §18). */
export interface HotlineLine {
  /** The dialled number (DID), unique. */
  did: string;
  /** e.g. 12345政务服务便民热线, 12315消费者投诉举报专线. */
  name: string;
  /** Owning department (departments.id), if any. */
  departmentId: string | null;
  /** The line's own greeting sound name (Asterisk sound, without extension), if any. */
  greetingSound: string | null;
  /** The line's answer-rate target; null: the centre's. */
  answerRateTarget: number | null;
  active: boolean;
  updatedAt: number;
  updatedBy: string;
}

/** A new line. */
export interface HotlineLineInput {
  did: string;
  name: string;
  departmentId?: string | null;
  greetingSound?: string | null;
  answerRateTarget?: number | null;
  active?: boolean;
}

/** What an update may change (the DID is the line's identity and is not changed). */
export type HotlineLinePatch = Partial<Omit<HotlineLineInput, 'did'>>;

function present(r: Selectable<HotlineLinesTable>): HotlineLine {
  return {
    did: r.did,
    name: r.name,
    departmentId: r.department_id,
    greetingSound: r.greeting_sound,
    answerRateTarget: r.answer_rate_target === null ? null : Number(r.answer_rate_target),
    active: r.active,
    updatedAt: r.updated_at.getTime(),
    updatedBy: r.updated_by,
  };
}

const pgCode = (err: unknown) => (err as { code?: string }).code;

/** The hotline lines (双号并行): read by the KPI figures, reports and wallboard; written by administrators. */
export class HotlineLineRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every line (active only unless `all`), 12345 first, then by DID. */
  async list(all = true): Promise<HotlineLine[]> {
    let q = this.db.selectFrom('hotline_lines').selectAll();
    if (!all) q = q.where('active', '=', true);
    const rows = await q.orderBy('did').execute();
    return rows.map(present).sort((a, b) => Number(b.did === '12345') - Number(a.did === '12345'));
  }

  /** One line by DID. */
  async find(did: string): Promise<HotlineLine | undefined> {
    const r = await this.db.selectFrom('hotline_lines').selectAll().where('did', '=', did).executeTakeFirst();
    return r && present(r);
  }

  /** Adds a line; CTI_ERR_CONFLICT when the DID is taken, CTI_ERR_VALIDATION for an unknown department. */
  async create(input: HotlineLineInput, actor: string): Promise<HotlineLine> {
    try {
      const r = await this.db
        .insertInto('hotline_lines')
        .values({
          did: input.did,
          name: input.name,
          department_id: input.departmentId ?? null,
          greeting_sound: input.greetingSound ?? null,
          answer_rate_target: input.answerRateTarget ?? null,
          active: input.active ?? true,
          updated_by: actor,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return present(r);
    } catch (err) {
      throw this.mapped(err, input.did, input.departmentId);
    }
  }

  /** Changes a line; CTI_ERR_NOT_FOUND when there is none. */
  async update(did: string, patch: HotlineLinePatch, actor: string): Promise<HotlineLine> {
    const set: Record<string, unknown> = { updated_by: actor, updated_at: new Date() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.departmentId !== undefined) set.department_id = patch.departmentId;
    if (patch.greetingSound !== undefined) set.greeting_sound = patch.greetingSound;
    if (patch.answerRateTarget !== undefined) set.answer_rate_target = patch.answerRateTarget;
    if (patch.active !== undefined) set.active = patch.active;
    try {
      const r = await this.db.updateTable('hotline_lines').set(set).where('did', '=', did).returningAll().executeTakeFirst();
      if (!r) throw new CtiError('CTI_ERR_NOT_FOUND', `no hotline line ${did}`, { did });
      return present(r);
    } catch (err) {
      throw this.mapped(err, did, patch.departmentId);
    }
  }

  private mapped(err: unknown, did: string, departmentId: string | null | undefined): unknown {
    if (pgCode(err) === '23505') return new CtiError('CTI_ERR_CONFLICT', `hotline line ${did} already exists`, { did });
    if (pgCode(err) === '23503') return new CtiError('CTI_ERR_VALIDATION', `no department ${departmentId ?? ''}`, { field: 'departmentId', departmentId });
    if (pgCode(err) === '23514') return new CtiError('CTI_ERR_VALIDATION', `hotline line ${did} breaks a rule of the table`, { did });
    return err;
  }
}
