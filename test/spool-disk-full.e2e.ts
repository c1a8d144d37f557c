// A full disk during a Redis outage, for real: the gateway's record spool on a 64 KiB tmpfs filled to its last page,
// Redis taken away through the fault proxy (the shared server keeps running), real SIPp calls meanwhile. The gateway
// must keep routing, raise an incident, hold what the disk refuses in memory, and store every call exactly once
// when space and Redis return. Needs root (mount).
import { afterAll, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { api, loginAllAgents } from './support/api.js';
import { placeCalls } from './support/sipp.js';
import { useCallStack } from './support/call-stack.fixture.js';
import { alive, waitFor } from './support/processes.js';
import { FaultProxy } from './support/fault.proxy.js';
import { pidFile, restartGateway, stopGatewayByPidFile } from './support/gateway.control.js';
import { gatewayMetric } from './support/gateway-log.js';

const ctx = inject('e2e');
const stack = useCallStack(ctx);
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const runDir = `${ctx.root}.run/${ctx.runId}`;
const tmpfsDir = `${runDir}/spool-tmpfs`;
const filler = join(tmpfsDir, 'filler');

const health = async () => (await fetch(`${ctx.apiUrl}/healthz`)).json() as Promise<{ redis: string; spooledRecords: boolean }>;

/** One sample of the gateway's /metrics, or undefined when absent. */
const metric = (series: string) => gatewayMetric(ctx.apiUrl, series);

/** Fills the tmpfs up to its last free page (4 KiB): a few records still fit, then writes fail with ENOSPC. */
function fillDiskButOnePage(): void {
  const fd = openSync(filler, 'w');
  const page = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, page);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  execFileSync('truncate', ['-s', '-4096', filler]);
}

async function openIncidents(): Promise<Array<{ id: string; condition: string; level: string; detail: Record<string, unknown> }>> {
  return (await api(ctx, 'GET', '/api/v1/ops/incidents?open=true')).body.items;
}

/** Calls of callers whose numbers start with `prefix`; duplicates would show as rows > calls. */
async function tally(prefix: string): Promise<{ rows: number; calls: number; answered: number }> {
  const r = await stack.db().query(
    `SELECT count(*)::int AS rows, count(DISTINCT linked_id)::int AS calls, count(*) FILTER (WHERE outcome = 'answered')::int AS answered
       FROM "${ctx.runId}".calls WHERE caller_number LIKE $1`,
    [`${prefix}%`],
  );
  return r.rows[0];
}

/** Back to the stack as it was: the gateway with its normal settings (anything left on the tmpfs handed to its spool), tmpfs gone. */
async function restore(proxy: FaultProxy): Promise<void> {
  await proxy.close().catch(() => undefined);
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  if (existsSync(tmpfsDir)) {
    const normalSpool = `${ctx.root}${ctx.env.CTI_SPOOL_DIR}`;
    mkdirSync(normalSpool, { recursive: true });
    for (const f of readdirSync(tmpfsDir).filter((n) => n.endsWith('.jsonl'))) appendFileSync(join(normalSpool, f), readFileSync(join(tmpfsDir, f)));
  }
  await restartGateway(ctx.root, ctx.env, ctx.apiUrl);
  await loginAllAgents(ctx);
  try {
    execFileSync('umount', [tmpfsDir]);
  } catch {
    execFileSync('umount', ['-l', tmpfsDir]);
  }
  rmdirSync(tmpfsDir);
}

let proxy: FaultProxy | undefined;
afterAll(async () => {
  if (proxy) await restore(proxy);
});

describe('nothing lost on a full disk', () => {
  it('keeps routing calls with the spool disk full during a Redis outage, opens an incident, and stores every call exactly once when space and Redis return', async () => {
    rmSync(tmpfsDir, { recursive: true, force: true });
    mkdirSync(tmpfsDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', tmpfsDir]);
    proxy = new FaultProxy('127.0.0.1', 6379);
    const port = await proxy.start();
    await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
    await restartGateway(ctx.root, { ...ctx.env, CTI_REDIS_URL: `redis://127.0.0.1:${port}`, CTI_SPOOL_DIR: tmpfsDir }, ctx.apiUrl);
    await loginAllAgents(ctx);
    const gatewayPid = Number(readFileSync(pidFile(ctx.root, ctx.runId), 'utf8'));
    fillDiskButOnePage();

    await proxy.cut();
    await waitFor('gateway sees Redis down', async () => (await health()).redis === 'down', 15_000);
    const prefix = `136${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    const n = 16;
    const run = await placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: n, rate: 4, holdMs: 6_000, mediaPort: ctx.mediaBase, callerPrefix: prefix });
    expect(run.successful, run.output.slice(-1500)).toBe(n); // routing went on
    expect(alive(gatewayPid)).toBe(true); // no crash, no restart

    // The disk refused the spool: records wait in memory, and an incident says so.
    await waitFor('records held in memory', async () => ((await metric('cti_record_spool_held_in_memory{spool="call-records"}')) ?? 0) > 0, 30_000);
    expect(await metric('cti_record_spool_write_failures_total{spool="call-records"}')).toBeGreaterThan(0);
    let incident: { id: string; level: string; detail: Record<string, unknown> } | undefined;
    await waitFor('a spool_at_risk incident', async () => {
      incident = (await openIncidents()).find((i) => i.condition === 'spool_at_risk:call-records');
      return incident !== undefined;
    }, 30_000);
    expect(incident).toMatchObject({ level: 'L3', detail: { reason: 'held_in_memory', holdReason: 'ENOSPC' } });
    expect((await health()).spooledRecords).toBe(true);

    // Space returns first: what waited in memory reaches the disk while Redis is still away.
    rmSync(filler);
    await waitFor('held records written to disk', async () => (await metric('cti_record_spool_held_in_memory{spool="call-records"}')) === 0, 30_000);
    expect(await metric('cti_record_spool_bytes{spool="call-records"}')).toBeGreaterThan(0);
    expect(await metric('cti_records_lost_total{spool="call-records"}')).toBe(0);

    // Then Redis: the spool drains, every call is stored exactly once, and the incident resolves itself.
    await proxy.restore();
    await waitFor('spool delivered', async () => (await health()).spooledRecords === false, 60_000);
    await waitFor(`${n} calls stored`, async () => (await tally(prefix)).calls === n, 60_000);
    expect(await tally(prefix)).toEqual({ rows: n, calls: n, answered: n });
    await waitFor('the incident resolved', async () => (await api(ctx, 'GET', `/api/v1/ops/incidents/${incident!.id}`)).body.state === 'resolved', 30_000);
    expect(alive(gatewayPid)).toBe(true);
  });
});
