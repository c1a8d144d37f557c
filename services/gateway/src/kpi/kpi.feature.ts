import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { REPORTS_QUEUE, type Config, type ReportJobData } from '@cti/contracts';
import { kpi, type AcdEngine } from '@cti/domain';
import { kpiOverridesFromConfig } from '@cti/db';
import type { RouteFeature } from '../app.js';
import type { Repositories } from '../repositories.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import { registerKpiRoutes } from './kpi.routes.js';
import { registerReportRoutes } from './report.routes.js';
import { registerStaffingRoutes } from './staffing.routes.js';
import { registerCallerRatingRoutes } from './caller-rating.routes.js';
import { MetricsCollector, type QueueLag, type RecordSpoolReading } from '../metrics/metrics.collector.js';
import { registerMetricsRoutes } from '../metrics/metrics.routes.js';
import { ANSWER_RATE_ALERT, AnswerRateAlertMonitor } from './answer-rate.alert-monitor.js';
import { KpiEventRecorder } from './kpi-event.recorder.js';
import { KpiService, type AnswerRateFigures, type LineDirectory, type LineFigures, type ProjectionFigures, type StaffingFigures } from './kpi.service.js';
import { ReportRequester } from './report.requester.js';
import { TrendsService, type TrendFigures } from './trends.service.js';

/** The configuration the KPI, staffing, report and metrics features read. */
export type KpiConfig = Pick<
  Config,
  | 'CTI_KPI_SHORT_ABANDON_S'
  | 'CTI_KPI_EXCLUDED_LINES'
  | 'CTI_KPI_EXCLUDE_MARKED_CALLERS'
  | 'CTI_KPI_PRODUCTIVE_PAUSE_REASONS'
  | 'CTI_KPI_ALERT_CHECK_S'
  | 'CTI_STAFFING_HISTORY_DAYS'
  | 'CTI_STAFFING_SL_GOAL'
  | 'CTI_STAFFING_PATIENCE_S'
  | 'CTI_STAFFING_SHRINKAGE'
  | 'CTI_STAFFING_DEFAULT_AHT_S'
  | 'CTI_REDIS_PREFIX'
  | 'CTI_METRICS_TOKEN'
  | 'CTI_TICKET_COUNTIES'
>;

/** What the KPI, report and metrics features read from the rest of the gateway. */
export interface KpiWiringDeps {
  repos: Pick<Repositories, 'agentStates' | 'kpi' | 'alerts' | 'reports' | 'callRatings'>;
  config: KpiConfig;
  bus: EventBus;
  acd: AcdEngine;
  trunks: () => Record<string, { status: string; since: number }>;
  ariUp: () => boolean;
  amiUp: () => boolean;
  /** The gateway's (fail-fast) Redis connection, for the reports queue. */
  redis: Redis;
  /** BullMQ queues whose lag /metrics reports. */
  queues: ReadonlyArray<Queue>;
  /** Local record spools /metrics reports. */
  recordSpools?: () => readonly RecordSpoolReading[];
  /** This active gateway's lease epoch and takeovers, for /metrics. */
  leadership?: () => { epoch: number; takeovers: number };
  log: Logger;
  now: () => number;
  /** Agents the rota puts on each half-hour starting in [from, to) (the rota feature's RotaService fits). */
  rostered?: (from: number, to: number) => Promise<ReadonlyMap<number, number>>;
  /** The registered hotline lines whose figures are shown apart (双号并行, docs/domain.md §18). */
  lineDirectory?: LineDirectory;
}

/** An open KPI alert with its one-line message in Simplified Chinese. */
export interface KpiAlertNotice {
  kind: string;
  severity: 'warning' | 'critical';
  raisedAt: number;
  message: string;
}

/** The live KPI figures other features show (the wallboard reads them through its own port). */
export interface KpiFigures {
  live(): Promise<{ today: AnswerRateFigures; month: AnswerRateFigures; projection: ProjectionFigures; lines: LineFigures[] }>;
  overdueTickets(): Promise<number>;
  staffing(): Promise<{ intervals: StaffingFigures[] }>;
  openAlerts(): Promise<KpiAlertNotice[]>;
  /** The big screen's trends (docs/domain.md §17); `fresh` works them out now instead of reusing the last. */
  trends(opts?: { fresh?: boolean }): Promise<TrendFigures>;
}

/** The wired features plus their timers. */
export interface KpiWiring {
  features: RouteFeature[];
  /** Today's and this month's answer rate, the projection, overdue tickets, staffing and open alerts. */
  figures: KpiFigures;
  /** Starts the alert checks. */
  start(): void;
  /** Stops timers and closes the reports queue. */
  stop(): Promise<void>;
}

const alertMessage = (kind: string, data: Record<string, unknown>): string => {
  if (kind !== ANSWER_RATE_ALERT) return kind;
  const p = typeof data.projectedRate === 'number' ? `${(data.projectedRate * 100).toFixed(1)}%` : '—';
  const need = typeof data.requiredRemainingRate === 'number' ? `，剩余呼叫需达 ${(Math.min(data.requiredRemainingRate, 9.99) * 100).toFixed(1)}%` : '';
  return `本月接通率预测 ${p}，低于 98% 目标${need}（缺口约 ${String(data.shortfallCalls ?? '—')} 个接通）`;
};

/**
 * Wires KPIs, staffing, reports and /metrics once: subscribes the persistence and metrics listeners to the event
 * bus and returns the route features for buildApp, and the figures the wallboard shows.
 */
export function createKpiWiring(d: KpiWiringDeps): KpiWiring {
  const c = d.config;
  const { agentStates, kpi: facts, alerts, reports } = d.repos;
  const overrides = kpiOverridesFromConfig(c);
  const loggedIn = () => d.acd.agents().filter((a) => a.state !== 'logged_out');

  const recorder = new KpiEventRecorder(
    agentStates,
    (err, e) => d.log.warn({ err: (err as Error).message, type: e.type }, 'KPI event not stored'),
    (agentId, state) => {
      const a = d.acd.findAgent(agentId);
      return a && a.state === state ? a.stateSince : undefined;
    },
  );
  // Before any event: agents not in the (restored) ACD logged out while no gateway watched; close their intervals.
  recorder.run(() => agentStates.closeOpenExcept(loggedIn().map((a) => a.agentId), d.now()), (err) => d.log.warn({ err: (err as Error).message }, 'could not close stale agent intervals'));
  d.bus.subscribe(recorder.handle);

  const kpis = new KpiService(
    facts,
    overrides,
    {
      historyDays: c.CTI_STAFFING_HISTORY_DAYS,
      serviceLevelGoal: c.CTI_STAFFING_SL_GOAL,
      patienceSeconds: c.CTI_STAFFING_PATIENCE_S,
      shrinkage: c.CTI_STAFFING_SHRINKAGE,
      defaultAhtSeconds: c.CTI_STAFFING_DEFAULT_AHT_S,
    },
    d.now,
    () => loggedIn().length,
    undefined,
    d.rostered,
    d.lineDirectory,
  );
  const trends = new TrendsService({ calls: kpis, tickets: facts, counties: kpi.parseCountyList(c.CTI_TICKET_COUNTIES), now: d.now });
  const monitor = new AnswerRateAlertMonitor(() => kpis.projection(), alerts, d.bus, d.now);

  const reportQueue = new Queue<ReportJobData>(REPORTS_QUEUE, { connection: d.redis, prefix: c.CTI_REDIS_PREFIX });
  reportQueue.on('error', (err) => d.log.debug({ err: err.message }, 'reports queue error'));
  const requester = new ReportRequester(reportQueue, reports, d.now);

  const queueLag = async (): Promise<QueueLag[]> =>
    Promise.all(
      [...d.queues, reportQueue].map(async (q) => {
        const [counts, oldest] = await Promise.all([q.getJobCounts('waiting', 'active', 'delayed', 'failed'), q.getJobs(['waiting'], 0, 0, true)]);
        const first = oldest[0];
        return {
          queue: q.name,
          waiting: counts.waiting ?? 0,
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
          oldestWaitingAgeSeconds: first ? Math.max(0, (d.now() - first.timestamp) / 1000) : 0,
        };
      }),
    );
  const withTimeout = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), ms))]);
  const metrics = new MetricsCollector({
    waitingCalls: () => d.acd.waitingCount(),
    longestWaitSeconds: () => d.acd.queue().reduce((m, q) => Math.max(m, q.waitSeconds), 0),
    agentsByState: () => {
      const by: Record<string, number> = {};
      for (const a of loggedIn()) by[a.state] = (by[a.state] ?? 0) + 1;
      return by;
    },
    trunks: d.trunks,
    ari: d.ariUp,
    ami: d.amiUp,
    queues: () => withTimeout(queueLag(), 1_500),
    kpiWriteBacklog: () => recorder.backlog(),
    recordSpools: d.recordSpools,
    ...(d.leadership && { leadership: d.leadership }),
  });
  d.bus.subscribe(metrics.handle);

  const figures: KpiFigures = {
    live: () => kpis.live(),
    overdueTickets: () => kpis.overdueTickets(),
    staffing: () => kpis.staffing(),
    trends: (opts) => trends.trends(opts),
    openAlerts: async () =>
      (await alerts.listOpen()).map((a) => ({ kind: a.kind, severity: a.severity, raisedAt: a.raisedAt, message: alertMessage(a.kind, a.data) })),
  };

  let alertTimer: NodeJS.Timeout | undefined;
  const checkAlerts = () => monitor.check().catch((err) => d.log.warn({ err: (err as Error).message }, 'answer-rate alert check failed'));

  return {
    features: [
      (routes) =>
        registerKpiRoutes(routes, kpis, {
          faultWindows: (f, t) => facts.faultWindows(f, t),
          addFaultWindow: (f, t, r, actor) => facts.addFaultWindow(f, t, r, actor),
          deleteFaultWindow: (id, r, actor) => facts.deleteFaultWindow(id, r, actor),
          listOpenAlerts: () => alerts.listOpen(),
          listRecentAlerts: (n) => alerts.listRecent(n),
          checkAlerts: () => monitor.check(),
        }, d.now),
      (routes) => registerStaffingRoutes(routes, kpis),
      (routes) => registerCallerRatingRoutes(routes, d.repos.callRatings, async (p) => (await kpis.contractTable(p)).find((r) => r.key === 'satisfaction'), d.now),
      (routes) => registerReportRoutes(routes, { get: (k, f, t, r) => requester.get(k, f, t, r), list: (k, n) => reports.list(k, n) }, d.now),
      (routes, app) => {
        routes.declareRaw({ method: 'GET', url: '/metrics', summary: 'Prometheus metrics (Bearer CTI_METRICS_TOKEN when set)', access: { kind: 'metrics-token' } });
        registerMetricsRoutes(app, metrics, c.CTI_METRICS_TOKEN);
      },
    ],
    figures,
    start() {
      void checkAlerts();
      alertTimer = setInterval(() => void checkAlerts(), c.CTI_KPI_ALERT_CHECK_S * 1000);
      alertTimer.unref();
    },
    async stop() {
      clearInterval(alertTimer);
      metrics.stop();
      await recorder.drain();
      await reportQueue.close().catch(() => undefined);
    },
  };
}
