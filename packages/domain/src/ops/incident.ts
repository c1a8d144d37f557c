import { CtiError } from '../errors.js';
import type { FaultLevel, OpsSlaConfig } from './fault-level.js';

/** How an incident came to be: opened by the fault detector, or reported by staff. */
export type IncidentSource = 'detected' | 'staff';

export type IncidentState = 'open' | 'acknowledged' | 'resolved';

/** One fault, from its start to its recovery. Times are epoch ms. */
export interface Incident {
  id: string;
  level: FaultLevel;
  source: IncidentSource;
  /** Detector condition (e.g. `ari_down`) of a detected incident; null for staff reports. */
  condition: string | null;
  title: string;
  detail: Record<string, unknown>;
  /** When the fault began (a detected fault: when its condition first appeared, before debouncing). */
  startedAt: number;
  /** When the incident was opened (detected or reported). */
  openedAt: number;
  openedBy: string | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
}

export const incidentState = (i: Pick<Incident, 'acknowledgedAt' | 'resolvedAt'>): IncidentState =>
  i.resolvedAt !== null ? 'resolved' : i.acknowledgedAt !== null ? 'acknowledged' : 'open';

/** A new incident; `startedAt` may precede `openedAt` (debounced detection, a late staff report) but not follow it. */
export function openIncident(input: {
  id: string;
  level: FaultLevel;
  source: IncidentSource;
  condition?: string | null;
  title: string;
  detail?: Record<string, unknown>;
  startedAt?: number;
  openedAt: number;
  openedBy?: string | null;
}): Incident {
  const startedAt = input.startedAt ?? input.openedAt;
  if (startedAt > input.openedAt) throw new CtiError('CTI_ERR_VALIDATION', 'a fault cannot start after it is reported', { field: 'startedAt' });
  if (!input.title.trim()) throw new CtiError('CTI_ERR_VALIDATION', 'incident title is empty', { field: 'title' });
  return {
    id: input.id, level: input.level, source: input.source, condition: input.condition ?? null, title: input.title,
    detail: input.detail ?? {}, startedAt, openedAt: input.openedAt, openedBy: input.openedBy ?? null,
    acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null, resolutionNote: null,
  };
}

/** open → acknowledged; acknowledging twice or after resolution is an invalid transition. */
export function acknowledgeIncident(i: Incident, by: string | null, at: number): Incident {
  if (incidentState(i) !== 'open') throw new CtiError('CTI_ERR_INVALID_TRANSITION', `incident is ${incidentState(i)}`, { id: i.id, state: incidentState(i) });
  return { ...i, acknowledgedAt: Math.max(at, i.openedAt), acknowledgedBy: by };
}

/** open|acknowledged → resolved at `at` (the recovery instant, not before the fault started). */
export function resolveIncident(i: Incident, by: string | null, at: number, note: string | null): Incident {
  if (i.resolvedAt !== null) throw new CtiError('CTI_ERR_INVALID_TRANSITION', 'incident is already resolved', { id: i.id, state: 'resolved' });
  if (at < i.startedAt) throw new CtiError('CTI_ERR_VALIDATION', 'recovery cannot precede the fault', { field: 'resolvedAt' });
  return { ...i, resolvedAt: at, resolvedBy: by, resolutionNote: note };
}

/** Where an incident stands against its level's recovery deadline. */
export interface IncidentSla {
  state: IncidentState;
  /** Recovery deadline (startedAt + the level's allowance). */
  deadline: number;
  /** Time from start to recovery (or to now while unresolved), ms. */
  durationMs: number;
  /** Recovery time of a resolved incident, ms; null while open. */
  recoveryMs: number | null;
  /** Unresolved and past its deadline. */
  overdue: boolean;
  /** Recovered late, or overdue now. */
  breached: boolean;
  /** Ms left before the deadline (negative when past), null once resolved. */
  remainingMs: number | null;
}

export function incidentSla(i: Incident, sla: OpsSlaConfig, now: number): IncidentSla {
  const deadline = i.startedAt + sla.recoveryMinutes[i.level] * 60_000;
  const end = i.resolvedAt ?? Math.max(now, i.startedAt);
  const overdue = i.resolvedAt === null && now > deadline;
  return {
    state: incidentState(i),
    deadline,
    durationMs: end - i.startedAt,
    recoveryMs: i.resolvedAt === null ? null : i.resolvedAt - i.startedAt,
    overdue,
    breached: overdue || (i.resolvedAt !== null && i.resolvedAt > deadline),
    remainingMs: i.resolvedAt === null ? deadline - now : null,
  };
}

/** Unresolved incidents past their deadline, most overdue first. */
export function overdueIncidents(incidents: readonly Incident[], sla: OpsSlaConfig, now: number): Incident[] {
  return incidents
    .filter((i) => incidentSla(i, sla, now).overdue)
    .sort((a, b) => incidentSla(a, sla, now).deadline - incidentSla(b, sla, now).deadline);
}
