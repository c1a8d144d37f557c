import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '@cti/db';
import type { AgentService } from './agent.service.js';
import { buildApp } from '../app.js';
import pino from 'pino';
import { createLogger } from '../logger.js';
import { registerAgentRoutes } from './agent.routes.js';

const principals: Record<string, Principal> = { a1: { tokenId: '1', role: 'agent', agentId: 'a1', label: 'agent a1' } };
const live = (state: string) => ({ agentId: 'x', seat: 'seat-09', state, stateSince: 0, callsAnswered: 3 });

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('transfer targets on the desk', () => {
  it('lists the other agents logged in with their state and skill names (no seats or calls), and the skills in use; only for oneself', async () => {
    const agents = {
      list: async () => [
        { agentId: 'a1', name: '自己', skills: { mandarin: 5 }, backup: false, live: live('on_call') },
        { agentId: 'a2', name: '卓玛', skills: { tibetan: 8, mandarin: 5 }, backup: false, live: live('ready') },
        { agentId: 'a3', name: '王芳', skills: { mandarin: 5, callback: 3 }, backup: false, live: live('paused') },
        { agentId: 'a4', name: '不在', skills: { mandarin: 5, legal: 2 }, backup: false, live: null },
      ],
    } as unknown as AgentService;
    app = await buildApp({
      logger: createLogger('test', 'silent'),
      tokens: { findPrincipal: async (t) => principals[t] },
      health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
      features: [(routes) => registerAgentRoutes(routes, agents, { pauseReasons: ['break'], wrapUpSeconds: 0, seats: ['seat-01'], browserPhones: undefined })],
    });
    const get = (url: string) => (app as FastifyInstance).inject({ method: 'GET', url, headers: { authorization: 'Bearer a1' } });
    const res = await get('/api/v1/agents/a1/transfer-targets');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      agents: [
        { agentId: 'a2', name: '卓玛', state: 'ready', skills: ['mandarin', 'tibetan'] },
        { agentId: 'a3', name: '王芳', state: 'paused', skills: ['callback', 'mandarin'] },
      ],
      skills: ['callback', 'mandarin', 'tibetan'],
    });
    expect((await get('/api/v1/agents/a2/transfer-targets')).statusCode).toBe(403);
  });
});

describe('agent state set through the API', () => {
  it('logs who made an agent ready or paused them, and from which state to which', async () => {
    const lines: string[] = [];
    let state = 'ready';
    const agents = {
      liveState: () => ({ agentId: 'a1', seat: 'seat-01', state, stateSince: 0, callsAnswered: 0 }),
      pause: (_id: string, reason: string) => {
        state = 'paused';
        return { agentId: 'a1', seat: 'seat-01', state, pauseReason: reason, stateSince: 0, callsAnswered: 0 };
      },
    } as unknown as AgentService;
    app = await buildApp({
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
      tokens: { findPrincipal: async (t) => principals[t] },
      health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
      features: [(routes) => registerAgentRoutes(routes, agents)],
    });
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents/a1/pause', headers: { authorization: 'Bearer a1' }, payload: { reason: 'meeting' } });
    expect(res.statusCode).toBe(200);
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'agent state set');
    expect(logged).toMatchObject([{ agentId: 'a1', action: 'pause', from: 'ready', to: 'paused', reason: 'meeting', by: 'agent a1', role: 'agent' }]);
  });
});
