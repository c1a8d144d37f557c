// The ACD on real parts: language by DTMF, ring-no-answer auto-pause, missed-call tasks, virtual-hold callbacks,
// and a gateway restart with callers waiting.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { inject } from 'vitest';
import { api, awaitSeatsAnswering, hangUpCallers, loginAllAgents } from './support/api.js';
import { placeCalls, startSeats, startUas } from './support/sipp.js';
import { startTrunkPhone, trunkAnswering } from './support/trunk.js';
import { STEP_BOUND_MS, waitFor } from './support/processes.js';
import { pidFile, restartGateway, stopGatewayByPidFile } from './support/gateway.control.js';

const ctx = inject('e2e');
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const primary = ctx.env.CTI_TRUNK_PRIMARY as string;
const seatPort = (n: number) => Number(ctx.env.CTI_SEAT_BASE_PORT) + n;
const BILINGUAL = ['seat-25', 'seat-26', 'seat-27'];
let seats: ChildProcess[] = [];
let db: pg.Client;

const q = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> => (await db.query(text.replaceAll('$S', `"${ctx.runId}"`), values)).rows;

async function setAgents(ready: string[]): Promise<void> {
  for (const id of ctx.agentIds) {
    const r = ready.includes(id) ? await api(ctx, 'POST', `/api/v1/agents/${id}/ready`) : await api(ctx, 'POST', `/api/v1/agents/${id}/pause`, { reason: 'meeting' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}

async function callsSince(t: Date) {
  return q<{ linked_id: string; seat: string | null; outcome: string; language: string; arrived_at: Date; offered_at: Date | null; caller_number: string }>(
    'SELECT linked_id, seat, outcome, language, arrived_at, offered_at, caller_number FROM $S.calls WHERE arrived_at >= $1 ORDER BY arrived_at',
    [t],
  );
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
  await db.connect();
  // seat-01's agent never picks up; every other seat answers at once.
  seats = [startUas(ctx.root, '127.0.0.1', seatPort(1), 'seat-noanswer'), ...startSeats(ctx.root, Array.from({ length: 26 }, (_, i) => seatPort(i + 2)))];
  await loginAllAgents(ctx);
  await awaitSeatsAnswering(ctx, ctx.agentIds.map((_, i) => i + 1));
});

afterAll(async () => {
  for (const s of seats) s.kill('SIGKILL');
  await setAgents(ctx.agentIds.filter((id) => id !== 'a01')).catch(() => undefined);
  await db.end();
});

describe('the ACD on real calls', () => {
  beforeEach(async () => {
    await setAgents(ctx.agentIds.filter((id) => id !== 'a01'));
  });

  it('routes callers who press 2 only to bilingual seats, while Mandarin-only seats are free', async () => {
    const t0 = new Date();
    const run = await placeCalls(ctx.root, { target: sipTarget, from: primary, count: 3, rate: 10, holdMs: 6000, mediaPort: ctx.mediaBase, scenario: 'caller-tibetan' });
    expect(run.successful, run.output.slice(-1500)).toBe(3);
    await waitFor('3 records', async () => (await callsSince(t0)).length === 3, STEP_BOUND_MS);
    const calls = await callsSince(t0);
    expect(calls.map((c) => c.outcome)).toEqual(['answered', 'answered', 'answered']);
    expect(calls.map((c) => c.language)).toEqual(['tibetan', 'tibetan', 'tibetan']);
    for (const c of calls) expect(BILINGUAL).toContain(c.seat);
  });

  it('auto-pauses a seat after 2 ring-no-answers and gives each call to the next agent', async () => {
    // Only a01 (never answers, idle longest) and a02 are ready.
    await setAgents([]);
    expect((await api(ctx, 'POST', '/api/v1/agents/a01/ready')).status).toBe(200);
    expect((await api(ctx, 'POST', '/api/v1/agents/a02/ready')).status).toBe(200);
    const t0 = new Date();
    for (let i = 0; i < 2; i++) {
      const run = await placeCalls(ctx.root, { target: sipTarget, from: primary, count: 1, holdMs: 9000, mediaPort: ctx.mediaBase });
      expect(run.successful).toBe(1);
    }
    await waitFor('2 records', async () => (await callsSince(t0)).length === 2, STEP_BOUND_MS);
    const calls = await callsSince(t0);
    expect(calls.map((c) => [c.outcome, c.seat])).toEqual([['answered', 'seat-02'], ['answered', 'seat-02']]);
    const agents = (await api(ctx, 'GET', '/api/v1/agents')).body.items as Array<{ agentId: string; live: any }>;
    expect(agents.find((a) => a.agentId === 'a01')?.live).toMatchObject({ state: 'paused', pauseReason: 'ring_no_answer' });
  });

  it('opens a missed-call callback task for a caller who gave up after waiting', async () => {
    await setAgents([]);
    const t0 = new Date();
    const run = await placeCalls(ctx.root, { target: sipTarget, from: primary, count: 1, holdMs: 5000, mediaPort: ctx.mediaBase });
    expect(run.successful).toBe(1);
    await waitFor('abandoned record', async () => (await callsSince(t0)).length === 1, STEP_BOUND_MS);
    const [call] = await callsSince(t0);
    expect(call?.outcome).toBe('abandoned');
    await waitFor('task', async () => (await q('SELECT 1 FROM $S.missed_call_tasks WHERE linked_id = $1', [call?.linked_id])).length === 1, STEP_BOUND_MS);
    const list = await api(ctx, 'GET', '/api/v1/callbacks');
    expect(list.status).toBe(200);
    expect(list.body.missedCalls.map((t: { linkedId: string }) => t.linkedId)).toContain(call?.linked_id);
    // Worked so it does not ring a seat in later tests: close it as the callback staff would.
    await q("UPDATE $S.missed_call_tasks SET state = 'done' WHERE linked_id = $1", [call?.linked_id]);
  });

  it('calls back a caller who pressed 1, keeping their place, once an agent is free', async () => {
    await setAgents([]);
    const t0 = new Date();
    const run = await placeCalls(ctx.root, { target: sipTarget, from: primary, count: 1, holdMs: 7000, mediaPort: ctx.mediaBase, scenario: 'caller-callback' });
    expect(run.successful, run.output.slice(-1500)).toBe(1);
    await waitFor('record with callback request', async () => (await callsSince(t0)).length === 1, STEP_BOUND_MS);
    const [call] = await callsSince(t0);
    const [row] = await q('SELECT outcome, callback_requested_at FROM $S.calls WHERE linked_id = $1', [call?.linked_id]);
    expect(row.outcome).toBe('abandoned'); // not silently counted as answered
    expect(row.callback_requested_at).not.toBeNull();
    // The citizen's phone now answers at the address of the primary trunk (the carrier), talks 1 s and hangs up.
    const citizen = startTrunkPhone(ctx, 'trunk-primary', 'citizen-answers', 1000);
    try {
      // The caller just left the primary's address; Asterisk dials it only once this phone has answered a qualify.
      await trunkAnswering(ctx, citizen, 'trunk-primary');
      expect((await api(ctx, 'POST', '/api/v1/agents/a03/ready')).status).toBe(200);
      await waitFor('callback result', async () => (await q('SELECT 1 FROM $S.outbound_callbacks WHERE linked_id = $1', [call?.linked_id])).length === 1, STEP_BOUND_MS);
      const [cb] = await q('SELECT kind, result, trunk, agent_id, answered_at FROM $S.outbound_callbacks WHERE linked_id = $1', [call?.linked_id]);
      expect(cb).toMatchObject({ kind: 'virtual_hold', result: 'reached', trunk: 'primary', agent_id: 'a03' });
      expect(cb.answered_at).not.toBeNull();
      // The callback passed the dial policy and left its audit row (the citizen's number masked).
      const audit = await q(`SELECT actor_role, actor_id, target, data FROM $S.audit_log WHERE action = 'dial.outside' AND data->>'callId' = $1`, [call?.linked_id]);
      expect(audit).toMatchObject([{ actor_role: 'system', actor_id: 'a03', data: { purpose: 'callback', allowed: true } }]);
      expect(audit[0].target).toMatch(/^\*+\d{4}$/);
    } finally {
      citizen.child.kill('SIGKILL');
    }
  }, 180_000); // a hang guard: the trunk phone's qualify alone may take four rounds (STEP_BOUND_MS)

  it('answers 20 callers waiting across a gateway restart (SIGKILL) in their original order', async () => {
    await setAgents([]);
    const t0 = new Date();
    // The callers stay on the line until the test ends their calls: how long the restart takes on a busy machine
    // (tens of seconds seen) must not decide whether they are still there to be answered.
    const callerPrefix = `1397${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;
    const load = placeCalls(ctx.root, { target: sipTarget, from: primary, count: 20, rate: 20, holdMs: 0, mediaPort: ctx.mediaBase, scenario: 'caller-until-hangup', timeoutS: 300, callerPrefix });
    try {
      await waitFor('20 waiting', async () => (await api(ctx, 'GET', '/api/v1/queue')).body.items.length === 20, STEP_BOUND_MS);
      const before = ((await api(ctx, 'GET', '/api/v1/queue')).body.items as Array<{ callId: string }>).map((c) => c.callId);

      await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId), 'SIGKILL');
      await restartGateway(ctx.root, ctx.env, ctx.apiUrl);
      // Routing resumes once the restarted gateway has reconciled its restored queue with Asterisk: then all 20 wait.
      await waitFor('routing after the reconcile', async () => (await (await fetch(`${ctx.apiUrl}/healthz`)).json()).routing === 'on', 60_000);
      expect((await api(ctx, 'GET', '/api/v1/queue')).body.items).toHaveLength(20);
      const after = ((await api(ctx, 'GET', '/api/v1/queue')).body.items as Array<{ callId: string }>).map((c) => c.callId);
      expect(after).toEqual(before);

      await setAgents(ctx.agentIds.filter((id) => id !== 'a01'));
      // Each caller is talking with an agent; then the test ends the calls from the switch.
      const connected = async () => ((await api(ctx, 'GET', '/api/v1/calls/live')).body.items as Array<{ callId: string; phase: string }>).filter((c) => before.includes(c.callId) && c.phase === 'connected').length;
      await waitFor('20 callers talking with agents', async () => (await connected()) === 20, 60_000);
      await hangUpCallers(ctx, callerPrefix);
      const run = await load;
      expect(run.successful, run.output.slice(-1500)).toBe(20);
      await waitFor('20 records', async () => (await callsSince(t0)).length === 20, STEP_BOUND_MS);
      const calls = await callsSince(t0);
      expect(calls.filter((c) => c.outcome === 'answered')).toHaveLength(20);
      // Offered (seat rung) in the order they arrived.
      const byOffer = [...calls].sort((a, b) => (a.offered_at?.getTime() ?? 0) - (b.offered_at?.getTime() ?? 0)).map((c) => c.linked_id);
      expect(byOffer).toEqual(before);
    } finally {
      // A failed step must not leave these callers on the line for the next file: end them, then their SIPp.
      await hangUpCallers(ctx, callerPrefix).catch(() => undefined);
      await load.catch(() => undefined);
    }
  });
});
