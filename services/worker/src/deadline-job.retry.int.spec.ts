// A deadline job that meets a version conflict runs again (real Redis, real BullMQ): with one attempt the yellow
// warning was lost for good, and the red job it chains was never added.
import { afterAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { CtiError } from '@cti/domain';
import { DEADLINE_JOB_OPTIONS, type DeadlineJobData } from './deadline-job.processor.js';

const REDIS_URL = process.env.CTI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `it-deadline-${Date.now()}`;
const connections: Redis[] = [];
const connect = () => {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  connections.push(r);
  return r;
};

afterAll(async () => {
  const r = connect();
  const keys = await r.keys(`${prefix}:*`);
  if (keys.length) await r.del(...keys);
  for (const c of connections) await c.quit();
});

describe('deadline job retries', () => {
  it('runs a deadline job again after a concurrent ticket change failed it, until it goes through', async () => {
    const queue = new Queue<DeadlineJobData>('deadline-retry', { connection: connect(), prefix });
    const events = new QueueEvents('deadline-retry', { connection: connect(), prefix });
    await events.waitUntilReady();
    const attempts: number[] = [];
    const worker = new Worker<DeadlineJobData>(
      'deadline-retry',
      async (job) => {
        attempts.push(job.attemptsMade + 1);
        if (attempts.length < 3) throw new CtiError('CTI_ERR_CONFLICT', `ticket ${job.data.ticketId} was changed concurrently`, { id: job.data.ticketId });
        return 'raised';
      },
      { connection: connect(), prefix },
    );
    const job = await queue.add('yellow', { ticketId: '6', deadline: 1, level: 'yellow' }, { jobId: 'deadline-6-1-yellow', ...DEADLINE_JOB_OPTIONS });
    expect(await job.waitUntilFinished(events, 30_000)).toBe('raised');
    expect(attempts).toEqual([1, 2, 3]);
    await worker.close();
    await events.close();
    await queue.close();
  });
});
