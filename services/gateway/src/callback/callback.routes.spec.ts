import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '@cti/db';
import type { CallbackJob, DeskDial } from './outbound-callback.service.js';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { registerCallbackRoutes } from './callback.routes.js';

const principals: Record<string, Principal> = {
  a1: { tokenId: '1', role: 'agent', agentId: 'a1', label: 'agent a1' },
  cb: { tokenId: '2', role: 'callback', agentId: 'c1', label: 'callback desk' },
};

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start() {
  const dials: Array<[string, DeskDial]> = [];
  const jobs = {
    list: () => [],
    dialFor: async (agentId: string, d: DeskDial) => {
      dials.push([agentId, d]);
      return { acdCallId: 'job-1', kind: d.kind, callerNumber: d.kind === 'ticket_callback' ? d.callerNumber : '13800001234', phase: 'agent_ringing' } as unknown as CallbackJob;
    },
  };
  const tickets = { findById: async (id: string) => ({ '5': { id: '5', state: 'awaiting_callback', caller_number: '13900005678' }, '6': { id: '6', state: 'in_progress', caller_number: '13900005678' } })[id] };
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens: { findPrincipal: async (t) => principals[t] },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [(routes) => registerCallbackRoutes(routes, { listOpen: async () => [] }, jobs, tickets)],
  });
  const post = async (who: string, url: string, payload: object) => {
    const res = await (app as FastifyInstance).inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${who}` } });
    return { status: res.statusCode, body: res.json() as any };
  };
  return { post, dials };
}

describe('click-to-dial from the desk', () => {
  it('dials a missed-call task for the agent themself, masks the number it answers with, and refuses another agent’s seat', async () => {
    const { post, dials } = await start();
    const r = await post('a1', '/api/v1/agents/a1/dial', { missedCallTaskId: '7' });
    expect(r).toEqual({ status: 200, body: { callId: 'job-1', kind: 'missed_call', caller: '*******1234', phase: 'agent_ringing' } });
    expect((await post('a1', '/api/v1/agents/a2/dial', { missedCallTaskId: '7' })).status).toBe(403);
    expect((await post('a1', '/api/v1/agents/a1/dial', {})).status).toBe(400);
    expect((await post('a1', '/api/v1/agents/a1/dial', { missedCallTaskId: '7', ticketId: '5' })).status).toBe(400);
    expect(dials).toEqual([['a1', { kind: 'missed_call', taskId: '7' }]]);
  });

  it('dials a ticket’s result callback (回访) for the callback desk only, and only while the ticket awaits it', async () => {
    const { post, dials } = await start();
    expect((await post('cb', '/api/v1/agents/c1/dial', { ticketId: '5' })).status).toBe(200);
    expect(dials).toEqual([['c1', { kind: 'ticket_callback', ticketId: '5', callerNumber: '13900005678' }]]);
    const early = await post('cb', '/api/v1/agents/c1/dial', { ticketId: '6' });
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/in_progress/);
    expect((await post('cb', '/api/v1/agents/c1/dial', { ticketId: '99' })).status).toBe(404);
    expect((await post('a1', '/api/v1/agents/a1/dial', { ticketId: '5' })).status).toBe(403);
  });
});
