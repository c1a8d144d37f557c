// Dead legs (issue 12 §2): a caller or a seat that vanishes without a BYE — its SIPp is frozen with SIGSTOP, so it sends
// no more RTP and never hangs up — is hung up by Asterisk after CTI_RTP_TIMEOUT_S of silence; the gateway takes a
// waiting caller out of the queue, ends a talking call, frees the agent and records who vanished (ended_by and the
// Q.850 cause 44). A seat whose phone stops answering qualify gets no offers until it answers again.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { HANGUP_CAUSE_NO_MEDIA } from '@cti/domain';
import { api, awaitSeatsAnswering, loginAllAgents } from './support/api.js';
import { placeCalls, startUas, type CallerRun } from './support/sipp.js';
import { waitFor } from './support/processes.js';

const ctx = inject('e2e');
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const RTP_TIMEOUT_MS = Number(ctx.env.CTI_RTP_TIMEOUT_S) * 1000;
const seatPort = (n: number) => Number(ctx.env.CTI_SEAT_BASE_PORT) + n;
const prefix = () => `136${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
// Only seat-01 and seat-02 have a phone in this file; the other agents' seats are dead and they stay paused.
const seats = new Map<number, ChildProcess>();
let db: pg.Client;

interface CallRow {
  outcome: string;
  ended_by: string | null;
  hangup_cause: number | null;
  agent_id: string | null;
  ended_at: Date;
}

async function callOf(callerPrefix: string): Promise<CallRow | undefined> {
  const r = await db.query(`SELECT outcome, ended_by, hangup_cause, agent_id, ended_at FROM "${ctx.runId}".calls WHERE caller_number LIKE $1`, [`${callerPrefix}%`]);
  return r.rows[0] as CallRow | undefined;
}

async function liveCalls(): Promise<Array<{ callId: string; phase: string; agentId: string | null; waitingSeconds: number }>> {
  return (await api(ctx, 'GET', '/api/v1/calls/live')).body.items;
}

async function agent(id: string): Promise<{ state: string; pauseReason?: string }> {
  return (await api(ctx, 'GET', '/api/v1/agents')).body.items.find((a: { agentId: string }) => a.agentId === id)?.live;
}

/** Only `ready` of a01/a02 take calls. */
async function onlyReady(ready: string[]): Promise<void> {
  for (const id of ['a01', 'a02']) {
    const r = ready.includes(id) ? await api(ctx, 'POST', `/api/v1/agents/${id}/ready`) : await api(ctx, 'POST', `/api/v1/agents/${id}/pause`, { reason: 'meeting' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}

/** One caller that would talk for two minutes; its SIPp process is handed over so the test can freeze it. */
function longCaller(callerPrefix: string): { run: Promise<CallerRun>; sipp: Promise<ChildProcess> } {
  let started: (c: ChildProcess) => void = () => undefined;
  const sipp = new Promise<ChildProcess>((resolve) => (started = resolve));
  const run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 120_000, mediaPort: ctx.mediaBase, callerPrefix, timeoutS: 150, onStart: started });
  return { run, sipp };
}

/** The call row of a leg frozen at `frozenAt`: ended by Asterisk's RTP timeout, not earlier and not much later. */
async function deadLegRecord(callerPrefix: string, frozenAt: number): Promise<CallRow> {
  await waitFor('the dead leg’s call recorded', async () => (await callOf(callerPrefix)) !== undefined, RTP_TIMEOUT_MS + 30_000);
  const row = (await callOf(callerPrefix)) as CallRow;
  const endedAfter = row.ended_at.getTime() - frozenAt;
  expect(endedAfter).toBeGreaterThanOrEqual(RTP_TIMEOUT_MS - 1_000);
  expect(endedAfter).toBeLessThanOrEqual(RTP_TIMEOUT_MS + 4_000);
  return row;
}

/** An ordinary call: which agent it was offered to and connected with. */
async function nextCallAnsweredBy(): Promise<string | null> {
  const p = prefix();
  const run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 12_000, mediaPort: ctx.mediaBase + 100, callerPrefix: p });
  let agentId: string | null = null;
  await waitFor('the next call connected', async () => (agentId = (await liveCalls()).find((c) => c.phase === 'connected')?.agentId ?? null) !== null, 30_000);
  const done = await run;
  expect(done.successful, done.output.slice(-1500)).toBe(1);
  return agentId;
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
  await db.connect();
  for (const n of [1, 2]) seats.set(n, startUas(ctx.root, '127.0.0.1', seatPort(n), 'seat'));
  await loginAllAgents(ctx);
  await awaitSeatsAnswering(ctx, [1, 2]);
});

afterAll(async () => {
  for (const s of seats.values()) s.kill('SIGKILL');
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/ready`);
  await db.end();
});

describe('dead legs (a leg frozen: no RTP, no BYE)', () => {
  it('takes a waiting caller whose leg died out of the queue and records them as a caller who vanished', async () => {
    await onlyReady([]);
    const p = prefix();
    const caller = longCaller(p);
    try {
      await waitFor('the caller answered and waiting', async () => (await liveCalls()).some((c) => c.phase === 'queued' && c.waitingSeconds >= 2), 30_000);
      const [waiting] = await liveCalls();
      (await caller.sipp).kill('SIGSTOP');
      const frozenAt = Date.now();
      const row = await deadLegRecord(p, frozenAt);
      expect(row).toMatchObject({ outcome: 'abandoned', ended_by: 'caller', hangup_cause: HANGUP_CAUSE_NO_MEDIA });
      expect((await liveCalls()).map((c) => c.callId)).not.toContain(waiting?.callId);
      expect((await api(ctx, 'GET', '/api/v1/queue')).body.items).toEqual([]);
    } finally {
      (await caller.sipp).kill('SIGKILL');
      await caller.run;
    }
  });

  it('ends a talking call whose caller died, records who vanished, and frees the agent for the next call', async () => {
    await onlyReady(['a01']);
    const p = prefix();
    const caller = longCaller(p);
    try {
      await waitFor('connected to a01', async () => (await liveCalls()).some((c) => c.phase === 'connected' && c.agentId === 'a01'), 30_000);
      (await caller.sipp).kill('SIGSTOP');
      const frozenAt = Date.now();
      const row = await deadLegRecord(p, frozenAt);
      expect(row).toMatchObject({ outcome: 'answered', agent_id: 'a01', ended_by: 'caller', hangup_cause: HANGUP_CAUSE_NO_MEDIA });
      expect(await liveCalls()).toEqual([]);
      expect((await agent('a01')).state).toBe('ready');
    } finally {
      (await caller.sipp).kill('SIGKILL');
      await caller.run;
    }
    expect(await nextCallAnsweredBy()).toBe('a01');
  });

  it('ends a talking call whose seat died, records the agent’s side as vanished, pauses the dead seat, and offers to it again once it answers', async () => {
    await onlyReady(['a02']);
    const p = prefix();
    const caller = longCaller(p);
    await waitFor('connected to a02', async () => (await liveCalls()).some((c) => c.phase === 'connected' && c.agentId === 'a02'), 30_000);
    seats.get(2)?.kill('SIGSTOP');
    const frozenAt = Date.now();
    const row = await deadLegRecord(p, frozenAt);
    expect(row).toMatchObject({ outcome: 'answered', agent_id: 'a02', ended_by: 'agent', hangup_cause: HANGUP_CAUSE_NO_MEDIA });
    const run = await caller.run; // the gateway hung the caller up
    expect(run.successful + run.failed).toBe(1);
    expect(await liveCalls()).toEqual([]);
    // Its phone does not answer qualify either: a02 is out of routing rather than offered calls that cannot ring.
    await waitFor('a02 paused for the dead seat', async () => (await agent('a02')).pauseReason === 'seat_unreachable', 20_000);

    // The phone comes back (a new softphone on the same port): a02 is ready again without anyone's help.
    seats.get(2)?.kill('SIGKILL');
    seats.set(2, startUas(ctx.root, '127.0.0.1', seatPort(2), 'seat'));
    await awaitSeatsAnswering(ctx, [2]);
    await waitFor('a02 ready again', async () => (await agent('a02')).state === 'ready', 20_000);
    expect(await nextCallAnsweredBy()).toBe('a02');
  });

  it('leaves no call, waiting caller, held agent or channel behind', async () => {
    await waitFor('no live call', async () => (await liveCalls()).length === 0, 30_000);
    expect((await api(ctx, 'GET', '/api/v1/queue')).body.items).toEqual([]);
    const agents = (await api(ctx, 'GET', '/api/v1/agents')).body.items as Array<{ live: { state: string } | null }>;
    expect(agents.filter((a) => a.live && ['reserved', 'on_call'].includes(a.live.state))).toEqual([]);
    const auth = `Basic ${Buffer.from(`${ctx.env.CTI_ARI_USER ?? 'cti'}:${ctx.env.CTI_ARI_PASSWORD ?? 'cti-ari-secret'}`).toString('base64')}`;
    await waitFor('no channel left', async () => ((await (await fetch(`${ctx.env.CTI_ARI_URL}/ari/channels`, { headers: { authorization: auth } })).json()) as unknown[]).length === 0, 30_000);
  });
});
