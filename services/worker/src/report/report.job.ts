import { UnrecoverableError } from 'bullmq';
import { REPORTS_QUEUE, parseJobData, type ReportJobData } from '@cti/contracts';
import { BEIJING_TIME_ZONE, periodContaining, previousPeriod, type kpi } from '@cti/domain';
import { isDatabaseUnavailable, type StoredReport } from '@cti/db';
import { buildReportData, type AgentNames, type ReportFactSource, type StaffFactSource } from './report.builder.js';
import { renderReportCsv, renderReportHtml, reportSummary } from './report.render.js';

/** Where reports are kept (ReportRepository fits). */
export interface ReportSink {
  save(r: StoredReport): Promise<void>;
}

/** The slice of a BullMQ Queue that schedules repeatable jobs. */
export interface ReportScheduler {
  upsertJobScheduler(id: string, repeat: { pattern: string; tz: string }, template: { name: string; data: ReportJobData }): Promise<unknown>;
}

/** When each report is generated (Beijing time): the previous day, week (Monday) and month, just after they end. */
export const REPORT_SCHEDULES: ReadonlyArray<{ kind: ReportJobData['kind']; pattern: string }> = [
  { kind: 'daily', pattern: '5 0 * * *' },
  { kind: 'weekly', pattern: '10 0 * * 1' },
  { kind: 'monthly', pattern: '15 0 1 * *' },
];

/** Registers the three repeatable report jobs (idempotent: the scheduler id is the kind). */
export async function scheduleReports(queue: ReportScheduler, name: string): Promise<void> {
  for (const s of REPORT_SCHEDULES) {
    await queue.upsertJobScheduler(`report-${s.kind}`, { pattern: s.pattern, tz: BEIJING_TIME_ZONE }, { name, data: { kind: s.kind } });
  }
}

/** Builds, renders and stores one report; a job without a period covers the last complete one. */
export async function generateReport(
  data: ReportJobData,
  deps: { facts: ReportFactSource; agentNames: AgentNames; sink: ReportSink; overrides: Partial<kpi.KpiConfig>; now: number; staff?: StaffFactSource },
): Promise<{ kind: string; from: number; to: number; summary: Record<string, unknown> }> {
  const period = data.from !== undefined && data.to !== undefined
    ? { from: data.from, to: data.to }
    : previousPeriod(data.kind, deps.now);
  // A report of the current period covers it up to now (tickets not yet due are not late), and is regenerated when asked again.
  const cover = { from: period.from, to: Math.min(period.to, periodContaining(data.kind, period.from).to, Math.max(period.from + 1, deps.now + 1)) };
  const d = await buildReportData(data.kind, cover, deps.facts, deps.agentNames, deps.overrides, deps.now, deps.staff);
  const summary = reportSummary(d);
  await deps.sink.save({ kind: data.kind, from: cover.from, to: cover.to, generatedAt: deps.now, html: renderReportHtml(d), csv: renderReportCsv(d), summary });
  return { kind: data.kind, from: cover.from, to: cover.to, summary };
}

/**
 * A report job's processor: generateReport on the job's payload (checked against its contract), where only a
 * database out of reach for a moment (a busy host, a restart) is worth another of the job's attempts; any other
 * failure, a malformed payload included, ends the job at once (UnrecoverableError), so the staff member waiting for
 * an on-demand report hears of it without waiting out the retries.
 */
export async function runReportJob(data: unknown, deps: Parameters<typeof generateReport>[1]): ReturnType<typeof generateReport> {
  try {
    return await generateReport(parseJobData(REPORTS_QUEUE, data), deps);
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    throw new UnrecoverableError((err as Error).message);
  }
}
