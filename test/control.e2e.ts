// Call control on real parts: emergency linkage over the trunks (SIPp partner UAS at the carrier's addresses),
// transfers between SIPp seats, supervisor snoop channels, and call recordings served with access control.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { TokenRepository, createDb } from '@cti/db';
import { api, awaitSeatsAnswering, callIdOfAgent } from './support/api.js';
import { placeCalls, startUas, type CallerRun } from './support/sipp.js';
import { startTrunkPhone, trunkAnswering } from './support/trunk.js';
import { waitFor } from './support/processes.js';
import { pidFile, restartGateway, stopGatewayByPidFile } from './support/gateway.control.js';

const ctx = inject('e2e');
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const primary = ctx.env.CTI_TRUNK_PRIMARY as string;
const backup = ctx.env.CTI_TRUNK_BACKUP as string;
const [primaryIp] = primary.split(':') as [string, string];
const [backupIp] = backup.split(':') as [string, string];
const seatPort = (n: number) => Number(ctx.env.CTI_SEAT_BASE_PORT) + n;
const ariBase = `${ctx.env.CTI_ARI_URL}/ari`;
const ariAuth = `Basic ${Buffer.from(`${ctx.env.CTI_ARI_USER ?? 'cti'}:${ctx.env.CTI_ARI_PASSWORD ?? 'cti-ari-secret'}`).toString('base64')}`;
const recordingsDir = `${process.env.CTI_ASTERISK_ROOTFS ?? '/var/cache/cti12345/rootfs'}/run/cti/${ctx.asteriskInstance}/spool/recording`;
// Extra settings for this file's gateway: short partner ring time and the recordings directory of this Asterisk.
const partnersFile = `${ctx.root}.run/${ctx.runId}/partners.json`;
const env = { ...ctx.env, CTI_RECORDINGS_DIR: recordingsDir, CTI_PARTNERS_FILE: partnersFile };

let db: pg.Client;
let seats: ChildProcess[] = [];
const tokens: Record<string, string> = {};

const q = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> => (await db.query(text.replaceAll('$S', `"${ctx.runId}"`), values)).rows;

async function as(agentId: string | null, method: string, path: string, body?: unknown) {
  const token = agentId ? tokens[agentId] : ctx.supervisorToken;
  const res = await fetch(`${ctx.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()) } as { status: number; body: any };
}

async function ari(path: string): Promise<any> {
  const res = await fetch(`${ariBase}${path}`, { headers: { authorization: ariAuth } });
  return res.status === 200 ? res.json() : undefined;
}

/** SIP channels (names PJSIP/…) in a bridge. */
async function bridgeMembers(bridgeId: string): Promise<string[]> {
  const bridge = await ari(`/bridges/${bridgeId}`);
  if (!bridge) return [];
  const channels: Array<{ id: string; name: string }> = await ari('/channels');
  return channels.filter((c) => bridge.channels.includes(c.id) && c.name.startsWith('PJSIP/')).map((c) => c.name.replace(/-[0-9a-f]+$/, ''));
}

async function setReady(ready: string[]): Promise<void> {
  for (const id of ctx.agentIds) {
    const r = ready.includes(id) ? await api(ctx, 'POST', `/api/v1/agents/${id}/ready`) : await api(ctx, 'POST', `/api/v1/agents/${id}/pause`, { reason: 'meeting' });
    expect(r.status, `${id}: ${JSON.stringify(r.body)}`).toBe(200);
  }
}

/**
 * Places one call from `from` and waits until agent a01 is talking on it; returns the run and the call id. The caller
 * stays on the line until the test ends the call (hangUp): no step depends on how long a fixed hold lasts.
 */
async function callToA01(from: string): Promise<{ run: Promise<CallerRun>; callId: string }> {
  await waitFor('a01 free', async () => (await as('a01', 'GET', '/api/v1/agents/a01/call')).status === 404, 30_000, 300);
  const run = placeCalls(ctx.root, { target: sipTarget, from, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, timeoutS: 120, scenario: 'caller-until-hangup' });
  return { run, callId: await callIdOfAgent(ctx, 'a01', (m, path) => as('a01', m, path)) };
}

/** The caller hangs up (the far end of their SIPp call: Asterisk sends the BYE); resolves with the caller's run. */
async function hangUp(callId: string, run: Promise<CallerRun>): Promise<CallerRun> {
  await fetch(`${ariBase}/channels/${encodeURIComponent(callId)}`, { method: 'DELETE', headers: { authorization: ariAuth } });
  return run;
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
  await db.connect();
  const kdb = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 1);
  const repo = new TokenRepository(kdb);
  for (const id of ['a01', 'a02']) tokens[id] = await repo.create('agent', `e2e-control-${id}`, id);
  await kdb.destroy();
  mkdirSync(`${ctx.root}.run/${ctx.runId}`, { recursive: true });
  writeFileSync(partnersFile, JSON.stringify({ '110': { ringTimeoutS: 8 }, '119': { ringTimeoutS: 8 }, '120': { ringTimeoutS: 5 } }));
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartGateway(ctx.root, env, ctx.apiUrl);
  // a01 takes the calls, a02 is the transfer target, seat-27 is the supervisor's phone.
  seats = [startUas(ctx.root, '127.0.0.1', seatPort(1), 'seat'), startUas(ctx.root, '127.0.0.1', seatPort(2), 'seat'), startUas(ctx.root, '127.0.0.1', seatPort(27), 'seat')];
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` });
  await awaitSeatsAnswering(ctx, [1, 2, 27]);
  await setReady(['a01']);
}, 90_000);

afterAll(async () => {
  for (const s of seats) s.kill('SIGKILL');
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartGateway(ctx.root, ctx.env, ctx.apiUrl);
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/ready`);
  await db.end();
}, 60_000);

describe('emergency linkage over the trunks', () => {
  it('links a call with 110: caller, agent and partner in one bridge; after hand-off caller and partner; the record has times and trunk', async () => {
    const partner = startTrunkPhone(ctx, 'trunk-primary', 'seat');
    try {
      await trunkAnswering(ctx, partner, 'trunk-primary');
      // The caller comes from the backup trunk's address on another port, so the primary's port is the partner's.
      const { run, callId } = await callToA01(`${backupIp}:${ctx.mediaBase + 390}`);
      const started = await as('a01', 'POST', '/api/v1/agents/a01/call/linkage', { partner: '110', mode: 'transfer' });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      expect(started.body).toMatchObject({ partner: '110', trunk: 'primary', phase: 'ringing' });
      await waitFor('three parties', async () => (await bridgeMembers(`bridge-${callId}`)).length === 3, 10_000);
      expect((await bridgeMembers(`bridge-${callId}`)).sort()).toEqual(['PJSIP/seat-01', 'PJSIP/trunk-backup', 'PJSIP/trunk-primary']);
      const handed = await as('a01', 'POST', '/api/v1/agents/a01/call/linkage/hand-off');
      expect(handed.status, JSON.stringify(handed.body)).toBe(200);
      await waitFor('caller and partner', async () => (await bridgeMembers(`bridge-${callId}`)).length === 2, 5_000);
      expect((await bridgeMembers(`bridge-${callId}`)).sort()).toEqual(['PJSIP/trunk-backup', 'PJSIP/trunk-primary']);
      // The agent is free again.
      expect((await as('a01', 'GET', '/api/v1/agents/a01/call')).status).toBe(404);
      expect((await hangUp(callId, run)).successful).toBe(1);
      await waitFor('linkage stored', async () => (await q('SELECT 1 FROM $S.linkages WHERE linked_id = $1', [callId])).length === 1, 20_000);
      const [row] = await q('SELECT * FROM $S.linkages WHERE linked_id = $1', [callId]);
      expect(row).toMatchObject({ partner: '110', mode: 'transfer', trunk: 'primary', result: 'answered', agent_id: 'a01', ticket_state: 'transferred_emergency' });
      expect(row.dialled_at <= row.answered_at && row.answered_at <= row.agent_left_at && row.agent_left_at <= row.ended_at).toBe(true);
      const [ticket] = await q('SELECT state FROM $S.tickets WHERE source_call_id = $1', [callId]);
      expect(ticket.state).toBe('transferred_emergency');
    } finally {
      partner.child.kill('SIGKILL');
    }
  }, 180_000); // a hang guard: the trunk phone's qualify alone may take four rounds (STEP_BOUND_MS)

  it('blind-transfers a call to an outside number: the agent leaves when it answers, the ticket is not an emergency transfer', async () => {
    const outside = startTrunkPhone(ctx, 'trunk-primary', 'seat');
    try {
      await trunkAnswering(ctx, outside, 'trunk-primary');
      const { run, callId } = await callToA01(`${backupIp}:${ctx.mediaBase + 390}`);
      const started = await as('a01', 'POST', '/api/v1/agents/a01/call/transfer/external', { number: '13900001111', mode: 'blind' });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      await waitFor('caller and the outside number', async () => {
        const members = await bridgeMembers(`bridge-${callId}`);
        return members.length === 2 && !members.includes('PJSIP/seat-01');
      }, 10_000);
      expect((await as('a01', 'GET', '/api/v1/agents/a01/call')).status).toBe(404); // the agent is free
      expect((await hangUp(callId, run)).successful).toBe(1);
      await waitFor('linkage stored', async () => (await q('SELECT 1 FROM $S.linkages WHERE linked_id = $1', [callId])).length === 1, 20_000);
      const [row] = await q('SELECT partner, number, mode, result, ticket_state FROM $S.linkages WHERE linked_id = $1', [callId]);
      expect(row).toMatchObject({ partner: 'external', number: '13900001111', mode: 'transfer', result: 'answered', ticket_state: 'intake' });
    } finally {
      outside.child.kill('SIGKILL');
    }
  }, 180_000); // a hang guard: the trunk phone's qualify alone may take four rounds (STEP_BOUND_MS)

  it('carries the partner leg on the backup trunk when the primary fails it (503)', async () => {
    const failing = startTrunkPhone(ctx, 'trunk-primary', 'partner-503');
    const partner = startTrunkPhone(ctx, 'trunk-backup', 'seat');
    try {
      await Promise.all([trunkAnswering(ctx, failing, 'trunk-primary'), trunkAnswering(ctx, partner, 'trunk-backup')]);
      const { run, callId } = await callToA01(`${primaryIp}:${ctx.mediaBase + 392}`);
      const started = await as('a01', 'POST', '/api/v1/agents/a01/call/linkage', { partner: '119', mode: 'three_way' });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      await waitFor('partner on the backup trunk', async () => (await bridgeMembers(`bridge-${callId}`)).filter((n) => n === 'PJSIP/trunk-backup').length === 1, 10_000);
      expect((await bridgeMembers(`bridge-${callId}`)).sort()).toEqual(['PJSIP/seat-01', 'PJSIP/trunk-backup', 'PJSIP/trunk-primary']);
      expect((await hangUp(callId, run)).successful).toBe(1);
      await waitFor('linkage stored', async () => (await q('SELECT 1 FROM $S.linkages WHERE linked_id = $1', [callId])).length === 1, 20_000);
      const [row] = await q('SELECT trunk, result, mode, ticket_state FROM $S.linkages WHERE linked_id = $1', [callId]);
      expect(row).toMatchObject({ trunk: 'backup', result: 'answered', mode: 'three_way', ticket_state: 'intake' });
    } finally {
      failing.child.kill('SIGKILL');
      partner.child.kill('SIGKILL');
    }
  }, 180_000); // a hang guard: the trunk phone's qualify alone may take four rounds (STEP_BOUND_MS)

  it('keeps the caller talking with the agent when the partner does not answer', async () => {
    const ringing = startTrunkPhone(ctx, 'trunk-primary', 'seat-noanswer');
    try {
      await trunkAnswering(ctx, ringing, 'trunk-primary');
      const { run, callId } = await callToA01(`${backupIp}:${ctx.mediaBase + 394}`);
      const started = await as('a01', 'POST', '/api/v1/agents/a01/call/linkage', { partner: '120', mode: 'three_way' });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      // While it rings and after it gave up, caller and agent stay bridged.
      expect((await bridgeMembers(`bridge-${callId}`)).sort()).toEqual(['PJSIP/seat-01', 'PJSIP/trunk-backup']);
      await waitFor('linkage over', async () => (await as('a01', 'GET', '/api/v1/agents/a01/call')).body.linkage === null, 15_000, 300);
      expect((await bridgeMembers(`bridge-${callId}`)).sort()).toEqual(['PJSIP/seat-01', 'PJSIP/trunk-backup']);
      expect((await hangUp(callId, run)).successful).toBe(1);
      await waitFor('linkage stored', async () => (await q('SELECT 1 FROM $S.linkages WHERE linked_id = $1', [callId])).length === 1, 20_000);
      const [row] = await q('SELECT result, answered_at FROM $S.linkages WHERE linked_id = $1', [callId]);
      expect(row).toMatchObject({ result: 'no_answer', answered_at: null });
    } finally {
      ringing.child.kill('SIGKILL');
    }
  }, 180_000); // a hang guard: the trunk phone's qualify alone may take four rounds (STEP_BOUND_MS)
});

describe('transfers between seats', () => {
  it('blind-transfers a call from a01 to a02', async () => {
    const { run, callId } = await callToA01(`${backupIp}:${ctx.mediaBase + 390}`);
    expect((await api(ctx, 'POST', '/api/v1/agents/a02/ready')).status).toBe(200);
    const t = await as('a01', 'POST', '/api/v1/agents/a01/call/transfer', { kind: 'blind', toAgent: 'a02' });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    await waitFor('a02 has the call', async () => (await as('a02', 'GET', '/api/v1/agents/a02/call')).body.callId === callId, 10_000);
    expect((await bridgeMembers(`bridge-${callId}`)).sort()).toEqual(['PJSIP/seat-02', 'PJSIP/trunk-backup']);
    expect((await as('a01', 'GET', '/api/v1/agents/a01/call')).status).toBe(404);
    expect((await hangUp(callId, run)).successful).toBe(1);
    await waitFor('a02 ready again', async () => (await api(ctx, 'GET', '/api/v1/agents')).body.items.find((a: any) => a.agentId === 'a02')?.live?.state === 'ready', 10_000);
    await api(ctx, 'POST', '/api/v1/agents/a02/pause', { reason: 'meeting' });
  }, 60_000);

  /** a01 starts an attended transfer to a02 and the two are consulting (a02 answered). */
  async function consultA02(): Promise<void> {
    const t = await as('a01', 'POST', '/api/v1/agents/a01/call/transfer', { kind: 'attended', toAgent: 'a02' });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    await waitFor('consulting', async () => (await as('a01', 'GET', '/api/v1/agents/a01/call')).body.transfer?.phase === 'consulting', 10_000);
  }

  it('attended transfer: cancel returns the caller to a01, complete hands it to a02', async () => {
    const { run, callId } = await callToA01(`${backupIp}:${ctx.mediaBase + 390}`);
    expect((await api(ctx, 'POST', '/api/v1/agents/a02/ready')).status).toBe(200);
    await consultA02();
    // The caller holds alone in the call's bridge (with music) while the agents consult.
    expect(await bridgeMembers(`bridge-${callId}`)).toEqual(['PJSIP/trunk-backup']);
    expect((await as('a01', 'POST', '/api/v1/agents/a01/call/transfer/cancel')).status).toBe(200);
    await waitFor('back with a01', async () => (await bridgeMembers(`bridge-${callId}`)).length === 2, 5_000);
    expect((await bridgeMembers(`bridge-${callId}`)).sort()).toEqual(['PJSIP/seat-01', 'PJSIP/trunk-backup']);
    await waitFor('a02 ready', async () => (await api(ctx, 'GET', '/api/v1/agents')).body.items.find((a: any) => a.agentId === 'a02')?.live?.state === 'ready', 5_000);

    await consultA02();
    expect((await as('a01', 'POST', '/api/v1/agents/a01/call/transfer/complete')).status).toBe(200);
    await waitFor('a02 with the caller', async () => (await bridgeMembers(`bridge-${callId}`)).includes('PJSIP/seat-02'), 5_000);
    expect((await bridgeMembers(`bridge-${callId}`)).sort()).toEqual(['PJSIP/seat-02', 'PJSIP/trunk-backup']);
    expect((await hangUp(callId, run)).successful).toBe(1);
    await api(ctx, 'POST', '/api/v1/agents/a02/pause', { reason: 'meeting' });
  }, 60_000);

  it('attended transfer: when a01 hangs up during the consultation, the caller goes on with a02', async () => {
    const { run, callId } = await callToA01(`${backupIp}:${ctx.mediaBase + 390}`);
    expect((await api(ctx, 'POST', '/api/v1/agents/a02/ready')).status).toBe(200);
    await consultA02();
    expect((await as('a01', 'POST', '/api/v1/agents/a01/call/hangup')).status).toBe(200);
    await waitFor('a02 with the caller', async () => (await bridgeMembers(`bridge-${callId}`)).includes('PJSIP/seat-02'), 5_000);
    expect((await bridgeMembers(`bridge-${callId}`)).sort()).toEqual(['PJSIP/seat-02', 'PJSIP/trunk-backup']);
    expect((await as('a02', 'GET', '/api/v1/agents/a02/call')).body).toMatchObject({ callId });
    expect((await hangUp(callId, run)).successful).toBe(1); // the caller was never cut off
    await waitFor('record', async () => (await q('SELECT agent_id FROM $S.calls WHERE linked_id = $1', [callId])).length === 1, 10_000);
    const [row] = await q('SELECT agent_id, outcome FROM $S.calls WHERE linked_id = $1', [callId]);
    expect(row).toMatchObject({ agent_id: 'a02', outcome: 'answered' });
    await api(ctx, 'POST', '/api/v1/agents/a02/pause', { reason: 'meeting' });
  }, 60_000);
});

describe('supervisor monitor, whisper and barge', () => {
  it('creates snoop channels on the agent channel for each mode, switches and stops; agents get 403', async () => {
    const { run, callId } = await callToA01(`${backupIp}:${ctx.mediaBase + 390}`);
    const denied = await as('a02', 'POST', '/api/v1/supervision', { agentId: 'a01', mode: 'monitor', seat: 'seat-27' });
    expect(denied.status).toBe(403);
    const started = await as(null, 'POST', '/api/v1/supervision', { agentId: 'a01', mode: 'monitor', seat: 'seat-27' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const id = started.body.id as string;
    const snoopOf = async () => (await as(null, 'GET', '/api/v1/supervision')).body.items.find((s: any) => s.id === id);
    const seen: string[] = [];
    for (const mode of ['monitor', 'whisper', 'barge'] as const) {
      if (mode !== 'monitor') expect((await as(null, 'PATCH', `/api/v1/supervision/${id}`, { mode })).status).toBe(200);
      let snoopId = '';
      await waitFor(`${mode} snoop`, async () => {
        const s = await snoopOf();
        snoopId = s?.snoopId && !seen.includes(s.snoopId) ? s.snoopId : '';
        return snoopId !== '' && (await ari(`/channels/${snoopId}`)) !== undefined;
      }, 10_000);
      const ch = await ari(`/channels/${snoopId}`);
      // Snoop/<the agent leg's channel id>-…: the agent leg of this call.
      expect(ch.name.startsWith(`Snoop/${callId}-leg`), ch.name).toBe(true);
      const sv = await snoopOf();
      expect(sv.mode).toBe(mode);
      // The previous mode's snoop channel is gone.
      for (const old of seen) await waitFor('old snoop gone', async () => (await ari(`/channels/${old}`)) === undefined, 5_000);
      seen.push(snoopId);
    }
    expect((await as('a02', 'DELETE', `/api/v1/supervision/${id}`)).status).toBe(403);
    expect((await as(null, 'DELETE', `/api/v1/supervision/${id}`)).status).toBe(200);
    await waitFor('snoop gone', async () => (await ari(`/channels/${seen.at(-1)}`)) === undefined, 5_000);
    const audited = await q("SELECT action FROM $S.audit_log WHERE action LIKE 'supervision.%' AND data->>'sessionId' = $1 ORDER BY id", [id]);
    expect(audited.map((r) => r.action)).toEqual(['supervision.monitor', 'supervision.whisper', 'supervision.barge', 'supervision.stop']);
    expect((await hangUp(callId, run)).successful).toBe(1);
  }, 60_000);
});

describe('call recordings', () => {
  it('records an answered call about as long as it lasted and serves it only to staff and the handling agent', async () => {
    const { run, callId } = await callToA01(`${backupIp}:${ctx.mediaBase + 390}`);
    await waitFor('recording started', async () => (await as('a01', 'GET', '/api/v1/agents/a01/call')).body.recording != null, 10_000);
    expect((await hangUp(callId, run)).successful).toBe(1);
    await waitFor('call stored with a recording', async () => (await q('SELECT recording FROM $S.calls WHERE linked_id = $1', [callId]))[0]?.recording != null, 15_000);
    const [call] = await q('SELECT recording, answered_at, ended_at FROM $S.calls WHERE linked_id = $1', [callId]);
    expect(call.recording).toMatch(new RegExp(`^\\d{4}/\\d{2}/\\d{2}/${callId.replace('.', '\\.')}\\.wav$`));
    const talkS = (call.ended_at.getTime() - call.answered_at.getTime()) / 1000;
    await waitFor('file written', async () => spawnSync('soxi', ['-D', `${recordingsDir}/${call.recording}`]).status === 0, 5_000);
    const seconds = Number(spawnSync('soxi', ['-D', `${recordingsDir}/${call.recording}`], { encoding: 'utf8' }).stdout.trim());
    expect(Math.abs(seconds - talkS), `recording ${seconds}s, talk ${talkS}s`).toBeLessThan(1.5);

    const own = await as('a01', 'GET', `/api/v1/calls/${callId}/recording`);
    expect(own.status).toBe(200);
    expect((own.body as Buffer).subarray(0, 4).toString()).toBe('RIFF');
    expect((await as(null, 'GET', `/api/v1/recordings?name=${encodeURIComponent(call.recording)}`)).status).toBe(200);
    expect((await as('a02', 'GET', `/api/v1/calls/${callId}/recording`)).status).toBe(403);
    expect((await as('a02', 'GET', `/api/v1/recordings?name=${encodeURIComponent(call.recording)}`)).status).toBe(403);
    for (const bad of ['../../../../etc/passwd', '/etc/passwd', `${call.recording}/../../x.wav`, '2024/01/01/x.wav%00.txt', '..%2f..%2fetc%2fpasswd']) {
      const r = await as(null, 'GET', `/api/v1/recordings?name=${encodeURIComponent(bad)}`);
      expect([400, 404], `${bad}: ${r.status}`).toContain(r.status);
    }
    const audited = await q("SELECT action, actor_id FROM $S.audit_log WHERE action LIKE 'recording.%' AND target = $1 ORDER BY id", [call.recording]);
    expect(audited.map((r) => `${r.action}:${r.actor_id}`)).toEqual(['recording.read:a01', 'recording.read:e2e', 'recording.denied:a02', 'recording.denied:a02']);
  }, 60_000);
});
