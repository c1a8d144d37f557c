import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { CtiError } from '@cti/domain';
import type { HotlineLine, Principal } from '@cti/db';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { registerHotlineLineRoutes, type HotlineLineStore } from './hotline-line.routes.js';

const principals: Record<string, Principal> = {
  agent: { tokenId: '1', role: 'agent', agentId: 'a01', label: 'agent a01' },
  lead: { tokenId: '2', role: 'supervisor', agentId: null, label: 'lead1' },
  admin: { tokenId: '3', role: 'admin', agentId: null, label: 'admin01' },
};
const NOW = Date.parse('2027-01-04T10:00:00+08:00');

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An in-memory store that behaves like the repository on conflicts and unknown departments. */
function fakeStore(): { store: HotlineLineStore; rows: Map<string, HotlineLine> } {
  const rows = new Map<string, HotlineLine>([['12345', { did: '12345', name: '12345政务服务便民热线', departmentId: null, greetingSound: null, answerRateTarget: null, active: true, updatedAt: NOW, updatedBy: 'migration' }]]);
  const store: HotlineLineStore = {
    list: async (all = true) => [...rows.values()].filter((l) => all || l.active),
    find: async (did) => rows.get(did),
    create: async (i, actor) => {
      if (rows.has(i.did)) throw new CtiError('CTI_ERR_CONFLICT', `hotline line ${i.did} already exists`, { did: i.did });
      if (i.departmentId && i.departmentId !== 'scjg') throw new CtiError('CTI_ERR_VALIDATION', `no department ${i.departmentId}`, { field: 'departmentId' });
      const l: HotlineLine = { did: i.did, name: i.name, departmentId: i.departmentId ?? null, greetingSound: i.greetingSound ?? null, answerRateTarget: i.answerRateTarget ?? null, active: i.active ?? true, updatedAt: NOW, updatedBy: actor };
      rows.set(l.did, l);
      return l;
    },
    update: async (did, p, actor) => {
      const l = { ...(rows.get(did) as HotlineLine), ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)), updatedBy: actor };
      rows.set(did, l);
      return l;
    },
  };
  return { store, rows };
}

async function start() {
  const { store, rows } = fakeStore();
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens: { findPrincipal: async (t) => principals[t] },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [(routes) => registerHotlineLineRoutes(routes, store)],
  });
  const ask = async (who: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
    const res = await (app as FastifyInstance).inject({ method, url, headers: { authorization: `Bearer ${who}` }, ...(payload !== undefined && { payload: payload as object }) });
    return { status: res.statusCode, body: res.json() as any };
  };
  return { ask, rows };
}

describe('hotline line routes', () => {
  it('lists the lines to the staff; an administrator adds a merged line with its own DID, department, greeting and target', async () => {
    const { ask, rows } = await start();
    expect((await ask('agent', 'GET', '/api/v1/hotline-lines')).body.items.map((l: HotlineLine) => l.did)).toEqual(['12345']);
    const made = await ask('admin', 'POST', '/api/v1/hotline-lines', { did: '12315', name: ' 12315消费者投诉举报专线 ', departmentId: 'scjg', greetingSound: 'cti/greeting-12315', answerRateTarget: 0.95 });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ did: '12315', name: '12315消费者投诉举报专线', departmentId: 'scjg', answerRateTarget: 0.95, updatedBy: 'admin01', updatedAt: new Date(NOW).toISOString() });
    expect(rows.get('12315')?.greetingSound).toBe('cti/greeting-12315');
    expect((await ask('admin', 'POST', '/api/v1/hotline-lines', { did: '12315', name: '重复' })).status).toBe(409);
  });

  it('refuses bad input with the reason (400) and anyone but managers and administrators (403)', async () => {
    const { ask } = await start();
    const cases: Array<[unknown, RegExp]> = [
      [{ did: '12a45', name: 'x' }, /did/],
      [{ did: '12316', name: '' }, /name/],
      [{ did: '12316', name: 'x', answerRateTarget: 1.5 }, /answerRateTarget/],
      [{ did: '12316', name: 'x', greetingSound: '../etc/passwd' }, /greetingSound/],
      [{ did: '12316', name: 'x', departmentId: 'nope' }, /no department nope/],
      [{ did: '12316', name: 'x', extra: 1 }, /extra|unrecognized/i],
    ];
    for (const [body, reason] of cases) {
      const r = await ask('admin', 'POST', '/api/v1/hotline-lines', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(reason);
    }
    expect((await ask('lead', 'POST', '/api/v1/hotline-lines', { did: '12316', name: 'x' })).status).toBe(403);
    expect((await ask('agent', 'PATCH', '/api/v1/hotline-lines/12345', { name: 'x' })).status).toBe(403);
  });

  it('updates a line (target back to the centre’s with null, deactivation) and says when there is no such line', async () => {
    const { ask } = await start();
    const u = await ask('admin', 'PATCH', '/api/v1/hotline-lines/12345', { answerRateTarget: 0.97, active: false });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ did: '12345', answerRateTarget: 0.97, active: false });
    expect((await ask('admin', 'PATCH', '/api/v1/hotline-lines/12345', { answerRateTarget: null })).body.answerRateTarget).toBeNull();
    expect((await ask('agent', 'GET', '/api/v1/hotline-lines?all=false')).body.items).toEqual([]);
    expect((await ask('admin', 'PATCH', '/api/v1/hotline-lines/12399', { name: 'x' })).status).toBe(404);
    expect((await ask('admin', 'PATCH', '/api/v1/hotline-lines/12345', {})).body.message).toMatch(/at least one field/);
  });

  it('lists the routes in the OpenAPI document with their roles and body schema', async () => {
    await start();
    const doc = (await (app as FastifyInstance).inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/hotline-lines'].get['x-roles']).toContain('agent');
    expect(doc.paths['/api/v1/hotline-lines'].post['x-roles']).toEqual(['manager', 'admin']);
    expect(Object.keys(doc.paths['/api/v1/hotline-lines'].post.requestBody.content['application/json'].schema.properties)).toEqual(['did', 'name', 'departmentId', 'greetingSound', 'answerRateTarget', 'active']);
    expect(doc.paths['/api/v1/hotline-lines/{did}'].patch.parameters).toEqual([expect.objectContaining({ name: 'did', in: 'path', required: true })]);
  });
});
