import { CtiError, beijingYear, ops } from '@cti/domain';
import type { IncidentEvent, IncidentQuery } from '@cti/db';

/** Incidents as the service needs them (IncidentRepository fits). */
export interface IncidentStore {
  open(i: ops.Incident): Promise<boolean>;
  saveTransition(next: ops.Incident, kind: 'acknowledged' | 'resolved'): Promise<boolean>;
  find(id: string): Promise<ops.Incident | undefined>;
  list(q: IncidentQuery): Promise<ops.Incident[]>;
  events(id: string): Promise<IncidentEvent[]>;
}

/** Records who did what (AuditRepository fits). */
export interface AuditTrail {
  record(entry: { actorRole: string; actorId: string | null; action: string; target?: string; data?: Record<string, unknown> }): Promise<void>;
}

/** Who is acting. */
export interface Actor {
  role: string;
  id: string;
}

/** An incident with where it stands against its recovery deadline. */
export type IncidentView = ops.Incident & { state: ops.IncidentState; sla: ops.IncidentSla };

/** Staff-facing incident handling: report, acknowledge, resolve (each audited), listings with SLA, yearly fault time. */
export class IncidentService {
  constructor(
    private readonly store: IncidentStore,
    private readonly audit: AuditTrail,
    private readonly sla: ops.OpsSlaConfig,
    private readonly now: () => number,
    private readonly newId: () => string,
  ) {}

  view(i: ops.Incident): IncidentView {
    const sla = ops.incidentSla(i, this.sla, this.now());
    return { ...i, state: sla.state, sla };
  }

  async list(q: IncidentQuery & { overdue?: boolean }): Promise<IncidentView[]> {
    const views = (await this.store.list(q)).map((i) => this.view(i));
    return q.overdue === undefined ? views : views.filter((v) => v.sla.overdue === q.overdue);
  }

  async get(id: string): Promise<IncidentView & { events: IncidentEvent[] }> {
    const i = await this.store.find(id);
    if (!i) throw new CtiError('CTI_ERR_NOT_FOUND', `no incident ${id}`, { id });
    return { ...this.view(i), events: await this.store.events(id) };
  }

  /** A fault reported by staff (e.g. an L4 support request, or a fault the detector cannot see). */
  async report(actor: Actor, input: { level: ops.FaultLevel; title: string; detail?: Record<string, unknown>; startedAt?: number }): Promise<IncidentView> {
    const now = this.now();
    const i = ops.openIncident({ id: this.newId(), level: input.level, source: 'staff', title: input.title, detail: input.detail ?? {}, startedAt: input.startedAt, openedAt: now, openedBy: actor.id });
    await this.store.open(i);
    await this.audit.record({ actorRole: actor.role, actorId: actor.id, action: 'incident.report', target: i.id, data: { level: i.level, title: i.title } });
    return this.view(i);
  }

  async acknowledge(actor: Actor, id: string): Promise<IncidentView> {
    const next = ops.acknowledgeIncident(await this.require(id), actor.id, this.now());
    if (!(await this.store.saveTransition(next, 'acknowledged'))) throw new CtiError('CTI_ERR_CONFLICT', 'incident changed meanwhile; reload it', { id });
    await this.audit.record({ actorRole: actor.role, actorId: actor.id, action: 'incident.acknowledge', target: id });
    return this.view(next);
  }

  /** Resolves with a note; `resolvedAt` (default now) is when service was restored, not when it is recorded. */
  async resolve(actor: Actor, id: string, note: string, resolvedAt?: number): Promise<IncidentView> {
    const now = this.now();
    if (resolvedAt !== undefined && resolvedAt > now) throw new CtiError('CTI_ERR_VALIDATION', 'resolvedAt is in the future', { field: 'resolvedAt' });
    const next = ops.resolveIncident(await this.require(id), actor.id, resolvedAt ?? now, note);
    if (!(await this.store.saveTransition(next, 'resolved'))) throw new CtiError('CTI_ERR_CONFLICT', 'incident changed meanwhile; reload it', { id });
    await this.audit.record({ actorRole: actor.role, actorId: actor.id, action: 'incident.resolve', target: id, data: { note } });
    return this.view(next);
  }

  /**
   * Cumulative fault time of a Beijing calendar year (overlaps counted once) against the yearly budget, as it stood
   * at `asOf` (default now): the period ends there and incidents still open then count up to it, so two reads with
   * the same `asOf` differ only by what was recorded between them, never by the clock.
   */
  async faultTime(year: number, asOf?: number): Promise<ops.FaultTime & { year: number; asOf: number; overdue: number; open: number }> {
    const now = this.now();
    if (asOf !== undefined && asOf > now) throw new CtiError('CTI_ERR_VALIDATION', 'asOf is in the future', { field: 'asOf' });
    const at = asOf ?? now;
    const year_ = beijingYear(year);
    const period = { from: year_.from, to: Math.max(year_.from, Math.min(year_.to, at)) };
    const incidents = (await this.store.list({ from: year_.from, to: year_.to })).filter((i) => i.startedAt < at);
    return {
      year,
      asOf: at,
      ...ops.faultTime(incidents, period, this.sla, at),
      open: incidents.filter((i) => i.resolvedAt === null || i.resolvedAt > at).length,
      overdue: ops.overdueIncidents(incidents, this.sla, at).length,
    };
  }

  private async require(id: string): Promise<ops.Incident> {
    const i = await this.store.find(id);
    if (!i) throw new CtiError('CTI_ERR_NOT_FOUND', `no incident ${id}`, { id });
    return i;
  }
}
