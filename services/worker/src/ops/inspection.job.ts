import { beijingYear, beijingYearOf, ops } from '@cti/domain';
import type { InspectionReportKind, StoredInspectionReport } from '@cti/db';
import { renderInspection, renderOpsReport } from './ops.render.js';

/** Where reports are kept (InspectionRepository fits). */
export interface InspectionSink {
  /** With the key of the job that made it, a second run of the job stores nothing and gets the first id. */
  save(r: Omit<StoredInspectionReport, 'id'>, jobKey?: string): Promise<string>;
  inspectionsBetween(from: number, to: number): Promise<StoredInspectionReport[]>;
}

/** Incidents of a period (IncidentRepository fits). */
export interface IncidentSource {
  list(q: { from?: number; to?: number }): Promise<ops.Incident[]>;
}

/** Judges gathered facts, renders and stores the daily inspection; returns its id and verdict. */
export async function storeInspection(
  facts: ops.InspectionFacts,
  trigger: 'schedule' | 'manual',
  sink: InspectionSink,
  thresholds: ops.InspectionThresholds,
  jobKey?: string,
): Promise<{ id: string; overall: ops.CheckStatus }> {
  const result = ops.evaluateInspection(facts, thresholds);
  const { text, html } = renderInspection(result);
  const day = ops.opsPeriodContaining('daily', facts.at);
  const id = await sink.save({
    kind: 'inspection', from: day.from, to: day.to, trigger, overall: result.overall, generatedAt: facts.at,
    report: { ...result, facts } as unknown as Record<string, unknown>, text, html,
  }, jobKey);
  return { id, overall: result.overall };
}

/** Builds, renders and stores a weekly/quarterly/annual report; a job without a period covers the last complete one. */
export async function generateOpsReport(
  kind: ops.OpsReportKind,
  period: ops.Interval | undefined,
  deps: { incidents: IncidentSource; sink: InspectionSink; sla: ops.OpsSlaConfig; now: number; trigger: 'schedule' | 'manual'; jobKey?: string },
): Promise<{ id: string; overall: ops.CheckStatus }> {
  const p = period ?? ops.previousOpsPeriod(kind, deps.now);
  const year = beijingYear(beijingYearOf(p.from));
  const incidents = await deps.incidents.list({ from: year.from, to: Math.min(year.to, p.to) });
  const inspections = await deps.sink.inspectionsBetween(p.from, p.to);
  const digests: ops.InspectionDigest[] = inspections.map((r) => {
    const checks = ((r.report as { checks?: ops.InspectionCheck[] }).checks ?? []);
    return { at: r.generatedAt, overall: r.overall, problems: checks.filter((c) => c.status !== 'pass').map((c) => ({ id: c.id, status: c.status, value: c.value })) };
  });
  const data = {
    kind, from: p.from, to: p.to, generatedAt: deps.now,
    incidents: ops.summariseIncidents(incidents, p, year, deps.sla, deps.now),
    inspections: ops.summariseInspections(digests, p, deps.now),
  };
  // A report's verdict: fail on an SLA breach, an over-budget year or a failed inspection; warn on warnings or missed days.
  const overall: ops.CheckStatus =
    data.incidents.breaches.length > 0 || !data.incidents.yearToDate.withinBudget || data.inspections.fail > 0 ? 'fail'
      : data.inspections.warn > 0 || data.inspections.daysWithout > 0 || data.incidents.open > 0 ? 'warn' : 'pass';
  const { text, html } = renderOpsReport(data);
  const id = await deps.sink.save({ kind: kind as InspectionReportKind, from: p.from, to: p.to, trigger: deps.trigger, overall, generatedAt: deps.now, report: data as unknown as Record<string, unknown>, text, html }, deps.jobKey);
  return { id, overall };
}
