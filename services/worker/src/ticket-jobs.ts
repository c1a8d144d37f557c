import { Queue, Worker, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import {
  EXCHANGE_PUSH_QUEUE,
  QA_SAMPLING_QUEUE,
  SMS_QUEUE,
  TICKET_DEADLINES_QUEUE,
  ticketSettingsFromConfig,
  type Config,
  type DeadlineJobData,
  type ExchangePushJobData,
  type QaSamplingJobData,
  type SmsJobData,
} from '@cti/contracts';
import { CachedWorkingCalendar, CalendarRepository, ExchangeRepository, QaRepository, SmsRepository, TicketRepository, type Database, type IntakeDeadlineRules } from '@cti/db';
import { BEIJING_TIME_ZONE, beijingMonth, isOpenState, previousPeriod, type TicketState } from '@cti/domain';
import type { Logger } from './logger.js';
import { DEADLINE_JOB_OPTIONS, deadlineJobs, processDeadlineJob } from './deadline-job.processor.js';
import { validJobData } from './job-payload.js';
import { processExchangePush } from './exchange-push.processor.js';
import { sweepOutbox } from './outbox.sweeper.js';
import { LogFileSmsAdapter, type SmsPort } from './sms.log-adapter.js';
import { sendSmsOnce } from './sms.processor.js';
import { jobLocks } from './job-locks.js';

/**
 * The deadline rules of an intake ticket from a call: the database calendar and the configured deadline policy
 * (the domain's openTicketFromCall applies them: the shortest normal limit until the agent classifies the ticket).
 */
export function intakeRulesFrom(db: Kysely<Database>, config: Config): IntakeDeadlineRules {
  const settings = ticketSettingsFromConfig(config);
  const calendar = new CachedWorkingCalendar(new CalendarRepository(db), 60_000);
  return async () => ({ calendar: await calendar.get(), policy: settings.deadlinePolicy });
}

/** The Beijing month before the instant, 'YYYY-MM' (the monthly QA job samples the month just ended). */
export function previousBeijingMonth(now: number): string {
  return beijingMonth(previousPeriod('monthly', now).from);
}

/**
 * Starts the ticket engine's background work: the outbox sweeper, deadline warnings (催办/督办), SMS,
 * pushes to the 110 platform and the monthly QA sampling. Returns a stopper.
 */
export async function startTicketJobs(db: Kysely<Database>, connection: Redis, config: Config, log: Logger, sms: SmsPort = new LogFileSmsAdapter(config.CTI_SMS_LOG_FILE)): Promise<{ close(): Promise<void> }> {
  const settings = ticketSettingsFromConfig(config);
  const prefix = config.CTI_REDIS_PREFIX;
  const tickets = new TicketRepository(db);
  const smsRepo = new SmsRepository(db);
  const exchange = new ExchangeRepository(db);
  const qa = new QaRepository(db);

  const deadlineQueue = new Queue<DeadlineJobData>(TICKET_DEADLINES_QUEUE, { connection, prefix });
  const smsQueue = new Queue<SmsJobData>(SMS_QUEUE, { connection, prefix });
  const pushQueue = new Queue<ExchangePushJobData>(EXCHANGE_PUSH_QUEUE, { connection, prefix });
  const qaQueue = new Queue<QaSamplingJobData>(QA_SAMPLING_QUEUE, { connection, prefix });

  const workers = [
    new Worker<DeadlineJobData>(
      TICKET_DEADLINES_QUEUE,
      async (job) => {
        const data = validJobData(TICKET_DEADLINES_QUEUE, job.data);
        const result = await processDeadlineJob(data, tickets, Date.now());
        if (data.level === 'yellow') {
          // Chain the red job while the ticket is open with the same deadline (idempotent id: redelivery adds nothing).
          const row = await tickets.findById(data.ticketId);
          if (row && isOpenState(row.state as TicketState) && row.deadline_at?.getTime() === data.deadline) {
            const red = deadlineJobs(row.id, row.accepted_at.getTime(), data.deadline, Date.now(), settings.warningPolicy)[1];
            if (red) await deadlineQueue.add('red', red.data, { jobId: red.id, delay: red.delay, ...DEADLINE_JOB_OPTIONS });
          }
        }
        return result;
      },
      { connection, prefix, concurrency: 8, ...jobLocks(config) },
    ),
    new Worker<SmsJobData>(
      SMS_QUEUE,
      async (job) => sendSmsOnce(validJobData(SMS_QUEUE, job.data).smsId, smsRepo, sms, log, Date.now),
      { connection, prefix, concurrency: 4, ...jobLocks(config) },
    ),
    new Worker<ExchangePushJobData>(
      EXCHANGE_PUSH_QUEUE,
      async (job) =>
        processExchangePush(
          validJobData(EXCHANGE_PUSH_QUEUE, job.data).messageId,
          job.attemptsMade + 1,
          exchange,
          { url: config.CTI_EXCHANGE_110_URL, secret: config.CTI_EXCHANGE_OUTBOUND_SECRET, timeoutMs: config.CTI_EXCHANGE_TIMEOUT_MS, maxAttempts: config.CTI_EXCHANGE_MAX_ATTEMPTS },
          (url, init) => fetch(url, init),
          Date.now(),
        ),
      { connection, prefix, concurrency: 4, ...jobLocks(config) },
    ),
    new Worker<QaSamplingJobData>(
      QA_SAMPLING_QUEUE,
      async (job) => {
        const period = validJobData(QA_SAMPLING_QUEUE, job.data).period ?? previousBeijingMonth(Date.now());
        const staff = [...new Set([...config.CTI_QA_STAFF.split(',').map((s) => s.trim()).filter(Boolean), ...(await qa.qaStaffFromTokens())])].sort();
        if (staff.length === 0) throw new UnrecoverableError('no QA staff configured (CTI_QA_STAFF or qa tokens)');
        return qa.sampleMonth(period, config.CTI_QA_SAMPLE_RATE, staff, `qa-${period}`);
      },
      { connection, prefix, concurrency: 1, ...jobLocks(config) },
    ),
  ];
  for (const w of workers) {
    w.on('failed', (job, err) => log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'ticket job failed'));
    w.on('error', (err) => log.warn({ queue: w.name, err: err.message }, 'ticket worker error'));
  }
  // On the 1st of each month at 03:00 Beijing time, sample the month just ended.
  await qaQueue.upsertJobScheduler('qa-monthly', { pattern: '0 0 3 1 * *', tz: BEIJING_TIME_ZONE }, { name: 'qa-monthly', data: {} });

  const sinks = {
    deadlines: deadlineQueue,
    sms: smsQueue,
    pushes: config.CTI_EXCHANGE_110_URL === '' ? null : pushQueue,
    warningPolicy: settings.warningPolicy,
    push: { attempts: config.CTI_EXCHANGE_MAX_ATTEMPTS, backoffMs: config.CTI_EXCHANGE_BACKOFF_MS },
  };
  const sources = { tickets, sms: smsRepo, exchange };
  let sweeping: Promise<void> | undefined;
  let stopped = false;
  const sweep = async () => {
    // Keep draining while a batch was full, then wait for the next tick.
    for (let n = 1; n > 0 && !stopped; ) n = (await sweepOutbox(sources, sinks, Date.now())) >= 500 ? 1 : 0;
  };
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = sweep()
      .catch((err: Error) => log.warn({ err: err.message }, 'outbox sweep failed'))
      .finally(() => {
        sweeping = undefined;
      });
  }, config.CTI_OUTBOX_POLL_MS);
  log.info({ queues: [TICKET_DEADLINES_QUEUE, SMS_QUEUE, EXCHANGE_PUSH_QUEUE, QA_SAMPLING_QUEUE] }, 'ticket jobs started');

  return {
    async close() {
      stopped = true;
      clearInterval(timer);
      await sweeping;
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([deadlineQueue.close(), smsQueue.close(), pushQueue.close(), qaQueue.close()]);
    },
  };
}
