import type { Kysely } from 'kysely';
import type { Database } from './db.schema.js';

/** Report periods the worker generates. */
export type ReportKind = 'daily' | 'weekly' | 'monthly';

/** A generated report in both formats. */
export interface StoredReport {
  kind: ReportKind;
  from: number;
  to: number;
  generatedAt: number;
  html: string;
  csv: string;
  summary: Record<string, unknown>;
}

/** Generated reports, one per kind and period start; regenerating replaces it. */
export class ReportRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores (or replaces) a report. */
  async save(r: StoredReport): Promise<void> {
    const values = {
      kind: r.kind, period_from: new Date(r.from), period_to: new Date(r.to), generated_at: new Date(r.generatedAt),
      html: r.html, csv: r.csv, summary: JSON.stringify(r.summary),
    };
    await this.db
      .insertInto('kpi_reports')
      .values(values)
      .onConflict((oc) => oc.columns(['kind', 'period_from']).doUpdateSet({ period_to: values.period_to, generated_at: values.generated_at, html: values.html, csv: values.csv, summary: values.summary }))
      .execute();
  }

  /** The report of this kind starting at `from`, or undefined. */
  async find(kind: ReportKind, from: number): Promise<StoredReport | undefined> {
    const r = await this.db.selectFrom('kpi_reports').selectAll().where('kind', '=', kind).where('period_from', '=', new Date(from)).executeTakeFirst();
    if (!r) return undefined;
    return { kind: r.kind, from: new Date(r.period_from).getTime(), to: new Date(r.period_to).getTime(), generatedAt: r.generated_at.getTime(), html: r.html, csv: r.csv, summary: r.summary };
  }

  /** Stored reports (without bodies), newest period first. */
  async list(kind: ReportKind | undefined, limit: number): Promise<Array<Omit<StoredReport, 'html' | 'csv'>>> {
    let q = this.db.selectFrom('kpi_reports').select(['kind', 'period_from', 'period_to', 'generated_at', 'summary']);
    if (kind) q = q.where('kind', '=', kind);
    const rows = await q.orderBy('period_from', 'desc').limit(limit).execute();
    return rows.map((r) => ({ kind: r.kind, from: new Date(r.period_from).getTime(), to: new Date(r.period_to).getTime(), generatedAt: r.generated_at.getTime(), summary: r.summary }));
  }
}
