// Redis under Sentinel (docs/domain.md §22), through the real stack: a master, a replica and three Sentinels of the
// test's own on shifted ports; the gateway and the worker are restarted to find Redis through the Sentinels alone.
// Under a steady stream of real SIPp calls the master is killed (SIGKILL); the Sentinels promote the replica, both
// services follow, every call is answered and stored exactly once (records published while there was no master wait in
// the gateway's spool), and the gateway writes its saved state whole on the new master. The slot gets its usual Redis
// back at the end.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loginAllAgents } from './support/api.js';
import { placeCalls } from './support/sipp.js';
import { useCallStack } from './support/call-stack.fixture.js';
import { startProcess, stopProcess, waitFor } from './support/processes.js';
import { pidFile, restartGateway, startWorker, stopGatewayByPidFile, workerPidFile } from './support/gateway.control.js';
import { gatewayLogLines, sizeOf } from './support/gateway-log.js';

const ctx = inject('e2e');
const stack = useCallStack(ctx);
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const slot = Number(ctx.env.CTI_HTTP_PORT) - 8180; // test/support/e2e.env.ts
/**
 * Ports of this file's Redis topology (8220–8269 are free in every slot): two servers, the first started as master,
 * and three Sentinels. Which server is master is what the Sentinels say, not which started as one: on a loaded host a
 * master slow to answer their PINGs (down-after 1 s) is failed over before the test begins, which is a failover too.
 */
const SERVERS = [8220 + slot, 8230 + slot] as const;
const SENTINELS = [8240 + slot, 8250 + slot, 8260 + slot];
const NAME = 'cti-e2e';
const dir = `${ctx.root}.run/${ctx.runId}/sentinel`;
const gatewayLog = `${ctx.root}.run/${ctx.runId}/gateway.log`;
const processes: ChildProcess[] = [];
/** The Redis server process on each of SERVERS' ports. */
const servers = new Map<number, ChildProcess>();
let db: pg.Client;

const prefix = () => `136${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;

/** The environment of services that find Redis through the Sentinels only (the URL's host and port are not used). */
const sentinelEnv = {
  ...ctx.env,
  CTI_REDIS_URL: 'redis://127.0.0.1:1',
  CTI_REDIS_SENTINELS: SENTINELS.map((p) => `127.0.0.1:${p}`).join(','),
  CTI_REDIS_SENTINEL_MASTER: NAME,
};

function redisServer(name: string, args: string[]): ChildProcess {
  const p = startProcess('redis-server', args, { cwd: dir, env: {}, log: `${dir}/${name}.log` });
  processes.push(p);
  return p;
}

async function ask<T>(port: number, ...command: [string, ...Array<string | number>]): Promise<T> {
  const r = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    return (await r.call(...command)) as T;
  } finally {
    r.disconnect();
  }
}

/** Where a Sentinel says the master is (its port), or undefined. */
async function masterPort(sentinel: number): Promise<number | undefined> {
  const addr = await ask<[string, string] | null>(sentinel, 'SENTINEL', 'get-master-addr-by-name', NAME).catch(() => null);
  return addr ? Number(addr[1]) : undefined;
}

/** Calls, answered calls and tickets of callers whose numbers start with `callerPrefix`; duplicates show as rows > calls. */
async function tally(callerPrefix: string) {
  const r = await db.query(
    `SELECT count(*)::int AS rows, count(DISTINCT c.linked_id)::int AS calls, count(*) FILTER (WHERE c.outcome = 'answered')::int AS answered,
            (SELECT count(*)::int FROM "${ctx.runId}".tickets t WHERE t.caller_number LIKE $1) AS tickets
       FROM "${ctx.runId}".calls c WHERE c.caller_number LIKE $1`,
    [`${callerPrefix}%`],
  );
  return r.rows[0] as { rows: number; calls: number; answered: number; tickets: number };
}

/**
 * Waits until the three Sentinels name the same one of SERVERS as master, the other is its replica with the link up,
 * and each Sentinel knows that replica and the two other Sentinels; returns the two ports.
 */
async function settledRoles(): Promise<{ master: number; replica: number }> {
  let roles: { master: number; replica: number } | undefined;
  await waitFor('the Sentinels agreeing on a master, with the other server its replica in sync', async () => {
    const named = await Promise.all(SENTINELS.map(masterPort));
    const master = named[0];
    if (master === undefined || !named.every((m) => m === master) || !SERVERS.some((port) => port === master)) return false;
    const replica = SERVERS.find((port) => port !== master) as number;
    const info = await ask<string>(replica, 'INFO', 'replication');
    if (!info.includes('master_link_status:up') || !info.includes(`master_port:${master}`)) return false;
    for (const s of SENTINELS) {
      const m = await ask<string[]>(s, 'SENTINEL', 'master', NAME);
      const field = (k: string) => Number(m[m.indexOf(k) + 1]);
      if (field('num-slaves') !== 1 || field('num-other-sentinels') !== 2) return false;
    }
    roles = { master, replica };
    return true;
  }, 60_000, 200);
  return roles as { master: number; replica: number };
}

async function restartBoth(env: Record<string, string>): Promise<void> {
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await stopGatewayByPidFile(workerPidFile(ctx.root, ctx.runId));
  startWorker(ctx.root, env);
  await restartGateway(ctx.root, env, ctx.apiUrl);
  await loginAllAgents(ctx);
}

beforeAll(async () => {
  db = stack.db();
  mkdirSync(dir, { recursive: true });
  const volatile = ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', dir, '--maxmemory-policy', 'noeviction'];
  const [first, second] = SERVERS;
  servers.set(first, redisServer(`redis-${first}`, ['--port', String(first), ...volatile]));
  servers.set(second, redisServer(`redis-${second}`, ['--port', String(second), '--replicaof', '127.0.0.1', String(first), ...volatile]));
  for (const port of SENTINELS) {
    // A Sentinel rewrites its file with what it learns: one file each.
    const conf = `${dir}/sentinel-${port}.conf`;
    writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${NAME} 127.0.0.1 ${first} 2`, `sentinel down-after-milliseconds ${NAME} 1000`, `sentinel failover-timeout ${NAME} 10000`, ''].join('\n'));
    redisServer(`sentinel-${port}`, [conf, '--sentinel']);
  }
  await settledRoles();
  await restartBoth(sentinelEnv);
}, 240_000);

afterAll(async () => {
  try {
    await restartBoth(ctx.env);
  } finally {
    for (const p of processes) await stopProcess(p, 'SIGKILL');
  }
}, 240_000);

describe('Redis behind Sentinel', () => {
  it('loses no call and no call record when the Redis master is killed under calls and a replica is promoted', async () => {
    const { master, replica } = await settledRoles();
    const logFrom = sizeOf(gatewayLog);
    const p = prefix();
    const n = 14;
    const load = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: n, rate: 1, holdMs: 5_000, mediaPort: ctx.mediaBase, callerPrefix: p });
    // Some calls are on before the master goes: answered, talking, some already ended and published.
    await waitFor('calls stored before the kill', async () => (await tally(p)).calls >= 2, 60_000, 100);
    await stopProcess(servers.get(master), 'SIGKILL');
    await waitFor('the Sentinels promoting the replica', async () => (await masterPort(SENTINELS[0]!)) === replica, 60_000, 100);
    const run = await load;
    expect(run.successful, run.output.slice(-1500)).toBe(n);
    await waitFor(`${n} calls stored`, async () => (await tally(p)).calls === n, 90_000, 200);
    await waitFor(`${n} tickets`, async () => (await tally(p)).tickets === n, 30_000, 200);
    expect(await tally(p)).toEqual({ rows: n, calls: n, answered: n, tickets: n });

    // The gateway followed the failover and wrote its state whole on the new master, fenced by the same epoch.
    const lines = gatewayLogLines(gatewayLog, logFrom);
    expect(lines.some((l) => l.msg === 'redis connection back: the saved state is written whole')).toBe(true);
    expect(lines.filter((l) => l.msg === 'gateway lost leadership')).toEqual([]);
    const state = await ask<string[]>(replica, 'HKEYS', `${ctx.env.CTI_REDIS_PREFIX}:gateway:state:v2`);
    expect(state).toEqual(expect.arrayContaining(['meta', 'acd', 'agent:a01']));
    // Nothing is left waiting in the spool.
    await waitFor('spool empty', async () => (await (await fetch(`${ctx.apiUrl}/healthz`)).json()).spooledRecords === false, 30_000, 200);
  }, 300_000);
});
