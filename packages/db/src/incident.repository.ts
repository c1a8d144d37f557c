import type { Kysely, Selectable } from 'kysely';
import { CtiError, type ops } from '@cti/domain';
import type { Database, OpsIncidentsTable } from './db.schema.js';

/** One entry of an incident's history. */
export interface IncidentEvent {
  at: number;
  kind: 'opened' | 'acknowledged' | 'resolved' | 'note';
  actor: string | null;
  note: string | null;
  data: Record<string, unknown>;
}

/** Filter of an incident listing; times are epoch ms. */
export interface IncidentQuery {
  /** Incidents still running at or after this instant. */
  from?: number;
  /** Incidents started before this instant. */
  to?: number;
  open?: boolean;
  level?: ops.FaultLevel;
  limit?: number;
}

const ms = (d: Date | null): number | null => (d === null ? null : new Date(d).getTime());

function toIncident(r: Selectable<OpsIncidentsTable>): ops.Incident {
  return {
    id: r.id, level: r.level, source: r.source, condition: r.condition, title: r.title, detail: r.detail,
    startedAt: new Date(r.started_at).getTime(), openedAt: new Date(r.opened_at).getTime(), openedBy: r.opened_by,
    acknowledgedAt: ms(r.acknowledged_at), acknowledgedBy: r.acknowledged_by,
    resolvedAt: ms(r.resolved_at), resolvedBy: r.resolved_by, resolutionNote: r.resolution_note,
  };
}

const d = (v: number | null) => (v === null ? null : new Date(v));

/** Fault incidents and their history. Writes are idempotent so the gateway can retry them after an outage. */
export class IncidentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a new incident with its `opened` event. Storing the same id again does nothing (a retried write);
   * a second open detected incident for the same condition is refused (CTI_ERR_CONFLICT).
   * Returns false when the id already existed.
   */
  async open(i: ops.Incident): Promise<boolean> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto('ops_incidents')
          .values({
            id: i.id, level: i.level, source: i.source, condition: i.condition, title: i.title, detail: JSON.stringify(i.detail),
            started_at: new Date(i.startedAt), opened_at: new Date(i.openedAt), opened_by: i.openedBy,
            acknowledged_at: d(i.acknowledgedAt), acknowledged_by: i.acknowledgedBy,
            resolved_at: d(i.resolvedAt), resolved_by: i.resolvedBy, resolution_note: i.resolutionNote,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) return false;
        await tx.insertInto('ops_incident_events').values({ incident_id: i.id, at: new Date(i.openedAt), kind: 'opened', actor: i.openedBy, note: null, data: JSON.stringify({ level: i.level, source: i.source, condition: i.condition }) }).execute();
        return true;
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new CtiError('CTI_ERR_CONFLICT', `an incident for ${i.condition} is already open`, { condition: i.condition });
      throw err;
    }
  }

  /** Stores a transition made by the domain rules (acknowledged or resolved) with its event; a no-op if already applied. */
  async saveTransition(next: ops.Incident, kind: 'acknowledged' | 'resolved'): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      let q = tx.updateTable('ops_incidents').where('id', '=', next.id);
      q = kind === 'acknowledged' ? q.where('acknowledged_at', 'is', null).where('resolved_at', 'is', null) : q.where('resolved_at', 'is', null);
      const set = kind === 'acknowledged'
        ? { acknowledged_at: d(next.acknowledgedAt), acknowledged_by: next.acknowledgedBy }
        : { resolved_at: d(next.resolvedAt), resolved_by: next.resolvedBy, resolution_note: next.resolutionNote };
      const r = await q.set(set).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      const at = kind === 'acknowledged' ? next.acknowledgedAt! : next.resolvedAt!;
      const actor = kind === 'acknowledged' ? next.acknowledgedBy : next.resolvedBy;
      await tx.insertInto('ops_incident_events').values({ incident_id: next.id, at: new Date(at), kind, actor, note: kind === 'resolved' ? next.resolutionNote : null, data: '{}' }).execute();
      return true;
    });
  }

  /** Resolves the open detected incident of a condition (auto-recovery); false when none is open. */
  async resolveCondition(condition: string, resolvedAt: number, note: string | null): Promise<ops.Incident | undefined> {
    const open = await this.db.selectFrom('ops_incidents').selectAll().where('condition', '=', condition).where('source', '=', 'detected').where('resolved_at', 'is', null).executeTakeFirst();
    if (!open) return undefined;
    const i = toIncident(open);
    const next: ops.Incident = { ...i, resolvedAt: Math.max(resolvedAt, i.startedAt), resolvedBy: null, resolutionNote: note };
    return (await this.saveTransition(next, 'resolved')) ? next : undefined;
  }

  /** Adds a free-text note to the history. */
  async addNote(id: string, at: number, actor: string | null, note: string): Promise<void> {
    await this.db.insertInto('ops_incident_events').values({ incident_id: id, at: new Date(at), kind: 'note', actor, note, data: '{}' }).execute();
  }

  async find(id: string): Promise<ops.Incident | undefined> {
    const r = await this.db.selectFrom('ops_incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toIncident(r) : undefined;
  }

  /** The incident, or CTI_ERR_NOT_FOUND. */
  async get(id: string): Promise<ops.Incident> {
    const i = await this.find(id);
    if (!i) throw new CtiError('CTI_ERR_NOT_FOUND', `no incident ${id}`, { id });
    return i;
  }

  /** Incidents matching the filter, newest start first. */
  async list(q: IncidentQuery = {}): Promise<ops.Incident[]> {
    let s = this.db.selectFrom('ops_incidents').selectAll();
    if (q.from !== undefined) s = s.where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', new Date(q.from!))]));
    if (q.to !== undefined) s = s.where('started_at', '<', new Date(q.to));
    if (q.open !== undefined) s = s.where('resolved_at', q.open ? 'is' : 'is not', null);
    if (q.level) s = s.where('level', '=', q.level);
    const rows = await s.orderBy('started_at', 'desc').orderBy('id').limit(q.limit ?? 10_000).execute();
    return rows.map(toIncident);
  }

  /** Open detected incidents (the detector adopts them after a restart). */
  async listOpenDetected(): Promise<ops.Incident[]> {
    const rows = await this.db.selectFrom('ops_incidents').selectAll().where('source', '=', 'detected').where('resolved_at', 'is', null).execute();
    return rows.map(toIncident);
  }

  /** The incident's history in the order it was recorded (a resolution may be back-dated to the recovery instant). */
  async events(id: string): Promise<IncidentEvent[]> {
    const rows = await this.db.selectFrom('ops_incident_events').selectAll().where('incident_id', '=', id).orderBy('id').execute();
    return rows.map((r) => ({ at: new Date(r.at).getTime(), kind: r.kind, actor: r.actor, note: r.note, data: r.data }));
  }
}
