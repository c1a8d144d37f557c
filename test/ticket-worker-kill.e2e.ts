// A worker killed with SIGKILL in the middle of a batch loses nothing and duplicates nothing: after a restart
// every call record yields exactly one call row and (answered) exactly one ticket. The worker here is our own
// process with its own schema and Redis prefix, so the shared worker of the run is not disturbed.
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import { CALL_RECORDS_QUEUE } from '@cti/contracts';
import { createDb, type Database } from '@cti/db';
import type { CallRecord } from '@cti/domain';
import { startProcess, stopProcess, waitFor } from './support/processes.js';
import { dropOwnStore } from './support/own-store.js';

const ctx = inject('e2e');
const own = `${ctx.runId}_kill`;
const env = { ...ctx.env, CTI_DB_SCHEMA: own, CTI_REDIS_PREFIX: own, CTI_WORKER_LOCK_MS: '2000', CTI_EXCHANGE_110_URL: '', CTI_REPORTS_SCHEDULE: 'false', CTI_SMS_LOG_FILE: `.run/${own}/sms.log` };
const N = 3000;
let worker: ChildProcess | undefined;
let db: Kysely<Database> | undefined;

const record = (i: number): CallRecord => {
  const arrivedAt = Date.parse('2026-11-20T02:00:00Z') + i * 1000;
  const answered = i % 5 !== 0;
  return {
    linkedId: `kill-${i}`,
    trunk: i % 2 ? 'primary' : 'backup',
    callerNumber: `1380000${String(i).padStart(4, '0')}`,
    did: '12345',
    language: 'mandarin',
    arrivedAt,
    queuedAt: arrivedAt + 500,
    ...(answered ? { offeredAt: arrivedAt + 800, answeredAt: arrivedAt + 3000, agentId: `a0${(i % 9) + 1}`, seat: 'seat-01' } : {}),
    endedAt: arrivedAt + 60_000,
    outcome: answered ? 'answered' : 'abandoned',
    endedBy: 'caller',
    offers: answered ? 1 : 0,
  };
};

const stored = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM calls`.execute(db as Kysely<Database>)).rows[0]?.n ?? 0);

afterAll(async () => {
  await stopProcess(worker, 'SIGKILL');
  await db?.destroy();
  await dropOwnStore(ctx, own);
});

describe('worker killed with SIGKILL mid-batch', () => {
  it('after a restart, every call record yields exactly one call row and one ticket per answered call', async () => {
    const connection = new Redis(ctx.env.CTI_REDIS_URL as string, { maxRetriesPerRequest: null });
    const queue = new Queue(CALL_RECORDS_QUEUE, { connection, prefix: own });
    const records = Array.from({ length: N }, (_, i) => record(i));
    // Some records are delivered twice, as the gateway's spool redelivery may do.
    const deliveries = [...records, ...records.filter((_, i) => i % 10 === 3)];
    for (let i = 0; i < deliveries.length; i += 500) {
      await queue.addBulk(deliveries.slice(i, i + 500).map((r, k) => ({ name: 'call', data: r, opts: { jobId: `${r.linkedId}-${i + k >= N ? 'again' : 'first'}`, attempts: 10, backoff: { type: 'fixed', delay: 200 } } })));
    }

    const log = `${ctx.root}.run/${own}/worker.log`;
    worker = startProcess('node', ['services/worker/dist/main.js'], { cwd: ctx.root, env, log });
    db = createDb(ctx.env.CTI_DATABASE_URL as string, own, 2);
    await waitFor('a third of the records stored', async () => (await stored()) >= N / 3, 60_000, 20);
    const atKill = await stored();
    await stopProcess(worker, 'SIGKILL');
    expect(atKill).toBeLessThan(N);

    worker = startProcess('node', ['services/worker/dist/main.js'], { cwd: ctx.root, env, log });
    await waitFor('every record stored', async () => (await stored()) === N, 90_000, 200);
    await waitFor('queue drained', async () => {
      const c = await queue.getJobCounts('wait', 'active', 'delayed');
      return (c.wait ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0;
    }, 30_000, 200);

    const d = db as Kysely<Database>;
    const calls = await sql<{ n: string; distinct_ids: string }>`SELECT count(*) AS n, count(DISTINCT linked_id) AS distinct_ids FROM calls`.execute(d);
    expect(calls.rows[0]).toEqual({ n: String(N), distinct_ids: String(N) });
    const answered = records.filter((r) => r.outcome === 'answered').length;
    const tickets = await sql<{ n: string; per_call: string; without_deadline: string }>`
      SELECT count(*) AS n, count(DISTINCT source_call_id) AS per_call, count(*) FILTER (WHERE deadline_at IS NULL) AS without_deadline FROM tickets`.execute(d);
    expect(tickets.rows[0]).toEqual({ n: String(answered), per_call: String(answered), without_deadline: '0' });
    const history = await sql<{ n: string }>`SELECT count(*) AS n FROM ticket_history WHERE action = 'open_from_call'`.execute(d);
    expect(Number(history.rows[0]?.n)).toBe(answered);
    const failed = await queue.getJobCounts('failed');
    expect(failed.failed).toBe(0);
    await queue.close();
    await connection.quit();
  }, 180_000);
});
