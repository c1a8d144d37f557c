// Toll fraud through the real stack: an agent on a real SIPp call tries outside numbers. International, premium,
// unlisted and non-digit numbers are refused before anything is dialled, an allowed one written with +86 and
// separators rings the carrier trunk as national digits, the per-agent limit stops the next, and every attempt
// leaves a `dial.outside` audit row. The gateway runs with CTI_DIAL_MAX_PER_AGENT=2 and is restored afterwards.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { TokenRepository, createDb } from '@cti/db';
import { api } from './support/api.js';
import { placeCalls, startUas } from './support/sipp.js';
import { startTrunkPhone, trunkAnswering } from './support/trunk.js';
import { waitFor } from './support/processes.js';
import { pidFile, restartGateway, stopGatewayByPidFile } from './support/gateway.control.js';

const ctx = inject('e2e');
const [backupIp] = (ctx.env.CTI_TRUNK_BACKUP as string).split(':') as [string, string];
const env = { ...ctx.env, CTI_DIAL_MAX_PER_AGENT: '2' };
let db: pg.Client;
let token = '';
let seat: ChildProcess | undefined;

async function asA01(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctx.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

const transfer = (number: string) => asA01('POST', '/api/v1/agents/a01/call/transfer/external', { number, mode: 'three_way' });

/** ARI channels whose name starts with `prefix`. */
async function channels(prefix: string): Promise<string[]> {
  const auth = `Basic ${Buffer.from(`${ctx.env.CTI_ARI_USER ?? 'cti'}:${ctx.env.CTI_ARI_PASSWORD ?? 'cti-ari-secret'}`).toString('base64')}`;
  const list = (await (await fetch(`${ctx.env.CTI_ARI_URL}/ari/channels`, { headers: { authorization: auth } })).json()) as Array<{ name: string }>;
  return list.map((c) => c.name).filter((n) => n.startsWith(prefix));
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
  await db.connect();
  const kdb = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 1);
  token = await new TokenRepository(kdb).create('agent', 'e2e-dial-policy-a01', 'a01');
  await kdb.destroy();
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartGateway(ctx.root, env, ctx.apiUrl);
  seat = startUas(ctx.root, '127.0.0.1', Number(ctx.env.CTI_SEAT_BASE_PORT) + 1, 'seat');
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` });
  for (const id of ctx.agentIds) {
    const r = id === 'a01' ? await api(ctx, 'POST', `/api/v1/agents/${id}/ready`) : await api(ctx, 'POST', `/api/v1/agents/${id}/pause`, { reason: 'meeting' });
    expect(r.status, `${id}: ${JSON.stringify(r.body)}`).toBe(200);
  }
}, 90_000);

afterAll(async () => {
  seat?.kill('SIGKILL');
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartGateway(ctx.root, ctx.env, ctx.apiUrl);
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/ready`);
  await db.end();
}, 60_000);

describe('outside numbers an agent dials during a call', () => {
  it('refuses international, premium, unlisted and non-digit numbers, rings an allowed one as digits, limits the agent, and audits each', async () => {
    // The outside line rings (never answers) at the primary trunk's address; the caller comes from the backup's.
    const outside = startTrunkPhone(ctx, 'trunk-primary', 'seat-noanswer');
    try {
      await trunkAnswering(ctx, outside, 'trunk-primary');
      // The caller stays until the test hangs up (no step depends on how long a fixed hold lasts).
      const run = placeCalls(ctx.root, { target: `127.0.0.1:${ctx.env.CTI_SIP_PORT}`, from: `${backupIp}:${ctx.mediaBase + 380}`, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, timeoutS: 120, scenario: 'caller-until-hangup' });
      let callId = '';
      await waitFor('a01 on the call', async () => {
        const r = await asA01('GET', '/api/v1/agents/a01/call');
        if (r.status === 200) callId = (r.body as { callId: string }).callId;
        return r.status === 200;
      }, 30_000, 200);
      const since = new Date(Date.now() - 1000);

      const refused = [
        ['0012125550100', 403, 'refused_pattern'],
        ['+1 212 555 0100', 403, 'refused_pattern'],
        ['08361681234', 403, 'refused_pattern'],
        ['02888881234', 403, 'not_allowed'],
        ['139*0000@trunk-backup', 400, 'not_digits'],
      ] as const;
      for (const [number, status, reason] of refused) {
        const r = await transfer(number);
        expect(r.status, `${number}: ${JSON.stringify(r.body)}`).toBe(status);
        expect(r.body.details.reason).toBe(reason);
      }
      expect(await channels('PJSIP/trunk-primary')).toEqual([]);

      // Allowed twice (the limit), each rung over the trunk as national digits and cancelled; the third is refused.
      for (const attempt of [1, 2]) {
        const ok = await transfer('+86 139-0000-1111');
        expect(ok.status, `attempt ${attempt}: ${JSON.stringify(ok.body)}`).toBe(200);
        expect(ok.body.number).toBe('13900001111');
        await waitFor('the outside line ringing', async () => (await channels('PJSIP/trunk-primary')).length === 1, 10_000);
        expect((await asA01('POST', '/api/v1/agents/a01/call/linkage/cancel')).status).toBe(200);
        await waitFor('the outside leg gone', async () => (await channels('PJSIP/trunk-primary')).length === 0, 10_000);
      }
      const limited = await transfer('13900001111');
      expect(limited.status, JSON.stringify(limited.body)).toBe(429);
      expect(limited.body).toMatchObject({ error: 'CTI_ERR_RATE_LIMITED', details: { reason: 'rate_limited' } });

      const rows = (
        await db.query(`SELECT actor_id, target, data FROM "${ctx.runId}".audit_log WHERE action = 'dial.outside' AND at >= $1 ORDER BY id`, [since])
      ).rows as Array<{ actor_id: string; target: string; data: { purpose: string; allowed: boolean; reason?: string; agentId: string } }>;
      expect(rows.map((r) => [r.actor_id, r.target, r.data.purpose, r.data.allowed, r.data.reason ?? null])).toEqual([
        ['a01', '0012125550100', 'transfer', false, 'refused_pattern'],
        ['a01', '0012125550100', 'transfer', false, 'refused_pattern'],
        ['a01', '08361681234', 'transfer', false, 'refused_pattern'],
        ['a01', '02888881234', 'transfer', false, 'not_allowed'],
        ['a01', '139*0000@trunk-backup', 'transfer', false, 'not_digits'],
        ['a01', '13900001111', 'transfer', true, null],
        ['a01', '13900001111', 'transfer', true, null],
        ['a01', '13900001111', 'transfer', false, 'rate_limited'],
      ]);
      const ariAuth = `Basic ${Buffer.from(`${ctx.env.CTI_ARI_USER ?? 'cti'}:${ctx.env.CTI_ARI_PASSWORD ?? 'cti-ari-secret'}`).toString('base64')}`;
      await fetch(`${ctx.env.CTI_ARI_URL}/ari/channels/${encodeURIComponent(callId)}`, { method: 'DELETE', headers: { authorization: ariAuth } });
      expect((await run).successful).toBe(1);
      await waitFor('a01 free', async () => (await asA01('GET', '/api/v1/agents/a01/call')).status === 404, 20_000, 200);
    } finally {
      outside.child.kill('SIGKILL');
    }
  }, 180_000); // a hang guard: the trunk phone's qualify alone may take four rounds (STEP_BOUND_MS)
});
