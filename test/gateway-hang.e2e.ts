// A gateway that hangs (issue 12 §2): SIGSTOP freezes it with its ARI WebSocket open, so Asterisk still thinks the
// Stasis application is served. Its dialplan heartbeat goes stale and [cti-inbound] sends new callers to the native
// fallback queue: a caller arriving more than CTI_GW_HEARTBEAT_STALE_S + 1 s after the freeze reaches a seat through
// the fallback. Callers that entered Stasis before that are served once the gateway resumes (SIGCONT). Every caller
// gets exactly one call record, and the stack is left clean.
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { api, ari, connectedCallCount } from './support/api.js';
import { placeCalls, type CallerRun } from './support/sipp.js';
import { useCallStack } from './support/call-stack.fixture.js';
import { waitFor } from './support/processes.js';
import { pidFile } from './support/gateway.control.js';

const ctx = inject('e2e');
const stack = useCallStack(ctx);
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const STALE_S = Number(ctx.env.CTI_GW_HEARTBEAT_STALE_S);
/** The fallback's greeting (pls-hold-while-try) and a seat's answer, after the caller arrives. */
const FALLBACK_SEAT_WITHIN_MS = 15_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backupIp = (ctx.env.CTI_TRUNK_BACKUP as string).split(':')[0];
const slot = Number(ctx.env.CTI_HTTP_PORT) - 8180; // test/support/e2e.env.ts
const prefix = () => `135${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
/** When Asterisk made a channel (epoch seconds), read from its id: `<node>-<seconds>.<sequence>` (docs/domain.md §7). */
const createdS = (id: string) => Number(/(\d+)\.\d+$/.exec(id)?.[1]);

/** Every SIPp this file starts; one left behind by a failed run would hold its ports in the next. */
const sipps: ChildProcess[] = [];
const track = (c: ChildProcess) => void sipps.push(c);
afterAll(() => {
  for (const c of sipps) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Row {
  linked_id: string;
  outcome: string;
  via_fallback: boolean;
  answered_at: Date | null;
}

async function rowsOf(callerPrefix: string): Promise<Row[]> {
  const r = await stack.db().query(`SELECT linked_id, outcome, via_fallback, answered_at FROM "${ctx.runId}".calls WHERE caller_number LIKE $1`, [`${callerPrefix}%`]);
  return r.rows as Row[];
}

/**
 * How many citizens' channels (on a trunk) Asterisk created in epoch second `fromS` or later and in a second that has
 * already ended (so a resume now comes after their dialplan ran).
 */
async function callersCreatedFrom(fromS: number): Promise<number> {
  const channels = (await ari(ctx, 'GET', '/channels')).body as Array<{ id: string; name: string }>;
  const endedS = Math.floor(Date.now() / 1000) - 1;
  return channels.filter((c) => c.name.startsWith('PJSIP/trunk-') && createdS(c.id) >= fromS && createdS(c.id) <= endedS).length;
}

async function health(): Promise<{ ari?: string } | undefined> {
  try {
    return (await fetch(`${ctx.apiUrl}/healthz`, { signal: AbortSignal.timeout(2_000) })).json();
  } catch {
    return undefined;
  }
}

describe('a gateway that hangs (SIGSTOP) with its ARI socket open', () => {
  it(`sends new callers to the fallback queue within ${STALE_S + 1} s, serves the callers stuck in Stasis once resumed, and records every call once`, async () => {
    const pid = Number(readFileSync(pidFile(ctx.root, ctx.runId), 'utf8'));
    // Two calls talking when the gateway hangs: their bridges go on without it.
    const talking = prefix();
    const talkingRun = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 2, rate: 2, holdMs: 30_000, mediaPort: ctx.mediaBase, callerPrefix: talking, onStart: track });
    await waitFor('2 calls connected', async () => (await connectedCallCount(ctx)) === 2, 30_000);

    process.kill(pid, 'SIGSTOP');
    const frozenAt = Date.now();
    // The first second in which the dialplan must find the heartbeat stale: the last beat is at most floor(frozenAt).
    const staleFromS = Math.floor(frozenAt / 1000) + STALE_S + 1;
    const callers: Array<{ prefix: string; run: Promise<CallerRun> }> = [];
    let resumedAt = 0;
    try {
      // One new caller a second; the first ones enter the frozen Stasis app. The gateway stays frozen until three
      // callers have reached Asterisk after the heartbeat went stale (a busy machine delays a SIPp's INVITE; counting
      // callers by when they were placed, not when they arrived, mistook late arrivals for early ones).
      for (let i = 0; i < 30; i++) {
        const p = prefix();
        // Each caller its own SIPp on its own port of the backup trunk's address (the trunk is identified by address).
        const from = `${backupIp}:${50_000 + slot * 40 + i}`;
        callers.push({ prefix: p, run: placeCalls(ctx.root, { target: sipTarget, from, count: 1, holdMs: 15_000, mediaPort: ctx.mediaBase + 200 + i * 4, callerPrefix: p, timeoutS: 120, onStart: track }) });
        await sleep(1_000);
        if ((await callersCreatedFrom(staleFromS)) >= 3) break;
      }
    } finally {
      process.kill(pid, 'SIGCONT');
      resumedAt = Date.now();
    }
    await waitFor('gateway serving again', async () => (await health())?.ari === 'up', 60_000);

    const runs = await Promise.all(callers.map((c) => c.run));
    for (const r of runs) expect(r.successful, r.output.slice(-1500)).toBe(1); // nobody dropped
    const talked = await talkingRun;
    expect(talked.successful, talked.output.slice(-1500)).toBe(2);

    await waitFor('every caller recorded', async () => (await Promise.all(callers.map((c) => rowsOf(c.prefix)))).every((rows) => rows.length === 1), 60_000);
    let late = 0;
    for (const c of callers) {
      const [row] = await rowsOf(c.prefix);
      // Asterisk's channel id starts with the epoch second the caller arrived in.
      const arrivedS = createdS(row?.linked_id as string);
      expect(row?.outcome, `caller arrived at ${arrivedS}, gateway frozen ${frozenAt}–${resumedAt}`).toBe('answered');
      // The bound: a caller arriving once the heartbeat is stale, while the gateway still hangs, goes through the
      // fallback queue to a seat (one arriving in the second of the resume may meet the fresh beat: not counted).
      if (arrivedS < staleFromS || (arrivedS + 1) * 1000 > resumedAt) continue;
      late++;
      expect(row?.via_fallback, `caller arrived at ${arrivedS}, stale from ${staleFromS}`).toBe(true);
      expect((row?.answered_at as Date).getTime() - arrivedS * 1000).toBeLessThanOrEqual(FALLBACK_SEAT_WITHIN_MS);
    }
    expect(late).toBeGreaterThanOrEqual(3);
    await waitFor('2 talking calls recorded', async () => (await rowsOf(talking)).length === 2, 30_000);
    expect((await rowsOf(talking)).map((r) => r.outcome)).toEqual(['answered', 'answered']);

    // Clean: no call left in the gateway, no waiting call, no agent held, no channel left in Asterisk.
    await waitFor('no live call', async () => (await api(ctx, 'GET', '/api/v1/calls/live')).body.items.length === 0, 30_000);
    expect((await api(ctx, 'GET', '/api/v1/queue')).body.items).toEqual([]);
    const agents = (await api(ctx, 'GET', '/api/v1/agents')).body.items as Array<{ live: { state: string } | null }>;
    expect(agents.filter((a) => a.live && ['reserved', 'on_call'].includes(a.live.state))).toEqual([]);
    const auth = `Basic ${Buffer.from(`${ctx.env.CTI_ARI_USER ?? 'cti'}:${ctx.env.CTI_ARI_PASSWORD ?? 'cti-ari-secret'}`).toString('base64')}`;
    await waitFor('no channel left', async () => ((await (await fetch(`${ctx.env.CTI_ARI_URL}/ari/channels`, { headers: { authorization: auth } })).json()) as unknown[]).length === 0, 30_000);
  });
});
