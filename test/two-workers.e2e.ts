// Two workers share the queues; one is killed with SIGKILL in the middle of a backup and of a stream of call records
// and SMS, and is not restarted. The other carries everything on (docs/domain.md §21): every call record stored once,
// every SMS handed to the provider at most once, one inspection per scheduler tick, and the backup the dead worker was
// making finished once, with what the dead run left behind cleared. The workers are our own processes with their own
// schema and Redis prefix, so the run's shared worker is not disturbed.
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { CALL_RECORDS_QUEUE, OPS_QUEUE, opsJobKey, type OpsJobData } from '@cti/contracts';
import { SmsRepository, createDb, type Database } from '@cti/db';
import type { CallRecord } from '@cti/domain';
import { startProcess, stopProcess, waitFor } from './support/processes.js';
import { dropOwnStore } from './support/own-store.js';
import { gatewayLogLines } from './support/gateway-log.js';

const ctx = inject('e2e');
const own = `${ctx.runId}_two`;
const dir = `${ctx.root}.run/${own}`;
const backups = `${dir}/backups`;
const smsLog = `${dir}/sms.log`;
const INSPECTION_EVERY_MS = 2_000;
/** The ids of the inspection scheduler's jobs: `repeat:<scheduler id>:<tick>`. */
const TICK = 'repeat:ops-inspection-daily:';
const env = {
  ...ctx.env, CTI_DB_SCHEMA: own, CTI_REDIS_PREFIX: own, CTI_WORKER_LOCK_MS: '2000', CTI_EXCHANGE_110_URL: '', CTI_REPORTS_SCHEDULE: 'false',
  CTI_SMS_LOG_FILE: smsLog, CTI_BACKUP_DIR: backups, CTI_OPS_SCHEDULE: 'true', CTI_INSPECTION_CRON: '*/2 * * * * *',
};
const N = 1500;
const SMS = 300;
const workers: Record<'A' | 'B', ChildProcess | undefined> = { A: undefined, B: undefined };
const logOf = (w: 'A' | 'B') => `${dir}/worker-${w}.log`;
let db: Kysely<Database> | undefined;
let holder: pg.Client | undefined;

const record = (i: number): CallRecord => {
  const arrivedAt = Date.parse('2026-11-21T02:00:00Z') + i * 1000;
  const answered = i % 4 !== 0;
  return {
    linkedId: `two-${i}`, trunk: 'primary', callerNumber: `1390000${String(i).padStart(4, '0')}`, did: '12345', language: 'mandarin', arrivedAt, queuedAt: arrivedAt + 400,
    ...(answered ? { offeredAt: arrivedAt + 700, answeredAt: arrivedAt + 2500, agentId: `a0${(i % 9) + 1}`, seat: 'seat-01' } : {}),
    endedAt: arrivedAt + 45_000, outcome: answered ? 'answered' : 'abandoned', endedBy: 'caller', offers: answered ? 1 : 0,
  };
};

const count = async (q: RawBuilder<{ n: string }>) => Number((await q.execute(db as Kysely<Database>)).rows[0]?.n ?? 0);
const opsStarted = (w: 'A' | 'B') => (existsSync(logOf(w)) ? gatewayLogLines(logOf(w)).filter((l) => l.msg === 'ops job started') : []);

afterAll(async () => {
  await holder?.end().catch(() => undefined);
  await Promise.all([stopProcess(workers.A, 'SIGKILL'), stopProcess(workers.B, 'SIGKILL')]);
  await db?.destroy();
  await dropOwnStore(ctx, own);
});

describe('two workers, one killed with SIGKILL mid-job', () => {
  it('leaves the other to store every call record once, send no SMS twice, run each inspection tick once and finish the dead one’s backup once', async () => {
    for (const w of ['A', 'B'] as const) workers[w] = startProcess('node', ['services/worker/dist/main.js'], { cwd: ctx.root, env, log: logOf(w) });
    await waitFor('both workers started', () => (['A', 'B'] as const).every((w) => existsSync(logOf(w)) && gatewayLogLines(logOf(w)).some((l) => l.msg === 'ticket jobs started')), 60_000);
    db = createDb(ctx.env.CTI_DATABASE_URL as string, own, 2);

    // A table the backup must read, held locked by the test: the backup job stays in progress, at a known point,
    // for as long as the test needs to kill the worker running it.
    await sql`CREATE TABLE held_for_backup (id int PRIMARY KEY)`.execute(db);
    holder = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE "${own}".held_for_backup IN ACCESS EXCLUSIVE MODE`);

    const connection = new Redis(ctx.env.CTI_REDIS_URL as string, { maxRetriesPerRequest: null });
    const records = new Queue(CALL_RECORDS_QUEUE, { connection, prefix: own });
    const opsQueue = new Queue<OpsJobData>(OPS_QUEUE, { connection, prefix: own });
    const sms = new SmsRepository(db);
    for (let i = 0; i < SMS; i++) await sms.enqueue({ ticketId: null, kind: 'receipt', dedupeKey: `two-${i}`, to: `1390000${String(i).padStart(4, '0')}`, body: `【甘孜12345】您的诉求已受理（${i}）` });
    const all = Array.from({ length: N }, (_, i) => record(i));
    const deliveries = [...all, ...all.filter((_, i) => i % 10 === 3)];
    for (let i = 0; i < deliveries.length; i += 500) {
      await records.addBulk(deliveries.slice(i, i + 500).map((r, k) => ({ name: 'call', data: r, opts: { jobId: `${r.linkedId}-${i + k >= N ? 'again' : 'first'}`, attempts: 10, backoff: { type: 'fixed', delay: 200 } } })));
    }
    const backupJobId = `ops-backup-${Date.now()}-1`;
    const backupJob = await opsQueue.add(OPS_QUEUE, { kind: 'backup', trigger: 'manual' }, { jobId: backupJobId });
    const jobKey = opsJobKey({ id: backupJobId, timestamp: backupJob.timestamp });
    // A backup's sessions carry an application name of its own (cti-backup-…), its check database a name of its own.
    // (Read outside the holder's transaction: pg_stat_activity is read once per transaction.)
    const backupSessions = `SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'cti-backup-%'`;

    // The backup is in progress on one worker (waiting for the held table) and call records are being stored.
    let running: 'A' | 'B' | undefined;
    await waitFor('the backup job started on a worker', () => {
      running = (['A', 'B'] as const).find((w) => opsStarted(w).some((l) => l.jobId === backupJobId));
      return running !== undefined;
    }, 60_000, 20);
    await waitFor('the backup waiting for the held table', async () => (await sql.raw(`${backupSessions} AND wait_event_type = 'Lock'`).execute(db!)).rows.length > 0, 30_000, 20);
    await waitFor('some call records stored', async () => (await count(sql`SELECT count(*) AS n FROM calls`)) >= N / 5, 60_000, 20);
    const dead = running as 'A' | 'B';
    const survivor = dead === 'A' ? 'B' : 'A';
    await stopProcess(workers[dead], 'SIGKILL');
    const storedAtKill = await count(sql`SELECT count(*) AS n FROM calls`);
    expect(storedAtKill, 'the kill must come in the middle of the stream').toBeLessThan(N);
    expect((await opsQueue.getJob(backupJobId))?.finishedOn, 'the backup must be unfinished at the kill').toBeUndefined();
    const killedAt = Date.now();
    await holder.query('COMMIT');

    // The survivor takes over the dead worker's jobs once their locks lapse.
    await waitFor('every call record stored', async () => (await count(sql`SELECT count(*) AS n FROM calls`)) === N, 120_000, 200);
    await waitFor('the backup finished', async () => (await (await opsQueue.getJob(backupJobId))?.getState()) === 'completed', 120_000, 200);
    await waitFor('every SMS settled', async () => (await count(sql`SELECT count(*) AS n FROM sms_messages WHERE status IN ('sent', 'unconfirmed')`)) === SMS, 60_000, 200);
    await waitFor('two inspection ticks after the kill', async () => {
      const done = await opsQueue.getJobs(['completed']);
      return done.filter((j) => j.id?.startsWith(TICK) && (j.finishedOn ?? 0) > killedAt).length >= 2;
    }, 60_000, 200);
    await stopProcess(workers[survivor], 'SIGTERM');

    // Calls: one row each, nothing failed for good.
    const calls = await sql<{ n: string; ids: string }>`SELECT count(*) AS n, count(DISTINCT linked_id) AS ids FROM calls`.execute(db);
    expect(calls.rows[0]).toEqual({ n: String(N), ids: String(N) });
    expect((await records.getJobCounts('failed')).failed).toBe(0);

    // The backup: taken over by the survivor and made once, with the dead run's half-written file and check database gone.
    const taken = opsStarted(survivor).filter((l) => l.jobId === backupJobId);
    expect(taken.length).toBeGreaterThanOrEqual(1);
    const done = await opsQueue.getJob(backupJobId);
    expect(done?.returnvalue).toMatchObject({ status: 'ok', verified: true, error: null });
    const rows = await db.selectFrom('ops_backups').select(['status', 'verified', 'file']).where('job_key', '=', jobKey).execute();
    expect(rows).toEqual([{ status: 'ok', verified: true, file: (done?.returnvalue as { file: string }).file }]);
    expect(readdirSync(backups).filter((f) => f.endsWith('.dump'))).toEqual([(done?.returnvalue as { file: string }).file.split('/').at(-1)]);
    expect(readdirSync(backups).filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect((await holder.query(`SELECT datname FROM pg_database WHERE datname LIKE 'cti_restore_check_%'`)).rows).toEqual([]);
    // A session the backup closed may still be listed for a moment.
    await waitFor('no backup session left', async () => (await holder!.query(backupSessions)).rowCount === 0, 10_000);

    // SMS: each handed to the provider at most once. One the dead worker had claimed but not confirmed is left
    // `unconfirmed` for staff; every `sent` one went out exactly once.
    const lines = readFileSync(smsLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    const sends = new Map<string, number>();
    for (const l of lines) sends.set(l.id, (sends.get(l.id) ?? 0) + 1);
    expect([...sends.values()].filter((n) => n > 1)).toEqual([]);
    const status = await db.selectFrom('sms_messages').select(['id', 'status']).execute();
    expect(status).toHaveLength(SMS);
    for (const m of status.filter((r) => r.status === 'sent')) expect(sends.get(m.id), `SMS ${m.id}`).toBe(1);
    expect(status.every((r) => r.status === 'sent' || r.status === 'unconfirmed')).toBe(true);

    // Inspections: one scheduler for both workers (no tick closer than its period to the last), and one stored
    // inspection per tick whose job completed, including a tick the dead worker had in hand.
    const ticks = (await opsQueue.getJobs(['completed'])).filter((j) => j.id?.startsWith(TICK));
    const millis = ticks.map((j) => Number(/:(\d+)$/.exec(j.id as string)?.[1])).sort((a, b) => a - b);
    expect(new Set(millis).size).toBe(millis.length);
    expect(millis.slice(1).filter((m, i) => m - millis[i]! < INSPECTION_EVERY_MS)).toEqual([]);
    const stored = await db.selectFrom('ops_inspection_reports').select(['job_key']).where('kind', '=', 'inspection').where('trigger', '=', 'schedule').execute();
    const keys = stored.map((r) => r.job_key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(ticks.map((j) => opsJobKey({ id: j.id as string, timestamp: j.timestamp })).sort());
    expect((await opsQueue.getJobCounts('failed')).failed).toBe(0);

    await Promise.all([records.close(), opsQueue.close()]);
    await connection.quit();
  }, 300_000);
});
