import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { CALL_RECORDS_QUEUE } from '@cti/contracts';
import { CallRepository, createDb, migrate, type Database, type StoreCallResult } from '@cti/db';
import { CtiError, HANGUP_CAUSE_NO_MEDIA, type CallRecord } from '@cti/domain';
import { processCallRecord } from './call-record.processor.js';
import { createLogger } from './logger.js';

const DATABASE_URL = process.env.CTI_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.CTI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MIGRATIONS = fileURLToPath(new URL('../../../migrations', import.meta.url));
const run = `${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
const schema = `it_${run}`;
const prefix = `it-worker-${run}`;
const log = createLogger('worker-test', 'silent');

let db: Kysely<Database>;
let repo: CallRepository;
let connection: Redis;
let queue: Queue;
let events: QueueEvents;
let worker: Worker;

const record = (linkedId: string): CallRecord => ({
  linkedId,
  trunk: 'backup',
  callerNumber: '13900005678',
  did: '12345',
  language: 'tibetan',
  arrivedAt: 1_780_000_000_000,
  queuedAt: 1_780_000_001_000,
  offeredAt: 1_780_000_002_000,
  answeredAt: 1_780_000_005_000,
  endedAt: 1_780_000_100_000,
  agentId: 'a9',
  seat: 'seat-09',
  outcome: 'answered',
  endedBy: 'agent',
  offers: 1,
});

const ticketsFor = async (linkedId: string) =>
  Number((await db.selectFrom('tickets').select(sql<string>`count(*)`.as('n')).where('source_call_id', '=', linkedId).executeTakeFirstOrThrow()).n);

beforeAll(async () => {
  await migrate(DATABASE_URL, schema, MIGRATIONS);
  db = createDb(DATABASE_URL, schema);
  repo = new CallRepository(db);
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(CALL_RECORDS_QUEUE, { connection, prefix });
  events = new QueueEvents(CALL_RECORDS_QUEUE, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
  // The same job body as the worker's main.ts: validation failures are unrecoverable.
  worker = new Worker(
    CALL_RECORDS_QUEUE,
    async (job: Job): Promise<StoreCallResult> => {
      try {
        return await processCallRecord(job.data, repo, log);
      } catch (err) {
        if (err instanceof CtiError && err.code === 'CTI_ERR_VALIDATION') throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix, concurrency: 8 },
  );
  await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
});

afterAll(async () => {
  await worker?.close();
  await events?.close();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await connection?.quit();
  await db?.destroy();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe('call-record worker (real BullMQ and PostgreSQL)', () => {
  it('stores a record redelivered as two jobs as one call and one ticket', async () => {
    const a = await queue.add('call-record', record('W-1'), { jobId: 'W-1' });
    const b = await queue.add('call-record', record('W-1'), { jobId: 'W-1-redelivered' });
    const [ra, rb] = (await Promise.all([a.waitUntilFinished(events, 10_000), b.waitUntilFinished(events, 10_000)])) as StoreCallResult[];
    expect([ra?.ticketCreated, rb?.ticketCreated].filter(Boolean)).toHaveLength(1);
    expect(ra?.ticketId).toBe(rb?.ticketId);
    expect(await ticketsFor('W-1')).toBe(1);
    expect(await repo.countByLinkedIds(['W-1'])).toBe(1);
  });

  it('keeps one job when the gateway adds the same linkedid twice', async () => {
    const a = await queue.add('call-record', record('W-2'), { jobId: 'W-2' });
    const b = await queue.add('call-record', record('W-2'), { jobId: 'W-2' });
    expect(b.id).toBe(a.id);
    await a.waitUntilFinished(events, 10_000);
    expect(await ticketsFor('W-2')).toBe(1);
  });

  it('stores who ended the call and the hang-up cause of a leg that vanished (no RTP), and refuses a cause outside Q.850', async () => {
    const job = await queue.add('call-record', { ...record('W-dead'), endedBy: 'caller', hangupCause: HANGUP_CAUSE_NO_MEDIA }, { jobId: 'W-dead' });
    await job.waitUntilFinished(events, 10_000);
    const row = await db.selectFrom('calls').select(['ended_by', 'hangup_cause']).where('linked_id', '=', 'W-dead').executeTakeFirstOrThrow();
    expect(row).toEqual({ ended_by: 'caller', hangup_cause: HANGUP_CAUSE_NO_MEDIA });
    await expect(processCallRecord({ ...record('W-cause'), hangupCause: 300 }, repo, log)).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
  });

  it('fails an invalid record at once with CTI_ERR_VALIDATION and stores nothing', async () => {
    await expect(processCallRecord({ ...record('W-bad'), outcome: 'maybe' }, repo, log)).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    const job = await queue.add('call-record', { ...record('W-bad'), trunk: 'carrier-pigeon' }, { jobId: 'W-bad', attempts: 5 });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow('invalid call record');
    const failed = await queue.getJob('W-bad');
    expect(failed?.attemptsMade).toBe(1);
    expect(await repo.countByLinkedIds(['W-bad'])).toBe(0);
  });
});
