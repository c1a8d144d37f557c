import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import { AmiClient } from '@cti/asterisk';
import { OPS_QUEUE, opsJobKey, type Config, type OpsJobData } from '@cti/contracts';
import { BEIJING_TIME_ZONE, ops } from '@cti/domain';
import { BackupRepository, IncidentRepository, InspectionRepository, type Database } from '@cti/db';
import type { Logger } from '../logger.js';
import { runBackup } from './backup.job.js';
import { jobLocks } from '../job-locks.js';
import { gatherInspectionFacts, type InspectionTargets } from './inspection.probes.js';
import { generateOpsReport, storeInspection } from './inspection.job.js';
import { validJobData } from '../job-payload.js';

/** The slice of a BullMQ Queue that schedules repeatable jobs. */
export interface OpsScheduler {
  upsertJobScheduler(id: string, repeat: { pattern: string; tz: string }, template: { name: string; data: OpsJobData }): Promise<unknown>;
}

/** Repeatable operations jobs (Beijing time): inspection and backup from configuration, reports just after their period. */
export function opsSchedules(c: Pick<Config, 'CTI_INSPECTION_CRON' | 'CTI_BACKUP_CRON'>): Array<{ id: string; pattern: string; data: OpsJobData }> {
  return [
    { id: 'ops-inspection-daily', pattern: c.CTI_INSPECTION_CRON, data: { kind: 'inspection', trigger: 'schedule' } },
    { id: 'ops-report-weekly', pattern: '30 8 * * 1', data: { kind: 'report', report: 'weekly' } },
    { id: 'ops-report-quarterly', pattern: '0 9 1 1,4,7,10 *', data: { kind: 'report', report: 'quarterly' } },
    { id: 'ops-report-annual', pattern: '30 9 1 1 *', data: { kind: 'report', report: 'annual' } },
    { id: 'ops-backup', pattern: c.CTI_BACKUP_CRON, data: { kind: 'backup', trigger: 'schedule' } },
  ];
}

export async function scheduleOpsJobs(queue: OpsScheduler, c: Pick<Config, 'CTI_INSPECTION_CRON' | 'CTI_BACKUP_CRON'>): Promise<void> {
  for (const s of opsSchedules(c)) await queue.upsertJobScheduler(s.id, { pattern: s.pattern, tz: BEIJING_TIME_ZONE }, { name: OPS_QUEUE, data: s.data });
}

/** Inspection targets from configuration. */
export function inspectionTargets(c: Config): InspectionTargets {
  const configured = c.CTI_INSPECTION_DISK_PATHS.split(',').map((p) => p.trim()).filter(Boolean);
  const credentials = (JSON.parse(c.CTI_INSPECTION_CREDENTIALS) as Array<{ name: string; expiresAt: string }>).map((x) => ({ name: x.name, expiresAt: Date.parse(x.expiresAt) }));
  return {
    trunks: ['trunk-primary', 'trunk-backup'],
    ari: { url: c.CTI_ARI_URL, user: c.CTI_ARI_USER, password: c.CTI_ARI_PASSWORD },
    diskPaths: configured.length ? configured : [...new Set([c.CTI_SPOOL_DIR, c.CTI_BACKUP_DIR, c.CTI_RECORDINGS_DIR])],
    recordingsDir: c.CTI_RECORDINGS_DIR,
    credentials,
  };
}

/**
 * Starts the operations jobs: its own AMI connection for inspections, the ops queue worker (inspections,
 * reports, backups — scheduled and on demand) and the repeatable schedules.
 */
export async function startOpsJobs(db: Kysely<Database>, connection: Redis, c: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const prefix = c.CTI_REDIS_PREFIX;
  const ami = new AmiClient({ host: c.CTI_AMI_HOST, port: c.CTI_AMI_PORT, user: c.CTI_AMI_USER, password: c.CTI_AMI_PASSWORD, actionTimeoutMs: 5_000 }, log);
  ami.onConnection((up) => log.info({ up }, up ? 'inspection AMI connected' : 'inspection AMI disconnected'));
  ami.start();
  const sla = ops.createOpsSla(c.CTI_OPS_RECOVERY_MINUTES, c.CTI_OPS_YEARLY_FAULT_BUDGET_H);
  const thresholds: ops.InspectionThresholds = { ...ops.DEFAULT_INSPECTION_THRESHOLDS, backupMaxAgeHours: c.CTI_BACKUP_MAX_AGE_H };
  const targets = inspectionTargets(c);
  const incidents = new IncidentRepository(db);
  const reports = new InspectionRepository(db);
  const backups = new BackupRepository(db);
  const postgres = {
    stats: async () => {
      const r = await sql<{ connections: string; max: string; size: string }>`SELECT
        (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()) AS connections,
        current_setting('max_connections') AS max,
        pg_database_size(current_database()) AS size`.execute(db);
      const row = r.rows[0]!;
      return { connections: Number(row.connections), maxConnections: Number(row.max), databaseBytes: Number(row.size) };
    },
    lastBackup: async () => {
      const b = await backups.findLatest();
      return b ? { startedAt: b.startedAt, ok: b.status === 'ok' && b.verified } : undefined;
    },
  };
  // AMI may still be logging in when a job arrives right after start: wait a little for it.
  const amiReady = async () => {
    for (let i = 0; i < 50 && !ami.isUp(); i++) await new Promise((r) => setTimeout(r, 100));
  };

  const queue = new Queue<OpsJobData>(OPS_QUEUE, { connection, prefix });
  if (c.CTI_OPS_SCHEDULE) await scheduleOpsJobs(queue, c);
  const worker = new Worker<OpsJobData>(
    OPS_QUEUE,
    async (job) => {
      const d = validJobData(OPS_QUEUE, job.data);
      // BullMQ gives a job whose worker died to another worker: what the job leaves is kept once per job
      // (docs/domain.md §21). A scheduled job's id names its tick, so the key is one per tick.
      const jobKey = opsJobKey(job);
      if (d.kind === 'inspection' || d.kind === 'report') {
        const stored = await reports.idOfJob(jobKey);
        if (stored) return { id: stored, alreadyDone: true };
      }
      if (d.kind === 'inspection') {
        await amiReady();
        const facts = await gatherInspectionFacts({ ami, redis: connection, postgres, fetch, now: Date.now }, targets);
        return storeInspection(facts, d.trigger, reports, thresholds, jobKey);
      }
      if (d.kind === 'report') {
        const period = d.from !== undefined && d.to !== undefined ? { from: d.from, to: d.to } : undefined;
        return generateOpsReport(d.report, period, { incidents, sink: reports, sla, now: Date.now(), trigger: job.repeatJobKey ? 'schedule' : 'manual', jobKey });
      }
      return runBackup({ databaseUrl: c.CTI_DATABASE_URL, schema: c.CTI_DB_SCHEMA, dir: c.CTI_BACKUP_DIR, keep: c.CTI_BACKUP_KEEP }, backups, Date.now, jobKey);
    },
    // Backups and inspections are heavy and rare: one at a time. A backup may run for minutes: its lock is renewed
    // while it runs, and lapses CTI_WORKER_LOCK_MS after its worker died, when another worker takes the job over.
    { connection, prefix, concurrency: 1, ...jobLocks(c) },
  );
  worker.on('active', (job) => log.info({ jobId: job.id, kind: job.data.kind, attempt: job.attemptsMade + 1 }, 'ops job started'));
  worker.on('completed', (job, out) => log.info({ jobId: job.id, kind: job.data.kind, out }, 'ops job done'));
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, kind: job?.data.kind, err: err.message }, 'ops job failed'));
  worker.on('error', (err) => log.warn({ err: err.message }, 'ops worker error'));
  return {
    async close() {
      await worker.close();
      await queue.close();
      ami.stop();
    },
  };
}
