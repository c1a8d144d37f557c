import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { KbArticle, Principal } from '@cti/db';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { registerKbRoutes, type KnowledgeBase } from './kb.routes.js';

const principals: Record<string, Principal> = {
  a1: { tokenId: '1', role: 'agent', agentId: 'a01', label: 'agent a01' },
  lead: { tokenId: '2', role: 'supervisor', agentId: null, label: 'lead1' },
  qa: { tokenId: '3', role: 'qa', agentId: null, label: 'qa1' },
};
const NOW = Date.parse('2026-12-06T04:00:00Z'); // 12:00 in Beijing
const article = (over: Partial<KbArticle>): KbArticle => ({
  id: '1', title: '停水通知', body: '康定城区停水。', category: '供水', departmentId: null, region: null, keywords: [], validFrom: null, validUntil: null,
  status: 'published', version: 1, useCount: 0, createdBy: 'lead1', createdAt: new Date(NOW), editedBy: 'lead1', updatedAt: new Date(NOW), publishedBy: 'mgr1', publishedAt: new Date(NOW),
  ...over,
});

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(stored: KbArticle) {
  const calls: Array<[string, unknown[]]> = [];
  const record = (name: string) => async (...args: unknown[]) => {
    calls.push([name, args]);
    if (name === 'find') return args[0] === stored.id ? stored : undefined;
    if (name === 'search') return { items: [stored], total: 1, capped: false };
    if (name === 'markUsed') return true;
    if (name === 'usage') return [];
    return stored;
  };
  const kb = Object.fromEntries(['create', 'find', 'update', 'transition', 'history', 'search', 'markUsed', 'reviewList', 'usage'].map((n) => [n, record(n)])) as unknown as KnowledgeBase;
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens: { findPrincipal: async (t) => principals[t] },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [(routes) => registerKbRoutes(routes, kb, { now: () => NOW, liveCallIdOf: (agentId) => (agentId === 'a01' ? 'call-9' : undefined) })],
  });
  const ask = async (who: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
    const res = await (app as FastifyInstance).inject({ method, url, headers: { authorization: `Bearer ${who}` }, ...(payload !== undefined && { payload: payload as object }) });
    return { status: res.statusCode, body: res.json() as any };
  };
  return { ask, calls };
}

describe('knowledge-base routes', () => {
  it('searches what agents may see today (Beijing date), and refuses a one-character query with its reason', async () => {
    const { ask, calls } = await start(article({}));
    expect((await ask('a1', 'GET', '/api/v1/kb/articles?q=%E5%81%9C%E6%B0%B4')).status).toBe(200);
    expect(calls.at(-1)).toEqual(['search', [{ query: { text: '停水', grams: ['停水'] }, scope: { kind: 'agents', today: '2026-12-06' }, limit: 20, offset: 0 }]]);
    const one = await ask('a1', 'GET', '/api/v1/kb/articles?q=%E6%B0%B4');
    expect(one.status).toBe(400);
    expect(one.body.message).toMatch(/at least 2 characters/);
  });

  it('lets only editors list drafts, read them or write', async () => {
    const { ask } = await start(article({ status: 'draft' }));
    expect((await ask('a1', 'GET', '/api/v1/kb/articles?status=draft')).status).toBe(403);
    expect((await ask('lead', 'GET', '/api/v1/kb/articles?status=draft')).status).toBe(200);
    expect((await ask('a1', 'GET', '/api/v1/kb/articles/1')).status).toBe(404);
    expect((await ask('lead', 'GET', '/api/v1/kb/articles/1')).status).toBe(200);
    const body = { title: '停水', body: '正文', category: '供水', departmentId: null, region: null, keywords: [], validFrom: null, validUntil: null };
    expect((await ask('a1', 'POST', '/api/v1/kb/articles', body)).status).toBe(403);
    expect((await ask('lead', 'POST', '/api/v1/kb/articles', body)).status).toBe(201);
  });

  it('hides an expired article from agents', async () => {
    const { ask } = await start(article({ validUntil: '2026-12-05' }));
    expect((await ask('a1', 'GET', '/api/v1/kb/articles/1')).status).toBe(404);
    expect((await ask('qa', 'GET', '/api/v1/kb/articles/1')).status).toBe(404);
    expect((await ask('lead', 'GET', '/api/v1/kb/articles/1')).status).toBe(200);
  });

  it('refuses an edit without the version it started from, or with an impossible date', async () => {
    const { ask } = await start(article({ status: 'draft' }));
    expect((await ask('lead', 'PATCH', '/api/v1/kb/articles/1', { title: '新' })).status).toBe(400);
    expect((await ask('lead', 'PATCH', '/api/v1/kb/articles/1', { version: 1 })).status).toBe(400);
    expect((await ask('lead', 'PATCH', '/api/v1/kb/articles/1', { version: 1, validUntil: '2026-02-30' })).status).toBe(400);
    expect((await ask('lead', 'PATCH', '/api/v1/kb/articles/1', { version: 1, title: '新' })).status).toBe(200);
  });

  it('counts a use for the call the agent is on, as the gateway knows it (not as the client says)', async () => {
    const { ask, calls } = await start(article({}));
    const r = await ask('a1', 'POST', '/api/v1/kb/articles/1/uses', {});
    expect(r).toEqual({ status: 200, body: { counted: true, callId: 'call-9' } });
    expect(calls.at(-1)).toEqual(['markUsed', ['1', { agentId: 'a01', callId: 'call-9', ticketId: null }, '2026-12-06']]);
    expect((await ask('a1', 'POST', '/api/v1/kb/articles/1/uses', { callId: 'other' })).status).toBe(400);
  });

  it('bounds the usage report to a year', async () => {
    const { ask } = await start(article({}));
    expect((await ask('qa', 'GET', '/api/v1/kb/usage?from=2026-01-01&to=2026-12-31')).status).toBe(200);
    expect((await ask('qa', 'GET', '/api/v1/kb/usage?from=2025-01-01&to=2026-12-31')).status).toBe(400);
    expect((await ask('a1', 'GET', '/api/v1/kb/usage?from=2026-01-01&to=2026-12-31')).status).toBe(403);
  });
});
