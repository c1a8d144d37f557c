/**
 * Ticket pipeline benchmark: call records → BullMQ → worker → calls + intake tickets (with deadline, history and
 * ticket link) in PostgreSQL, with the ticket jobs' outbox sweeper scheduling the deadline jobs alongside, on the
 * real PostgreSQL and Redis of this machine (own schema and prefix, dropped afterwards).
 *
 * Phase 1 offers records at a fixed rate (BENCH_RATE per second for BENCH_SECONDS) as the gateway would, and
 * measures end-to-end latency from enqueue to commit. Phase 2 preloads BENCH_BURST records and measures how fast
 * the worker drains them (the ceiling). The workspace packages load from their dist, the worker's code from its sources.
 * Run: npm run bench:tickets (it builds the packages first). The last line printed is the JSON summary of phase 1.
 */
import { join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { CALL_RECORDS_QUEUE, loadConfig } from '@cti/contracts';
import { CallRepository, createDb, migrate } from '@cti/db';
import type { CallRecord } from '@cti/domain';
import { processCallRecord } from '../../services/worker/src/call-record.processor.js';
import { createLogger } from '../../services/worker/src/logger.js';
import { intakeRulesFrom, startTicketJobs } from '../../services/worker/src/ticket-jobs.js';
import { deleteRedisKeys, dropSchema, root } from './stack.js';
import { atFloorIndex } from './stats.js';

const DATABASE_URL = process.env.CTI_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.CTI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RATE = Number(process.env.BENCH_RATE ?? 1200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const POOL = Number(process.env.BENCH_POOL ?? 24);

/** Percentile `p` (0…100) of sorted latencies. */
const percentile = (sorted: number[], p: number) => atFloorIndex(sorted, p / 100);

/** Call records of run `run`, numbered from 0 (`count()` made so far), as the gateway sends them. */
function callRecords(run: string): { record: (now: number) => CallRecord; count: () => number } {
  let seq = 0;
  const record = (now: number): CallRecord => {
    const i = seq++;
    const answered = i % 10 !== 0; // about nine in ten offered calls are answered
    return {
      linkedId: `${run}-${i}`,
      trunk: i % 2 ? 'primary' : 'backup',
      callerNumber: `138${String(i).padStart(8, '0')}`,
      did: '12345',
      language: i % 7 ? 'mandarin' : 'tibetan',
      arrivedAt: now - 120_000,
      queuedAt: now - 119_000,
      ...(answered ? { offeredAt: now - 118_000, answeredAt: now - 115_000, agentId: `a${String((i % 27) + 1).padStart(2, '0')}`, seat: `seat-${String((i % 27) + 1).padStart(2, '0')}` } : {}),
      endedAt: now,
      outcome: answered ? 'answered' : 'abandoned',
      endedBy: 'caller',
      offers: answered ? 1 : 0,
    };
  };
  return { record, count: () => seq };
}

async function main(): Promise<void> {
  const run = `bench_${Date.now()}`;
  const { record, count } = callRecords(run);
  await migrate(DATABASE_URL, run, join(root, 'migrations'));
  const config = loadConfig({ CTI_DATABASE_URL: DATABASE_URL, CTI_DB_SCHEMA: run, CTI_REDIS_URL: REDIS_URL, CTI_REDIS_PREFIX: run, CTI_LOG_LEVEL: 'silent', CTI_SMS_LOG_FILE: `.run/${run}/sms.log` });
  const db = createDb(DATABASE_URL, run, POOL);
  const calls = new CallRepository(db, intakeRulesFrom(db, config));
  const log = createLogger('bench', 'silent');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(CALL_RECORDS_QUEUE, { connection, prefix: run });
  const latencies: number[] = [];
  let done = 0;
  let lastDoneAt = 0;
  const workerConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(CALL_RECORDS_QUEUE, async (job: Job) => processCallRecord(job.data, calls, log), {
    connection: workerConnection,
    prefix: run,
    concurrency: CONCURRENCY,
  });
  worker.on('completed', (job) => {
    done++;
    lastDoneAt = Date.now();
    if (job.finishedOn !== undefined) latencies.push(job.finishedOn - job.timestamp);
  });
  worker.on('failed', (job, err) => console.error('failed', job?.id, err.message));
  const jobs = process.env.BENCH_SWEEPER === '0' ? { close: async () => undefined } : await startTicketJobs(db, connection, config, log);
  const opts = { removeOnComplete: true, removeOnFail: 1000 };

  const waitDone = async (n: number, timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (done < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  };

  // Phase 1: paced offer at RATE records/s, batches every 50 ms.
  const total = Math.round(RATE * SECONDS);
  const started = Date.now();
  let offered = 0;
  while (offered < total) {
    const due = Math.min(total, Math.round(((Date.now() - started) / 1000) * RATE));
    if (due > offered) {
      const batch = Array.from({ length: due - offered }, () => record(Date.now()));
      await queue.addBulk(batch.map((r) => ({ name: 'call', data: r, opts: { jobId: r.linkedId, ...opts } })));
      offered = due;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitDone(total, 120_000);
  const paced = { records: done, seconds: (lastDoneAt - started) / 1000, latencies: [...latencies].sort((a, b) => a - b) };
  const pacedRate = paced.records / paced.seconds;
  console.log(`paced: offered ${RATE}/s for ${SECONDS}s → ${paced.records} records in ${paced.seconds.toFixed(2)} s = ${pacedRate.toFixed(0)} records/s; latency p50 ${percentile(paced.latencies, 50)} ms, p99 ${percentile(paced.latencies, 99)} ms, max ${paced.latencies.at(-1)} ms`);

  // Phase 2: burst, to find the ceiling.
  await worker.pause();
  latencies.length = 0;
  const before = done;
  for (let i = 0; i < BURST; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, BURST - i) }, () => record(Date.now()));
    await queue.addBulk(batch.map((r) => ({ name: 'call', data: r, opts: { jobId: r.linkedId, ...opts } })));
  }
  const burstStart = Date.now();
  worker.resume();
  await waitDone(before + BURST, 180_000);
  const burstRate = (done - before) / ((lastDoneAt - burstStart) / 1000);
  console.log(`burst: ${done - before} preloaded records drained at ${burstRate.toFixed(0)} records/s (concurrency ${CONCURRENCY}, pool ${POOL})`);

  // Every record stored once; every answered one has exactly one ticket with a deadline.
  const check = await sql<{ calls: string; tickets: string; no_deadline: string }>`
    SELECT (SELECT count(*) FROM calls) calls, (SELECT count(*) FROM tickets) tickets, (SELECT count(*) FROM tickets WHERE deadline_at IS NULL) no_deadline`.execute(db);
  const seq = count();
  const answered = Math.ceil(seq * 0.9) - (seq % 10 === 0 ? 0 : 0);
  console.log(`stored: ${check.rows[0]?.calls} calls, ${check.rows[0]?.tickets} tickets (≈${answered} answered), ${check.rows[0]?.no_deadline} without deadline`);

  await jobs.close();
  await worker.close();
  await queue.close();
  await workerConnection.quit();
  await connection.quit();
  await db.destroy();
  await dropSchema(DATABASE_URL, run);
  await deleteRedisKeys(REDIS_URL, run);
  console.log(JSON.stringify({ records: paced.records, records_per_s: Math.round(pacedRate), p99_ms: percentile(paced.latencies, 99), p50_ms: percentile(paced.latencies, 50), offered_per_s: RATE, burst_records_per_s: Math.round(burstRate) }));
  // BullMQ may keep a timer or socket alive for a moment after close; the benchmark is done.
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
