// Faults the system must ride through, each injected for real: Redis and PostgreSQL taken away (through a TCP proxy
// the test cuts), the worker and the gateway killed, Asterisk restarted, a clean SIGTERM. Calls are real SIPp calls.
// CTI_FAULT_OUTAGE_S sets how long Redis/PostgreSQL stay away (15 s here; `npm run faults` runs the contract's 60 s).
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { appendFileSync, readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CALL_RECORDS_QUEUE } from '@cti/contracts';
import { api, callerChannels, connectedCallCount, hangUpCallers, loginAllAgents } from './support/api.js';
import { placeCalls } from './support/sipp.js';
import { useCallStack } from './support/call-stack.fixture.js';
import { alive, asteriskScript, waitFor } from './support/processes.js';
import { FaultProxy } from './support/fault.proxy.js';
import { pidFile, restartGateway, startWorker, stopGatewayByPidFile, workerPidFile } from './support/gateway.control.js';

const ctx = inject('e2e');
const OUTAGE_S = Number(process.env.CTI_FAULT_OUTAGE_S ?? 15);
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const stack = useCallStack(ctx);
let db: pg.Client;

const prefix = () => `137${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls, answered calls and tickets of callers whose numbers start with `callerPrefix`; duplicates would show as rows > distinct. */
async function tally(callerPrefix: string) {
  const r = await db.query(
    `SELECT count(*)::int AS rows, count(DISTINCT c.linked_id)::int AS calls,
            count(*) FILTER (WHERE c.outcome = 'answered')::int AS answered,
            (SELECT count(*)::int FROM "${ctx.runId}".tickets t WHERE t.caller_number LIKE $1) AS tickets
       FROM "${ctx.runId}".calls c WHERE c.caller_number LIKE $1`,
    [`${callerPrefix}%`],
  );
  return r.rows[0] as { rows: number; calls: number; answered: number; tickets: number };
}

/** One fault's figures, appended to .run/<runId>/faults.jsonl for `npm run faults`. */
function report(fault: string, figures: { placed: number; answered: number; stored: { rows: number; calls: number }; recoveryMs?: number }): void {
  const line = {
    fault,
    placed: figures.placed,
    answered: figures.answered,
    dropped: figures.placed - figures.answered,
    records_lost: figures.placed - figures.stored.calls,
    records_duplicated: figures.stored.rows - figures.stored.calls,
    ...(figures.recoveryMs !== undefined && { recovery_ms: figures.recoveryMs }),
    outage_s: OUTAGE_S,
  };
  appendFileSync(`${ctx.root}.run/${ctx.runId}/faults.jsonl`, JSON.stringify(line) + '\n');
}

async function restartWorker(env: Record<string, string>): Promise<void> {
  await stopGatewayByPidFile(workerPidFile(ctx.root, ctx.runId));
  startWorker(ctx.root, env);
}

async function restartBoth(env: Record<string, string>): Promise<void> {
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartWorker(env);
  await restartGateway(ctx.root, env, ctx.apiUrl);
  await loginAllAgents(ctx);
}

beforeAll(() => {
  db = stack.db();
});

describe('faults the system rides through', () => {
  it(`keeps answering and loses no call record while Redis is away for ${OUTAGE_S} s`, async () => {
    const proxy = new FaultProxy('127.0.0.1', 6379);
    const port = await proxy.start();
    const env = { ...ctx.env, CTI_REDIS_URL: `redis://127.0.0.1:${port}` };
    await restartBoth(env);
    try {
      const p = prefix();
      const n = OUTAGE_S + 8;
      const load = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: n, rate: 1, holdMs: 6000, mediaPort: ctx.mediaBase, callerPrefix: p });
      await sleep(3_000);
      await proxy.cut();
      await waitFor('gateway sees Redis down', async () => (await (await fetch(`${ctx.apiUrl}/healthz`)).json()).redis === 'down', 10_000);
      await sleep(OUTAGE_S * 1000);
      const during = await (await fetch(`${ctx.apiUrl}/healthz`)).json();
      await proxy.restore();
      const restoredAt = Date.now();
      await waitFor('spool delivered', async () => (await (await fetch(`${ctx.apiUrl}/healthz`)).json()).spooledRecords === false, 30_000, 200);
      const recoveryMs = Date.now() - restoredAt;
      const run = await load;
      expect(run.successful, run.output.slice(-1500)).toBe(n);
      expect(during.spooledRecords).toBe(true); // records waited on local disk
      await waitFor(`${n} calls stored`, async () => (await tally(p)).calls === n, 60_000);
      await waitFor(`${n} tickets`, async () => (await tally(p)).tickets === n, 30_000);
      report('redis_unavailable', { placed: n, answered: run.successful, stored: await tally(p), recoveryMs });
      expect(await tally(p)).toEqual({ rows: n, calls: n, answered: n, tickets: n });
    } finally {
      await proxy.close().catch(() => undefined);
      await restartBoth(ctx.env);
    }
  });

  it(`stores every record exactly once after PostgreSQL was away from the worker for ${OUTAGE_S} s`, async () => {
    const proxy = new FaultProxy('127.0.0.1', 5432);
    const port = await proxy.start();
    const url = new URL(ctx.env.CTI_DATABASE_URL as string);
    url.port = String(port);
    await restartWorker({ ...ctx.env, CTI_DATABASE_URL: url.toString() });
    try {
      const p = prefix();
      const n = OUTAGE_S + 6;
      const load = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: n, rate: 1, holdMs: 6000, mediaPort: ctx.mediaBase, callerPrefix: p });
      await sleep(4_000);
      await proxy.cut();
      await sleep(OUTAGE_S * 1000);
      await proxy.restore();
      const restoredAt = Date.now();
      const run = await load;
      expect(run.successful, run.output.slice(-1500)).toBe(n);
      await waitFor(`${n} calls stored`, async () => (await tally(p)).calls === n, 90_000);
      await waitFor(`${n} tickets`, async () => (await tally(p)).tickets === n, 30_000);
      report('postgres_unavailable', { placed: n, answered: run.successful, stored: await tally(p), recoveryMs: Date.now() - restoredAt });
      expect(await tally(p)).toEqual({ rows: n, calls: n, answered: n, tickets: n });
    } finally {
      await proxy.close().catch(() => undefined);
      await restartWorker(ctx.env);
    }
  });

  it('resumes after the worker is killed (SIGKILL) mid-load: one call row and one ticket per call', async () => {
    const p = prefix();
    const n = 12;
    const load = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: n, rate: 4, holdMs: 6000, mediaPort: ctx.mediaBase, callerPrefix: p });
    await sleep(4_000);
    await stopGatewayByPidFile(workerPidFile(ctx.root, ctx.runId), 'SIGKILL');
    await sleep(2_000);
    startWorker(ctx.root, ctx.env);
    const run = await load;
    expect(run.successful).toBe(n);
    await waitFor(`${n} calls stored`, async () => (await tally(p)).tickets === n, 60_000);
    report('worker_sigkill', { placed: n, answered: run.successful, stored: await tally(p) });
    expect(await tally(p)).toEqual({ rows: n, calls: n, answered: n, tickets: n });
  });

  it('reconnects to a restarted Asterisk on its own and answers calls again', async () => {
    const t0 = Date.now();
    asteriskScript(ctx.root, ctx.env, 'stop', ctx.asteriskInstance);
    await waitFor('gateway sees ARI down', async () => (await (await fetch(`${ctx.apiUrl}/healthz`)).json()).ari === 'down', 15_000);
    await sleep(3_000);
    asteriskScript(ctx.root, ctx.env, 'start', ctx.asteriskInstance);
    await waitFor('gateway reconnected', async () => (await (await fetch(`${ctx.apiUrl}/healthz`)).json()).ari === 'up', 60_000, 250);
    const recoveredMs = Date.now() - t0;
    expect(recoveredMs).toBeGreaterThan(3_000);
    const p = prefix();
    const run = await placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 3, rate: 3, holdMs: 4000, mediaPort: ctx.mediaBase, callerPrefix: p });
    expect(run.successful).toBe(3);
    await waitFor('3 answered', async () => (await tally(p)).answered === 3, 20_000);
    report('asterisk_restart', { placed: 3, answered: run.successful, stored: await tally(p), recoveryMs: recoveredMs });
  });

  it('keeps bridged calls up when the gateway is killed (SIGKILL), takes new calls through the fallback, and records all of them once', async () => {
    const p1 = prefix();
    // The five callers stay on the line until the test hangs them up, however long the restart takes on a busy machine.
    const bridged = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 5, rate: 5, holdMs: 0, mediaPort: ctx.mediaBase, timeoutS: 180, scenario: 'caller-until-hangup', callerPrefix: p1 });
    await waitFor('5 connected', async () => (await connectedCallCount(ctx)) === 5, 30_000);
    await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId), 'SIGKILL');
    const p2 = prefix();
    const during = await placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_BACKUP as string, count: 2, rate: 2, holdMs: 6000, mediaPort: ctx.mediaBase + 200, callerPrefix: p2 });
    expect(during.successful).toBe(2);
    const killedAt = Date.now();
    await restartGateway(ctx.root, ctx.env, ctx.apiUrl);
    const gatewayRecoveryMs = Date.now() - killedAt;
    // Nobody was cut off: all five callers are still on the switch, and the restarted gateway shows them talking.
    expect(await callerChannels(ctx, p1)).toHaveLength(5);
    await waitFor('5 connected after the restart', async () => (await connectedCallCount(ctx)) === 5, 30_000);
    await hangUpCallers(ctx, p1);
    const run = await bridged;
    expect(run.successful, run.output.slice(-1500)).toBe(5);
    await waitFor('5 bridged calls recorded', async () => (await tally(p1)).calls === 5, 30_000);
    await waitFor('2 fallback calls recorded', async () => (await tally(p2)).calls === 2, 30_000);
    const t1 = await tally(p1);
    const t2 = await tally(p2);
    report('gateway_sigkill', { placed: 7, answered: run.successful + during.successful, stored: { rows: t1.rows + t2.rows, calls: t1.calls + t2.calls }, recoveryMs: gatewayRecoveryMs });
    expect(t1).toMatchObject({ rows: 5, calls: 5, answered: 5 });
    expect(t2).toMatchObject({ rows: 2, calls: 2, answered: 2 });
  });

  it('drains and stops cleanly on SIGTERM: exit code 0, no job left active or stalled', async () => {
    const p = prefix();
    const load = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 4, rate: 4, holdMs: 6000, mediaPort: ctx.mediaBase, callerPrefix: p });
    await sleep(2_500);
    // Each drains and exits by itself: its last line says it stopped. How long that takes is reported, not asserted
    // (a busy machine's disk can hold a final write for seconds); the bound only catches one that never exits.
    const exits = await Promise.all(
      (['gateway', 'worker'] as const).map(async (name) => {
        const pid = Number(readFileSync(name === 'gateway' ? pidFile(ctx.root, ctx.runId) : workerPidFile(ctx.root, ctx.runId), 'utf8'));
        const started = Date.now();
        process.kill(pid, 'SIGTERM');
        await waitFor(`${name} ${pid} exits after SIGTERM`, () => !alive(pid), 120_000, 100);
        return { name, pid, ms: Date.now() - started };
      }),
    );
    for (const e of exits) {
      const log = readFileSync(`${ctx.root}.run/${ctx.runId}/${e.name}.log`, 'utf8');
      expect(log, `${e.name} ${e.pid} drained and stopped`).toMatch(new RegExp(`"pid":${e.pid},[^\\n]*"msg":"${e.name} stopped"`));
    }
    const redis = new Redis(ctx.env.CTI_REDIS_URL as string, { maxRetriesPerRequest: null });
    const queue = new Queue(CALL_RECORDS_QUEUE, { connection: redis, prefix: ctx.env.CTI_REDIS_PREFIX });
    expect((await queue.getJobCounts('active')).active).toBe(0);
    startWorker(ctx.root, ctx.env);
    await restartGateway(ctx.root, ctx.env, ctx.apiUrl);
    const run = await load;
    expect(run.successful).toBe(4);
    await waitFor('4 calls stored', async () => (await tally(p)).calls === 4, 30_000);
    report('sigterm', { placed: 4, answered: run.successful, stored: await tally(p), recoveryMs: Math.max(...exits.map((e) => e.ms)) });
    expect((await tally(p)).rows).toBe(4);
    await queue.close();
    await redis.quit();
  });
});
