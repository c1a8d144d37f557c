import type { JobsOptions } from 'bullmq';
import { isOpenState, type TicketState, type WarningPolicy } from '@cti/domain';
import type { ExchangeMessageRow, SmsMessageRow, TicketRow } from '@cti/db';
import type { DeadlineJobData, ExchangePushJobData, SmsJobData } from '@cti/contracts';
import { DEADLINE_JOB_OPTIONS, deadlineJobs } from './deadline-job.processor.js';

/** Adds jobs in bulk (a BullMQ Queue fits). */
export interface JobSink<T> {
  addBulk(jobs: { name: string; data: T; opts?: JobsOptions }[]): Promise<unknown>;
}

/** The outbox tables the sweeper drains (the repositories fit). */
export interface OutboxSources {
  tickets: { findUnscheduled(limit: number): Promise<Pick<TicketRow, 'id' | 'state' | 'accepted_at' | 'deadline_at'>[]>; markScheduled(items: { id: string; deadlineAt: Date | null }[]): Promise<void> };
  sms: { findUnqueued(limit: number): Promise<SmsMessageRow[]>; markQueued(ids: string[]): Promise<void> };
  exchange: { findUnqueued(limit: number): Promise<ExchangeMessageRow[]>; markQueued(ids: string[]): Promise<void> };
}

/** Where the sweeper puts jobs, and the push retry policy. */
export interface OutboxSinks {
  deadlines: JobSink<DeadlineJobData>;
  sms: JobSink<SmsJobData>;
  pushes: JobSink<ExchangePushJobData> | null;
  warningPolicy: WarningPolicy;
  push: { attempts: number; backoffMs: number };
}

const BATCH = 500;
const keep = { removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 7 * 86400 } };

/**
 * Moves rows written in ticket transactions into BullMQ (transactional outbox): deadline jobs for new or moved
 * deadlines, SMS, and pushes to the 110 platform. Job ids are derived from the rows, so a row queued twice
 * (a crash between add and mark) is one job. Returns how many rows it handled.
 */
export async function sweepOutbox(src: OutboxSources, sinks: OutboxSinks, now: number): Promise<number> {
  let handled = 0;
  const tickets = await src.tickets.findUnscheduled(BATCH);
  if (tickets.length > 0) {
    const jobs = tickets
      .filter((t) => t.deadline_at !== null && isOpenState(t.state as TicketState))
      // Only the yellow job: it chains the red one when it runs, which halves the Redis work per new ticket.
      .flatMap((t) => deadlineJobs(t.id, t.accepted_at.getTime(), (t.deadline_at as Date).getTime(), now, sinks.warningPolicy).slice(0, 1))
      .map((j) => ({ name: j.data.level, data: j.data, opts: { jobId: j.id, delay: j.delay, ...DEADLINE_JOB_OPTIONS } }));
    if (jobs.length > 0) await sinks.deadlines.addBulk(jobs);
    await src.tickets.markScheduled(tickets.map((t) => ({ id: t.id, deadlineAt: t.deadline_at })));
    handled += tickets.length;
  }
  const sms = await src.sms.findUnqueued(BATCH);
  if (sms.length > 0) {
    await sinks.sms.addBulk(sms.map((m) => ({ name: m.kind, data: { smsId: m.id }, opts: { jobId: `sms-${m.id}`, attempts: 5, backoff: { type: 'exponential', delay: 1000 }, ...keep } })));
    await src.sms.markQueued(sms.map((m) => m.id));
    handled += sms.length;
  }
  if (sinks.pushes) {
    const pushes = await src.exchange.findUnqueued(BATCH);
    if (pushes.length > 0) {
      await sinks.pushes.addBulk(
        pushes.map((m) => ({ name: 'push', data: { messageId: m.id }, opts: { jobId: `push-${m.id}`, attempts: sinks.push.attempts, backoff: { type: 'exponential', delay: sinks.push.backoffMs }, ...keep } })),
      );
      await src.exchange.markQueued(pushes.map((m) => m.id));
      handled += pushes.length;
    }
  }
  return handled;
}
