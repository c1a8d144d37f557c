// The worker: consumes call records from BullMQ and stores calls and tickets in PostgreSQL.
import { Queue, Worker, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { CALLBACK_RESULTS_QUEUE, CALL_RECORDS_QUEUE, exitWhenRedisEnds, loadConfig, redisConnectionOptions } from '@cti/contracts';
import { CallRepository, CallbackTaskRepository, createDb, migrateWithRetry } from '@cti/db';
import { BEIJING_TIME_ZONE, CtiError } from '@cti/domain';
import { fileURLToPath } from 'node:url';
import { createLogger } from './logger.js';
import { processCallRecord } from './call-record.processor.js';
import { REPORTS_QUEUE, type ReportJobData } from '@cti/contracts';
import { AgentRepository, KpiRepository, ReportRepository, StaffRecordsRepository, kpiOverridesFromConfig } from '@cti/db';
import { runReportJob, scheduleReports } from './report/report.job.js';
import { processCallbackResult } from './callback-result.processor.js';
import { CALL_RATINGS_QUEUE, LINKAGES_QUEUE, RECORDING_RETENTION_QUEUE } from '@cti/contracts';
import { CallRatingRepository, LinkageRepository } from '@cti/db';
import { processCallRating } from './call-rating.processor.js';
import { processLinkage } from './linkage.processor.js';
import { sweepRecordings } from './recording-retention.job.js';
import { intakeRulesFrom, startTicketJobs } from './ticket-jobs.js';
import { startOpsJobs } from './ops/ops.jobs.js';
import { jobLocks } from './job-locks.js';

const config = loadConfig(process.env);
const log = createLogger('worker', config.CTI_LOG_LEVEL);
const migrationsDir = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** A job whose payload the schema refuses will never succeed: it fails for inspection instead of being retried. */
async function failingInvalid<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof CtiError && err.code === 'CTI_ERR_VALIDATION') throw new UnrecoverableError(err.message);
    throw err;
  }
}

async function main(): Promise<void> {
  log.info({ sinceStartMs: Math.round(process.uptime() * 1000) }, 'worker starting');
  // PostgreSQL may still be starting, or briefly away: the first migration is retried.
  const { applied } = await migrateWithRetry(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, migrationsDir, (err, attempt) => log.warn({ err: err.message, attempt }, 'database not ready; retrying'));
  log.info({ sinceStartMs: Math.round(process.uptime() * 1000), applied }, 'database schema up to date');
  const db = createDb(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA);
  const calls = new CallRepository(db, intakeRulesFrom(db, config));
  const callbackTasks = new CallbackTaskRepository(db);
  const missedCalls = { openForAbandoned: (r: Parameters<CallbackTaskRepository['openForAbandoned']>[0]) => callbackTasks.openForAbandoned(r, config.CTI_MISSED_CALLBACK_AFTER_S * 1000) };
  const connection = new Redis({ ...redisConnectionOptions(config), maxRetriesPerRequest: null });
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis error'));

  const worker = new Worker(
    CALL_RECORDS_QUEUE,
    async (job) => {
      try {
        return await processCallRecord(job.data, calls, log, missedCalls);
      } catch (err) {
        // A malformed record will never succeed: fail it for inspection instead of retrying forever.
        if (err instanceof CtiError && err.code === 'CTI_ERR_VALIDATION') {
          log.error({ jobId: job.id, details: err.details }, 'rejected call record');
          throw new UnrecoverableError(err.message);
        }
        throw err;
      }
    },
    { connection, prefix: config.CTI_REDIS_PREFIX, concurrency: config.CTI_WORKER_CONCURRENCY, ...jobLocks(config) },
  );
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'call record job failed'));
  // Callback outcomes: an unreachable citizen's missed-call task is retried up to 3 attempts, then failed.
  const callbackWorker = new Worker(
    CALLBACK_RESULTS_QUEUE,
    async (job) => void (await failingInvalid(processCallbackResult(job.data, { storeResult: (r) => callbackTasks.storeResult(r, 3) }, log))),
    { connection, prefix: config.CTI_REDIS_PREFIX, concurrency: 4, ...jobLocks(config) },
  );
  callbackWorker.on('error', (err) => log.warn({ err: err.message }, 'callback worker error'));
  worker.on('error', (err) => log.warn({ err: err.message }, 'worker error'));
  log.info({ queue: CALL_RECORDS_QUEUE, prefix: config.CTI_REDIS_PREFIX }, 'worker started');

  // Reports: generated on schedule (repeatable jobs, Beijing time) and on demand (jobs the gateway adds).
  const kpiFacts = new KpiRepository(db);
  const agentDirectory = new AgentRepository(db);
  const reportStore = new ReportRepository(db);
  const staffRecords = new StaffRecordsRepository(db);
  const reportQueue = new Queue<ReportJobData>(REPORTS_QUEUE, { connection, prefix: config.CTI_REDIS_PREFIX });
  if (config.CTI_REPORTS_SCHEDULE) await scheduleReports(reportQueue, REPORTS_QUEUE);
  const reportWorker = new Worker<ReportJobData>(
    REPORTS_QUEUE,
    async (job) =>
      runReportJob(job.data, { facts: kpiFacts, agentNames: () => agentDirectory.list(), sink: reportStore, overrides: kpiOverridesFromConfig(config), now: Date.now(), staff: staffRecords }),
    { connection, prefix: config.CTI_REDIS_PREFIX, concurrency: 2, ...jobLocks(config) },
  );
  reportWorker.on('completed', (job) => log.info({ jobId: job.id, kind: job.data.kind }, 'report generated'));
  reportWorker.on('failed', (job, err) => log.warn({ jobId: job?.id, err: err.message }, 'report job failed'));
  reportWorker.on('error', (err) => log.warn({ err: err.message }, 'report worker error'));
  const ticketJobs = await startTicketJobs(db, connection, config, log);
  // Operations: daily inspections, weekly/quarterly/annual reports and verified database backups (scheduled and on demand).
  const opsJobs = await startOpsJobs(db, connection, config, log);

  // Call control: linkages with partner lines (ticket → transferred_emergency), and the daily recording retention sweep.
  const linkageStore = new LinkageRepository(db);
  const linkageWorker = new Worker(
    LINKAGES_QUEUE,
    (job) => failingInvalid(processLinkage(job.data, linkageStore, log)),
    { connection, prefix: config.CTI_REDIS_PREFIX, concurrency: 4, ...jobLocks(config) },
  );
  linkageWorker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'linkage job failed'));
  linkageWorker.on('error', (err) => log.warn({ err: err.message }, 'linkage worker error'));
  // Callers' ratings (pressed 1–5 after the agent ended the call), once per call.
  const ratingStore = new CallRatingRepository(db);
  const ratingWorker = new Worker(
    CALL_RATINGS_QUEUE,
    (job) => failingInvalid(processCallRating(job.data, ratingStore, log)),
    { connection, prefix: config.CTI_REDIS_PREFIX, concurrency: 2, ...jobLocks(config) },
  );
  ratingWorker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'caller rating job failed'));
  ratingWorker.on('error', (err) => log.warn({ err: err.message }, 'caller rating worker error'));
  const retentionQueue = new Queue(RECORDING_RETENTION_QUEUE, { connection, prefix: config.CTI_REDIS_PREFIX });
  await retentionQueue.upsertJobScheduler('daily', { pattern: '30 3 * * *', tz: BEIJING_TIME_ZONE }, { name: 'sweep' });
  const retentionWorker = new Worker(
    RECORDING_RETENTION_QUEUE,
    async () => {
      const r = await sweepRecordings(config.CTI_RECORDINGS_DIR, config.CTI_RECORDING_RETENTION_DAYS, Date.now());
      log.info({ ...r, days: config.CTI_RECORDING_RETENTION_DAYS }, 'recording retention sweep');
      return r;
    },
    { connection, prefix: config.CTI_REDIS_PREFIX, concurrency: 1, ...jobLocks(config) },
  );
  retentionWorker.on('error', (err) => log.warn({ err: err.message }, 'retention worker error'));

  let stopping = false;
  exitWhenRedisEnds(connection, log, () => stopping);
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining worker');
    await Promise.all([worker.close(), callbackWorker.close()]);
    await reportWorker.close();
    await Promise.all([linkageWorker.close(), ratingWorker.close(), retentionWorker.close(), retentionQueue.close()]);
    await reportQueue.close();
    await ticketJobs.close();
    await opsJobs.close();
    await connection.quit().catch(() => undefined);
    await db.destroy();
    log.info({}, 'worker stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  log.fatal({ err: (err as Error).message }, 'worker failed to start');
  process.exit(1);
});
