// The knowledge base (知识库) through the running gateway and PostgreSQL: a shift lead writes an article, a manager
// approves it (the lead may not approve their own), an agent on a real SIPp call finds it by a two-character query
// and marks it as what answered the call, and the usage report counts that call once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { beijingDate } from '@cti/domain';
import { TokenRepository, createDb } from '@cti/db';
import { api, apiWith, callIdOfAgent, hangUpCallers, onlyReady as onlyReadyIn } from './support/api.js';
import { placeCalls, startUas } from './support/sipp.js';
import { waitFor } from './support/processes.js';

const ctx = inject('e2e');
const sipTarget = `127.0.0.1:${ctx.env.CTI_SIP_PORT}`;
const seatPort = (n: number) => Number(ctx.env.CTI_SEAT_BASE_PORT) + n;
const tag = Date.now().toString(36);
const callerPrefix = `137${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
const token: Record<'lead' | 'manager' | 'agent', string> = { lead: '', manager: '', agent: '' };
let seat: ChildProcess | undefined;

const as = (who: keyof typeof token, method: string, path: string, body?: unknown) => apiWith(ctx, token[who], method, path, body);

/** Only `ready` take calls; everyone else is in a meeting. */
const onlyReady = (ready: string[]) => onlyReadyIn(ctx, ready);

beforeAll(async () => {
  const db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 1);
  const tokens = new TokenRepository(db);
  token.lead = await tokens.create('supervisor', `e2e-kb-lead-${tag}`, null);
  token.manager = await tokens.create('manager', `e2e-kb-manager-${tag}`, null);
  token.agent = await tokens.create('agent', `e2e-kb-a01-${tag}`, 'a01');
  await db.destroy();
  seat = startUas(ctx.root, '127.0.0.1', seatPort(1), 'seat');
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/login`, { seat: `seat-${id.slice(1)}` });
});

afterAll(async () => {
  await hangUpCallers(ctx, callerPrefix);
  seat?.kill('SIGKILL');
  for (const id of ctx.agentIds) await api(ctx, 'POST', `/api/v1/agents/${id}/ready`);
});

describe('knowledge base', () => {
  it('publishes an article approved by a second person, lets an agent on a call find it by two characters and mark it, and counts that call once', async () => {
    const title = `康定城区计划停水通知 ${tag}`;
    const created = await as('lead', 'POST', '/api/v1/kb/articles', {
      title,
      body: '因供水管网改造，12月8日8:00至18:00康定城区部分区域停水。\n\n- 请市民提前储水\n- 应急送水电话：0836-2822345',
      category: '供水',
      departmentId: null,
      region: '康定市',
      keywords: ['停水', '供水', tag],
      validFrom: null,
      validUntil: null,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ status: 'draft', version: 1, createdBy: `e2e-kb-lead-${tag}` });

    // Drafts are the editors' own: the agent does not find it yet.
    const search = async () => (await as('agent', 'GET', `/api/v1/kb/articles?q=${encodeURIComponent(`停水 ${tag}`)}`)).body;
    expect((await search()).items).toEqual([]);
    expect((await as('lead', 'POST', `/api/v1/kb/articles/${id}/actions`, { action: 'submit' })).body.status).toBe('review');
    const selfApproval = await as('lead', 'POST', `/api/v1/kb/articles/${id}/actions`, { action: 'approve' });
    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body.message).toMatch(/someone other than its last editor/);
    expect(await as('agent', 'POST', `/api/v1/kb/articles/${id}/actions`, { action: 'approve' })).toMatchObject({ status: 403 });
    expect((await as('manager', 'POST', `/api/v1/kb/articles/${id}/actions`, { action: 'approve', note: '已核实' })).body).toMatchObject({ status: 'published', publishedBy: `e2e-kb-manager-${tag}` });

    const found = await search();
    expect(found.items.map((a: { id: string }) => a.id)).toEqual([id]);
    expect(found.items[0].body).toContain('- 请市民提前储水');
    const tooShort = await as('agent', 'GET', `/api/v1/kb/articles?q=${encodeURIComponent('水')}`);
    expect(tooShort.status).toBe(400);

    // The ticket in hand suggests it: its text mentions two of the article's keywords (停水 and the run's tag).
    const suggested = await as('agent', 'POST', '/api/v1/kb/suggestions', { summary: `炉城镇停水 ${tag}`, content: '来电人称家里停水半天，询问何时恢复供水', address: '康定市炉城镇' });
    expect(suggested.status, JSON.stringify(suggested.body)).toBe(200);
    const mine = suggested.body.items.find((x: { article: { id: string } }) => x.article.id === id);
    expect(mine).toMatchObject({ matched: ['停水', '供水', tag], categoryMentioned: true });
    expect(suggested.body.items[0].article.id).toBe(id);
    const noText = await as('agent', 'POST', '/api/v1/kb/suggestions', { summary: 'x'.repeat(501) });
    expect(noText.status).toBe(400);

    // A citizen calls; only a01 is ready. While on the call the agent marks the article as the answer.
    await onlyReady(['a01']);
    const run = placeCalls(ctx.root, { target: sipTarget, from: ctx.env.CTI_TRUNK_PRIMARY as string, count: 1, holdMs: 0, mediaPort: ctx.mediaBase, callerPrefix, timeoutS: 120, scenario: 'caller-until-hangup' });
    try {
      const callId = await callIdOfAgent(ctx, 'a01', (m, path) => as('agent', m, path));
      expect(await as('agent', 'POST', `/api/v1/kb/articles/${id}/uses`, {})).toEqual({ status: 200, body: { counted: true, callId } });
      expect(await as('agent', 'POST', `/api/v1/kb/articles/${id}/uses`, {})).toEqual({ status: 200, body: { counted: false, callId } });
    } finally {
      await hangUpCallers(ctx, callerPrefix);
      await run;
    }
    const today = beijingDate(Date.now());
    const usage = await as('manager', 'GET', `/api/v1/kb/usage?from=${today}&to=${today}`);
    expect(usage.body.items.find((u: { id: string }) => u.id === id)).toEqual({ id, title, category: '供水', uses: 1, agents: 1 });
    expect((await as('agent', 'GET', `/api/v1/kb/articles/${id}`)).body.useCount).toBe(1);

    // Withdrawn: hidden from agents, kept with its whole history.
    await as('manager', 'POST', `/api/v1/kb/articles/${id}/actions`, { action: 'withdraw', note: '工程结束' });
    expect((await search()).items).toEqual([]);
    expect((await as('agent', 'GET', `/api/v1/kb/articles/${id}`)).status).toBe(404);
    const history = await as('lead', 'GET', `/api/v1/kb/articles/${id}/history`);
    expect(history.body.items.map((h: { action: string }) => h.action)).toEqual(['create', 'submit', 'approve', 'withdraw']);
  });
});
