import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { OPS_QUEUE, type Config, type OpsJobData } from '@cti/contracts';
import { ops } from '@cti/domain';
import type { RouteFeature } from '../app.js';
import type { Repositories } from '../repositories.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import { registerOpsRoutes } from './ops.routes.js';
import { FaultMonitor } from './fault.monitor.js';
import { IncidentService } from './incident.service.js';
import { OpsJobRequester } from './ops-job.requester.js';

/** The SLA and fault-detection settings of the configuration (CTI_OPS_*). */
export type OpsSettingsConfig = Pick<
  Config,
  | 'CTI_OPS_RECOVERY_MINUTES'
  | 'CTI_OPS_YEARLY_FAULT_BUDGET_H'
  | 'CTI_OPS_FAULT_LEVELS'
  | 'CTI_OPS_ARI_DOWN_S'
  | 'CTI_OPS_AMI_DOWN_S'
  | 'CTI_OPS_TRUNK_DOWN_S'
  | 'CTI_OPS_RESOLVE_AFTER_S'
  | 'CTI_OPS_INTAKE_WINDOW_S'
  | 'CTI_OPS_INTAKE_MIN_FAILED'
  | 'CTI_OPS_INTAKE_FAILED_RATIO'
>;

/** The configuration the operations feature reads: its settings and the Redis prefix of the ops jobs queue. */
export type OpsConfig = OpsSettingsConfig & Pick<Config, 'CTI_REDIS_PREFIX'>;

/** What the operations feature reads from the rest of the gateway. */
export interface OpsWiringDeps {
  repos: Pick<Repositories, 'incidents' | 'audit' | 'inspections' | 'backups'>;
  config: OpsConfig;
  bus: EventBus;
  /** The gateway's (fail-fast) Redis connection, for the ops jobs queue. */
  redis: Redis;
  ariUp: () => boolean;
  amiUp: () => boolean;
  trunks: () => Record<string, { status: string }>;
  /** Local record spools the fault monitor watches (incidents before the disk fills, and on loss). */
  spools?: () => readonly ops.SpoolSignal[];
  log: Logger;
  now: () => number;
}

/** The wired feature plus its timers. */
export interface OpsWiring {
  features: RouteFeature[];
  monitor: FaultMonitor;
  start(): void;
  stop(): Promise<void>;
}

/** SLA and detection rules from the configuration. */
export function opsSettingsFromConfig(c: OpsSettingsConfig): { sla: ops.OpsSlaConfig; rules: ops.DetectionRules; intake: ops.IntakeWatchSettings } {
  return {
    sla: ops.createOpsSla(c.CTI_OPS_RECOVERY_MINUTES, c.CTI_OPS_YEARLY_FAULT_BUDGET_H),
    rules: {
      levels: ops.parseFaultLevels(c.CTI_OPS_FAULT_LEVELS),
      openAfterMs: {
        ari_down: c.CTI_OPS_ARI_DOWN_S * 1000,
        ami_down: c.CTI_OPS_AMI_DOWN_S * 1000,
        trunk_down: c.CTI_OPS_TRUNK_DOWN_S * 1000,
        trunks_down: c.CTI_OPS_TRUNK_DOWN_S * 1000,
        intake_failing: 0,
      },
      resolveAfterMs: c.CTI_OPS_RESOLVE_AFTER_S * 1000,
    },
    intake: { windowMs: c.CTI_OPS_INTAKE_WINDOW_S * 1000, minFailed: c.CTI_OPS_INTAKE_MIN_FAILED, failedRatio: c.CTI_OPS_INTAKE_FAILED_RATIO },
  };
}

/**
 * Wires operations once: the fault monitor (bus subscriber + sampler opening and resolving incidents),
 * the incident service and the ops routes; inspections, reports and backups run on the worker.
 */
export function createOpsWiring(d: OpsWiringDeps): OpsWiring {
  const settings = opsSettingsFromConfig(d.config);
  const { incidents, audit, inspections, backups } = d.repos;
  const monitor = new FaultMonitor(
    incidents,
    { ari: d.ariUp, ami: d.amiUp, trunks: d.trunks, spools: d.spools },
    { rules: settings.rules, intake: settings.intake },
    d.bus,
    d.now,
    randomUUID,
    d.log,
  );
  d.bus.subscribe(monitor.handle);
  const service = new IncidentService(incidents, audit, settings.sla, d.now, randomUUID);
  const queue = new Queue<OpsJobData>(OPS_QUEUE, { connection: d.redis, prefix: d.config.CTI_REDIS_PREFIX });
  queue.on('error', (err) => d.log.debug({ err: err.message }, 'ops queue error'));
  const requester = new OpsJobRequester(queue, d.now, 120_000);
  return {
    monitor,
    features: [
      (routes) =>
        registerOpsRoutes(routes, service, {
          listReports: (k, n) => inspections.list(k, n),
          findReport: (id) => inspections.find(id),
          listBackups: (n) => backups.list(n),
          runJob: (data) => requester.run(data),
        }, d.now),
    ],
    start: () => monitor.start(1_000),
    async stop() {
      await monitor.stop();
      await queue.close().catch(() => undefined);
    },
  };
}
