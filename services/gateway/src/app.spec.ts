import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { AcdEngine, ManualClock, defaultAcdConfig } from '@cti/domain';
import type { AgentRow, AnswerCounts, Principal } from '@cti/db';
import { buildApp, type AppDeps } from './app.js';
import { AgentService, type AgentDirectory } from './agent/agent.service.js';
import type { HealthProbes } from './http/health.routes.js';
import { monthRange, registerStatsRoutes } from './kpi/stats.routes.js';
import { registerAgentRoutes } from './agent/agent.routes.js';
import { registerTicketRoutes } from './ticket/ticket.routes.js';
import { registerCallRoutes } from './call/call.routes.js';
import { registerAcdRoutes } from './call/acd.routes.js';
import { createLogger } from './logger.js';

const principals: Record<string, Principal> = {
  'tok-a1': { tokenId: '1', role: 'agent', agentId: 'a1', label: 'agent a1' },
  'tok-a2': { tokenId: '2', role: 'agent', agentId: 'a2', label: 'agent a2' },
  'tok-sup': { tokenId: '3', role: 'supervisor', agentId: null, label: 'shift lead' },
  'tok-partner': { tokenId: '4', role: 'partner', agentId: null, label: '110 centre' },
};

const agentRows: AgentRow[] = ['a1', 'a2', 'a3'].map((id) => ({ id, name: `Agent ${id}`, skills: { mandarin: 5 }, backup: false, created_at: new Date(0) }));

function fixture(health: Partial<HealthProbes> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 10, 15, 4, 0, 0));
  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: 0 }, clock);
  const directory: AgentDirectory = {
    findById: async (id) => agentRows.find((r) => r.id === id),
    list: async () => agentRows,
  };
  let freed = 0;
  const agents = new AgentService(acd, directory, new Set(['seat-01', 'seat-02', 'seat-03']), () => void freed++);
  const countsAsked: Array<{ from: Date; to: Date }> = [];
  const counts: AnswerCounts = { offered: 50, answered: 49, abandoned: 1, answeredWithin15s: 40 };
  const deps: AppDeps = {
    logger: createLogger('test', 'silent'),
    tokens: { findPrincipal: async (t) => principals[t] },
    health: {
      ari: () => true,
      ami: () => true,
      redis: async () => true,
      postgres: async () => true,
      trunks: () => ({ 'trunk-primary': { status: 'up', rttMs: 3, since: 0 } }),
      spooledRecords: () => false,
      ...health,
    },
    features: [
      (routes) => registerAgentRoutes(routes, agents),
      (routes) => registerStatsRoutes(routes, { answerCounts: async (from, to) => (countsAsked.push({ from, to }), counts) }, () => clock.now()),
      (routes) => registerTicketRoutes(routes, { list: async () => ({ total: 0, items: [] }), findById: async () => undefined, findBySourceCall: async () => undefined, inAgentScope: async () => new Set<string>() }, openAccess),
      (routes) => registerCallRoutes(routes, { liveCalls: () => [] }, () => clock.now()),
      (routes) => registerAcdRoutes(routes, acd),
    ],
  };
  return { acd, deps, countsAsked, freed: () => freed };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(health: Partial<HealthProbes> = {}) {
  const f = fixture(health);
  app = await buildApp(f.deps);
  return { ...f, app };
}

/** Ticket reads in these tests: everything allowed and counted nowhere (the access model has its own tests). */
const openAccess = { warningPolicy: { yellowRemainingFraction: 0.2, yellowWithinHours: 24 }, now: Date.now, access: { audit: { record: async () => undefined }, budget: { remaining: () => 1000, charge: () => undefined }, liveCallerOf: () => undefined } };

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('access decisions', () => {
  it('refuses to build an app with a route nobody decided the access of, and lists declared raw routes in OpenAPI', async () => {
    const f = fixture();
    const undeclared = buildApp({ ...f.deps, features: [(_routes, a) => void a.get('/debug/dump', async () => 'everything')] });
    await expect(undeclared).rejects.toThrow(/without an access decision.*GET \/debug\/dump/);
    app = await buildApp({
      ...f.deps,
      features: [
        (routes, a) => {
          routes.declareRaw({ method: 'GET', url: '/debug/dump', summary: 'test page', access: { kind: 'public' } });
          a.get('/debug/dump', async () => 'ok');
        },
      ],
    });
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/debug/dump'].get['x-access']).toEqual({ kind: 'public' });
    expect(doc.paths['/api/v1/openapi.json'].get['x-access']).toEqual({ kind: 'public' });
  });
});

describe('authentication and roles', () => {
  it('answers 401 without a token', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/api/v1/agents' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'CTI_ERR_UNAUTHORIZED' });
  });

  it('answers 401 for an unknown token', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/api/v1/agents', headers: bearer('nope') });
    expect(res.statusCode).toBe(401);
  });

  it('answers 403 when the role may not use the route', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/api/v1/agents', headers: bearer('tok-a1') });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'CTI_ERR_FORBIDDEN', details: { role: 'agent' } });
    expect((await app.inject({ method: 'GET', url: '/api/v1/tickets', headers: bearer('tok-partner') })).statusCode).toBe(403);
  });

  it('answers 403 when an agent acts on another agent’s seat', async () => {
    const { app, acd } = await start();
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/a2/login', headers: bearer('tok-a1'), payload: { seat: 'seat-02' } });
    expect(res.statusCode).toBe(403);
    expect(acd.findAgent('a2')).toBeUndefined();
  });

  it('lets a supervisor act for any agent', async () => {
    const { app, acd } = await start();
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/a2/login', headers: bearer('tok-sup'), payload: { seat: 'seat-02' } });
    expect(res.statusCode).toBe(200);
    expect(acd.getAgent('a2').seat).toBe('seat-02');
  });
});

describe('agent routes', () => {
  it('logs an agent in not ready, then ready, and routes calls after ready', async () => {
    const { app, freed } = await start();
    const login = await app.inject({ method: 'POST', url: '/api/v1/agents/a1/login', headers: bearer('tok-a1'), payload: { seat: 'seat-01' } });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ agentId: 'a1', seat: 'seat-01', state: 'paused', pauseReason: 'not_ready' });
    const ready = await app.inject({ method: 'POST', url: '/api/v1/agents/a1/ready', headers: bearer('tok-a1') });
    expect(ready.json()).toMatchObject({ state: 'ready' });
    expect(freed()).toBe(1);
  });

  it('answers 400 naming the field for an invalid body', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/a1/login', headers: bearer('tok-a1'), payload: { seat: 'desk 1' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('CTI_ERR_VALIDATION');
    expect(res.json().details.issues[0].field).toBe('seat');
  });

  it('answers 400 naming the field when the body lacks it', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/a1/pause', headers: bearer('tok-a1'), payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.issues[0].field).toBe('reason');
  });

  it('answers 400 for malformed JSON', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/a1/login', headers: { ...bearer('tok-a1'), 'content-type': 'application/json' }, payload: '{"seat": ' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('CTI_ERR_VALIDATION');
  });

  it('answers 400 for a seat that does not exist', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/a1/login', headers: bearer('tok-a1'), payload: { seat: 'seat-99' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toMatchObject({ field: 'seat', seat: 'seat-99' });
  });

  it('answers 409 when the seat is taken by another agent', async () => {
    const { app } = await start();
    await app.inject({ method: 'POST', url: '/api/v1/agents/a1/login', headers: bearer('tok-a1'), payload: { seat: 'seat-01' } });
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/a2/login', headers: bearer('tok-a2'), payload: { seat: 'seat-01' } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'CTI_ERR_CONFLICT', details: { seat: 'seat-01', agentId: 'a1' } });
  });

  it('answers 404 for an agent missing from the directory', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/zz/login', headers: bearer('tok-sup'), payload: { seat: 'seat-01' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('CTI_ERR_NO_SUCH_AGENT');
  });

  it('rejects an unknown pause reason with 400', async () => {
    const { app } = await start();
    await app.inject({ method: 'POST', url: '/api/v1/agents/a1/login', headers: bearer('tok-a1'), payload: { seat: 'seat-01' } });
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/a1/pause', headers: bearer('tok-a1'), payload: { reason: 'nap' } });
    expect(res.statusCode).toBe(400);
  });
});

describe('GET /healthz', () => {
  it('answers 200 without a token when ARI, Redis and PostgreSQL are up', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', ari: 'up', redis: 'up', postgres: 'up', trunks: { 'trunk-primary': { status: 'up' } } });
  });

  it.each([
    ['ARI', { ari: () => false }, 'ari'],
    ['Redis', { redis: async () => false }, 'redis'],
    ['PostgreSQL', { postgres: async () => false }, 'postgres'],
  ] as const)('answers 503 degraded when %s is down', async (_name, probe, key) => {
    const { app } = await start(probe);
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'degraded', [key]: 'down' });
  });

  it('says the gateway is the active one, with its lease epoch and whether a standby watches, when it has a lease', async () => {
    const { app } = await start({ leadership: () => ({ epoch: 7, standbyWatching: true }) });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', role: 'active', epoch: 7, standbyWatching: true });
  });

  it('stays 200 when only AMI is down', async () => {
    const { app } = await start({ ami: () => false });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().ami).toBe('down');
  });
});

describe('GET /api/v1/stats/answer-rate', () => {
  it('answers 400 for month=2026-13', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/api/v1/stats/answer-rate?month=2026-13', headers: bearer('tok-sup') });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.issues[0].field).toBe('month');
  });

  it('computes the rate for the asked month over its Beijing-time bounds', async () => {
    const { app, countsAsked } = await start();
    const res = await app.inject({ method: 'GET', url: '/api/v1/stats/answer-rate?month=2026-02', headers: bearer('tok-a1') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ month: '2026-02', offered: 50, answered: 49, abandoned: 1, answeredWithin15s: 40, rate: 0.98, target: 0.98 });
    expect(countsAsked).toEqual([{ from: new Date('2026-01-31T16:00:00Z'), to: new Date('2026-02-28T16:00:00Z') }]);
  });

  it('defaults to the current Beijing month', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/api/v1/stats/answer-rate', headers: bearer('tok-sup') });
    expect(res.json().month).toBe('2026-11');
  });
});

describe('monthRange', () => {
  it('bounds 2026-11 by midnight Beijing time (UTC+8) on Nov 1 and Dec 1', () => {
    expect(monthRange('2026-11')).toEqual({ from: new Date('2026-10-31T16:00:00Z'), to: new Date('2026-11-30T16:00:00Z') });
  });

  it('rolls December into January of the next year', () => {
    expect(monthRange('2026-12').to).toEqual(new Date('2026-12-31T16:00:00Z'));
  });
});

describe('other routes', () => {
  it('publishes an OpenAPI document listing every route with its roles', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/healthz',
        '/api/v1/openapi.json',
        '/api/v1/agents',
        '/api/v1/agents/{agentId}/login',
        '/api/v1/agents/{agentId}/logout',
        '/api/v1/agents/{agentId}/ready',
        '/api/v1/agents/{agentId}/pause',
        '/api/v1/agents/{agentId}/wrap-up/end',
        '/api/v1/stats/answer-rate',
        '/api/v1/tickets',
        '/api/v1/tickets/{id}',
        '/api/v1/calls/{linkedId}/ticket',
        '/api/v1/calls/live',
        '/api/v1/queue',
      ].sort(),
    );
    expect(doc.paths['/api/v1/agents/{agentId}/login'].post.requestBody.content['application/json'].schema.properties.seat).toBeDefined();
    expect(doc.paths['/healthz'].get.security).toBeUndefined();
    expect(doc.paths['/api/v1/queue'].get['x-roles']).toContain('supervisor');
  });

  it('answers 404 with a coded error for an unknown route', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('CTI_ERR_NOT_FOUND');
  });

  it('answers 404 for a ticket that does not exist', async () => {
    const { app } = await start();
    const res = await app.inject({ method: 'GET', url: '/api/v1/tickets/42', headers: bearer('tok-a1') });
    expect(res.statusCode).toBe(404);
  });

  it('hides the details of an unexpected error behind a 500', async () => {
    const f = fixture();
    const failing = { list: async () => Promise.reject(new Error('password=hunter2 connection refused')), findById: async () => undefined, findBySourceCall: async () => undefined, inAgentScope: async () => new Set<string>() };
    app = await buildApp({ ...f.deps, features: [(routes) => registerTicketRoutes(routes, failing, openAccess)] });
    const res = await app.inject({ method: 'GET', url: '/api/v1/tickets', headers: bearer('tok-a1') });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
  });
});
