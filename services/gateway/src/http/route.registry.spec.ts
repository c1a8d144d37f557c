import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Principal } from '@cti/db';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { calendarDay, pageOffset } from './input.rules.js';

const sup: Principal = { tokenId: '1', role: 'supervisor', agentId: null, label: 'lead' };
let app: FastifyInstance | undefined;
let handled: unknown[] = [];
let lookups = 0;

afterEach(async () => {
  await app?.close();
  app = undefined;
  handled = [];
  lookups = 0;
});

async function start(): Promise<FastifyInstance> {
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens: { findPrincipal: async (t) => (lookups++, t === 'tok-sup' ? sup : undefined) },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [
      (routes) => {
        routes.add({
          method: 'POST',
          url: '/t/notes',
          summary: 'a write route with text',
          roles: ['supervisor'],
          body: z.object({ title: z.string().max(50), elements: z.object({ who: z.string() }).partial().optional(), marks: z.record(z.string(), z.number()).optional() }),
          handler: async ({ body }) => (handled.push(body), { ok: true }),
        });
        routes.add({ method: 'POST', url: '/t/run', summary: 'a write route without a body', roles: ['supervisor'], handler: async () => (handled.push('run'), { ok: true }) });
        routes.add({
          method: 'GET',
          url: '/t/list',
          summary: 'a read route with a search text, a day and paging',
          roles: ['supervisor'],
          query: z.object({ q: z.string().max(50).optional(), date: calendarDay.optional(), offset: pageOffset() }),
          handler: async ({ query }) => (handled.push(query), query),
        });
      },
    ],
  });
  return app;
}

const post = (a: FastifyInstance, url: string, payload?: string, token = 'tok-sup') =>
  a.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, ...(payload !== undefined && { 'content-type': 'application/json' }) }, ...(payload !== undefined && { payload }) });

describe('route registry: input every route gets', () => {
  it('refuses U+0000 in any text value or key with 400 naming the field, before the handler runs', async () => {
    const a = await start();
    for (const [payload, field] of [
      ['{"title":"a\\u0000b"}', 'title'],
      ['{"title":"ok","elements":{"who":"\\u0000"}}', 'elements.who'],
      ['{"title":"ok","marks":{"k\\u0000":1}}', 'marks.k\\u0000'],
    ] as const) {
      const res = await post(a, '/t/notes', payload);
      expect(res.statusCode, payload).toBe(400);
      expect(res.json()).toMatchObject({ error: 'CTI_ERR_VALIDATION', details: { where: 'body', issues: [{ field, reason: 'must not contain the NUL character (U+0000)' }] } });
    }
    const q = await a.inject({ method: 'GET', url: '/t/list?q=a%00b', headers: { authorization: 'Bearer tok-sup' } });
    expect(q.statusCode).toBe(400);
    expect(handled).toEqual([]);
    expect((await post(a, '/t/notes', '{"title":"藏文 ཀ ok"}')).statusCode).toBe(200);
  });

  it('refuses keys a body does not declare instead of dropping them', async () => {
    const a = await start();
    const res = await post(a, '/t/notes', '{"title":"x","titel":"y"}');
    expect(res.statusCode).toBe(400);
    expect(handled).toEqual([]);
  });

  it('refuses a body on a route that takes none, but accepts no body or {}', async () => {
    const a = await start();
    for (const junk of ['{"x":1}', '[1]', '7', '"run"', '""', 'true']) expect((await post(a, '/t/run', junk)).statusCode, junk).toBe(400);
    expect(handled).toEqual([]);
    expect((await post(a, '/t/run')).statusCode).toBe(200);
    expect((await post(a, '/t/run', '{}')).statusCode).toBe(200);
    expect(handled).toEqual(['run', 'run']);
  });

  it('authenticates before the body is read: no token or an unknown one is 401 even for a malformed or oversized body', async () => {
    const a = await start();
    expect((await post(a, '/t/notes', '{"title": ', 'nope')).statusCode).toBe(401);
    expect((await post(a, '/t/notes', `{"title":"${'x'.repeat(400_000)}"}`, 'nope')).statusCode).toBe(401);
    expect((await a.inject({ method: 'POST', url: '/t/notes', payload: '{"title": ' , headers: { 'content-type': 'application/json' } })).statusCode).toBe(401);
    expect(handled).toEqual([]);
  });

  it('refuses impossible calendar days and offsets past the bound with 400', async () => {
    const a = await start();
    const get = (qs: string) => a.inject({ method: 'GET', url: `/t/list?${qs}`, headers: { authorization: 'Bearer tok-sup' } });
    for (const qs of ['date=2026-02-30', 'date=2026-04-31', 'date=2025-02-29', 'date=2026-13-01', 'date=2026-00-10', 'offset=1e30', 'offset=1000001', 'offset=-1']) {
      expect((await get(qs)).statusCode, qs).toBe(400);
    }
    expect((await get('date=2024-02-29&offset=1000000')).json()).toMatchObject({ date: '2024-02-29', offset: 1_000_000 });
  });
});
