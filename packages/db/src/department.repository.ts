import type { Kysely, Selectable } from 'kysely';
import { CtiError } from '@cti/domain';
import type { Database, DepartmentsTable } from './db.schema.js';

/** A handling unit as stored. */
export type DepartmentRow = Selectable<DepartmentsTable>;

/** Handling units (承办单位) a ticket is dispatched to; managers administer them. */
export class DepartmentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** All departments, active first, by id. */
  async list(includeInactive: boolean): Promise<DepartmentRow[]> {
    let q = this.db.selectFrom('departments').selectAll();
    if (!includeInactive) q = q.where('active', '=', true);
    return q.orderBy('id').execute();
  }

  /** One department, or undefined. */
  async findById(id: string): Promise<DepartmentRow | undefined> {
    return this.db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Creates a department; CTI_ERR_CONFLICT when the id exists. */
  async create(d: { id: string; name: string; phone: string | null }): Promise<DepartmentRow> {
    const row = await this.db
      .insertInto('departments')
      .values({ id: d.id, name: d.name, phone: d.phone })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new CtiError('CTI_ERR_CONFLICT', `department ${d.id} exists`, { id: d.id });
    return row;
  }

  /** Changes name, phone or active; CTI_ERR_NOT_FOUND when absent. */
  async update(id: string, patch: { name?: string; phone?: string | null; active?: boolean }): Promise<DepartmentRow> {
    const row = await this.db
      .updateTable('departments')
      .set({ ...patch, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new CtiError('CTI_ERR_NOT_FOUND', `no department ${id}`, { id });
    return row;
  }

  /** Throws CTI_ERR_VALIDATION naming every id that is not an active department. */
  async assertActive(ids: readonly string[], executor: Kysely<Database> = this.db): Promise<void> {
    if (ids.length === 0) return;
    const found = await executor.selectFrom('departments').select('id').where('id', 'in', [...ids]).where('active', '=', true).execute();
    const known = new Set(found.map((r) => r.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new CtiError('CTI_ERR_VALIDATION', `not an active department: ${unknown.join(', ')}`, { unknown });
  }
}
