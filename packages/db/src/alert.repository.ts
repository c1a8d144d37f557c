import type { Kysely } from 'kysely';
import type { Database } from './db.schema.js';

/** A stored KPI alert. */
export interface KpiAlert {
  id: string;
  kind: string;
  /** The period the alert is about, e.g. `2026-11` for a month. */
  period: string;
  severity: 'warning' | 'critical';
  data: Record<string, unknown>;
  raisedAt: number;
  updatedAt: number;
  clearedAt: number | null;
}

/** What raising an alert changed: `raised` (new), `escalated` (severity changed), or `unchanged`. */
export type AlertChange = 'raised' | 'escalated' | 'unchanged';

type Row = { id: string; kind: string; period: string; severity: 'warning' | 'critical'; data: Record<string, unknown>; raised_at: Date; updated_at: Date; cleared_at: Date | null };
const toAlert = (r: Row): KpiAlert => ({
  id: r.id, kind: r.kind, period: r.period, severity: r.severity, data: r.data,
  raisedAt: r.raised_at.getTime(), updatedAt: r.updated_at.getTime(), clearedAt: r.cleared_at === null ? null : r.cleared_at.getTime(),
});

/** KPI alerts: at most one open alert per kind and period, so a monitor re-checking every minute raises it once. */
export class AlertRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Opens the alert, or refreshes the open one's data; reports whether it is new or changed severity. */
  async raise(kind: string, period: string, severity: 'warning' | 'critical', data: Record<string, unknown>, at: number): Promise<{ alert: KpiAlert; change: AlertChange }> {
    return this.db.transaction().execute(async (trx) => {
      const open = await trx.selectFrom('kpi_alerts').selectAll().where('kind', '=', kind).where('period', '=', period).where('cleared_at', 'is', null).forUpdate().executeTakeFirst();
      if (open) {
        const updated = await trx
          .updateTable('kpi_alerts')
          .set({ severity, data: JSON.stringify(data), updated_at: new Date(at) })
          .where('id', '=', open.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return { alert: toAlert(updated), change: open.severity === severity ? 'unchanged' : 'escalated' };
      }
      const inserted = await trx
        .insertInto('kpi_alerts')
        .values({ kind, period, severity, data: JSON.stringify(data), raised_at: new Date(at), updated_at: new Date(at) })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { alert: toAlert(inserted), change: 'raised' };
    });
  }

  /** Clears the open alert of this kind and period; returns it, or undefined when none was open. */
  async clear(kind: string, period: string, at: number): Promise<KpiAlert | undefined> {
    const r = await this.db
      .updateTable('kpi_alerts')
      .set({ cleared_at: new Date(at), updated_at: new Date(at) })
      .where('kind', '=', kind)
      .where('period', '=', period)
      .where('cleared_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return r ? toAlert(r) : undefined;
  }

  /** Open alerts, newest first. */
  async listOpen(): Promise<KpiAlert[]> {
    const rows = await this.db.selectFrom('kpi_alerts').selectAll().where('cleared_at', 'is', null).orderBy('raised_at', 'desc').execute();
    return rows.map(toAlert);
  }

  /** Recent alerts (open or cleared), newest first. */
  async listRecent(limit: number): Promise<KpiAlert[]> {
    const rows = await this.db.selectFrom('kpi_alerts').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toAlert);
  }
}
