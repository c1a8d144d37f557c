import type { Kysely } from 'kysely';
import { CtiError } from '@cti/domain';
import type { Database } from './db.schema.js';

export type InspectionReportKind = 'inspection' | 'weekly' | 'quarterly' | 'annual';

/** A stored daily inspection or periodic operations report. */
export interface StoredInspectionReport {
  id: string;
  kind: InspectionReportKind;
  from: number;
  to: number;
  trigger: 'schedule' | 'manual';
  overall: 'pass' | 'warn' | 'fail';
  generatedAt: number;
  report: Record<string, unknown>;
  text: string;
  html: string;
}

export type InspectionReportHeader = Omit<StoredInspectionReport, 'report' | 'text' | 'html'>;

/** Inspection and operations reports; every run is kept (an inspection is a record of what was seen then). */
export class InspectionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a report; returns its id. With the key of the job that made it, a second run of that job (its first worker
   * died after storing) stores nothing and gets the first report's id.
   */
  async save(r: Omit<StoredInspectionReport, 'id'>, jobKey?: string): Promise<string> {
    const row = await this.db
      .insertInto('ops_inspection_reports')
      .values({
        kind: r.kind, period_from: new Date(r.from), period_to: new Date(r.to), trigger: r.trigger, overall: r.overall,
        generated_at: new Date(r.generatedAt), report: JSON.stringify(r.report), text: r.text, html: r.html, job_key: jobKey ?? null,
      })
      .onConflict((oc) => oc.column('job_key').where('job_key', 'is not', null).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) return String(row.id);
    return (await this.idOfJob(jobKey as string)) as string;
  }

  /** The id of the report a job stored, or undefined. */
  async idOfJob(jobKey: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('ops_inspection_reports').select('id').where('job_key', '=', jobKey).executeTakeFirst();
    return r ? String(r.id) : undefined;
  }

  async find(id: string): Promise<StoredInspectionReport | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const r = await this.db.selectFrom('ops_inspection_reports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return undefined;
    return {
      id: String(r.id), kind: r.kind, from: new Date(r.period_from).getTime(), to: new Date(r.period_to).getTime(), trigger: r.trigger,
      overall: r.overall, generatedAt: new Date(r.generated_at).getTime(), report: r.report, text: r.text, html: r.html,
    };
  }

  /** The report, or CTI_ERR_NOT_FOUND. */
  async get(id: string): Promise<StoredInspectionReport> {
    const r = await this.find(id);
    if (!r) throw new CtiError('CTI_ERR_NOT_FOUND', `no inspection report ${id}`, { id });
    return r;
  }

  /** Headers of reports of a kind, newest first; `from`/`to` limit by generation time. */
  async list(kind: InspectionReportKind | undefined, limit: number, from?: number, to?: number): Promise<InspectionReportHeader[]> {
    let q = this.db.selectFrom('ops_inspection_reports').select(['id', 'kind', 'period_from', 'period_to', 'trigger', 'overall', 'generated_at']);
    if (kind) q = q.where('kind', '=', kind);
    if (from !== undefined) q = q.where('generated_at', '>=', new Date(from));
    if (to !== undefined) q = q.where('generated_at', '<', new Date(to));
    const rows = await q.orderBy('generated_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: String(r.id), kind: r.kind, from: new Date(r.period_from).getTime(), to: new Date(r.period_to).getTime(), trigger: r.trigger,
      overall: r.overall, generatedAt: new Date(r.generated_at).getTime(),
    }));
  }

  /** Full daily inspections generated in [from, to), oldest first (periodic reports digest them). */
  async inspectionsBetween(from: number, to: number): Promise<StoredInspectionReport[]> {
    const rows = await this.db.selectFrom('ops_inspection_reports').selectAll().where('kind', '=', 'inspection')
      .where('generated_at', '>=', new Date(from)).where('generated_at', '<', new Date(to)).orderBy('generated_at').execute();
    return rows.map((r) => ({
      id: String(r.id), kind: r.kind, from: new Date(r.period_from).getTime(), to: new Date(r.period_to).getTime(), trigger: r.trigger,
      overall: r.overall, generatedAt: new Date(r.generated_at).getTime(), report: r.report, text: r.text, html: r.html,
    }));
  }
}
