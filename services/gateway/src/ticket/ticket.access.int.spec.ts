// The access model for citizens' data through the real ticket routes (RouteRegistry, TokenRepository, TicketRepository,
// AuditRepository) on PostgreSQL: who reads which tickets, masked numbers, the audit trail, and the read cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@cti/contracts';
import { AgentRepository, CallRepository, DepartmentRepository, TicketRepository, TokenRepository, type Database } from '@cti/db';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { ticketFeatures } from './ticket.feature.js';
import { createRepositories } from '../repositories.js';
import { useTestSchema } from '../../../../packages/db/src/test-schema.fixtures.test.js';

const testSchema = useTestSchema('it_tkt_access', 5);
const BUDGET = 40;
let db: Kysely<Database>;
let app: FastifyInstance;
const live = new Map<string, string>(); // agentId → caller on the call connected to them now
const liveIds = new Map<string, string>(); // agentId → id of that call
const tok: Record<string, string> = {};

async function get(who: string, url: string) {
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tok[who]}` } });
  return { status: res.statusCode, body: res.json() as any };
}
async function post(who: string, url: string, payload: unknown) {
  const res = await app.inject({ method: 'POST', url, payload: payload as object, headers: { authorization: `Bearer ${tok[who]}` } });
  return { status: res.statusCode, body: res.json() as any };
}
const audit = async (action: string) =>
  (await db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute()).map((r) => ({ role: r.actor_role, actor: r.actor_id, target: r.target, data: r.data as any }));
const open = async (who: string, callerNumber: string) => {
  const r = await post(who, '/api/v1/tickets', { category: 'complaint', callerNumber, summary: '供暖不热', content: '小区供暖温度不达标' });
  expect(r.status).toBe(201);
  return r.body.id as string;
};

let a1Ticket: string;
let callTicket: string;
let otherTicket: string;
let answeredCall: string;

beforeAll(async () => {
  db = testSchema.db();
  const config = loadConfig({ CTI_TICKET_READ_BUDGET_PER_HOUR: String(BUDGET) });
  for (const id of ['a1', 'a2', 'a3']) await new AgentRepository(db).upsert({ id, name: id, skills: { mandarin: 5 } });
  await new DepartmentRepository(db).create({ id: 'heat', name: '供热办', phone: null });
  const tokens = new TokenRepository(db);
  for (const [name, role, agent] of [['a1', 'agent', 'a1'], ['a2', 'agent', 'a2'], ['a3', 'agent', 'a3'], ['sup', 'supervisor', null], ['qa', 'qa', null], ['cb', 'callback', null], ['admin', 'admin', null], ['sup2', 'supervisor', null]] as const) {
    tok[name] = await tokens.create(role, `it ${name}`, agent);
  }
  tok.heat = await tokens.create('department', 'it heat', null, 'heat');
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens,
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: ticketFeatures(createRepositories(db, config), config, Date.now, (agentId) => live.get(agentId), (agentId) => liveIds.get(agentId)),
  });
  a1Ticket = await open('a1', '13811112222');
  otherTicket = await open('sup', '13955556666');
  // A call a2 answered: the worker stores it with its intake ticket.
  const linkedId = `it-call-${Date.now()}`;
  answeredCall = linkedId;
  const t0 = Date.now() - 120_000;
  await new CallRepository(db).storeCallRecord({ linkedId, trunk: 'primary', callerNumber: '13700007777', did: '12345', language: 'mandarin', arrivedAt: t0, answeredAt: t0 + 5_000, endedAt: t0 + 60_000, outcome: 'answered', offers: 1, agentId: 'a2', seat: 'seat-02' } as never);
  callTicket = (await new TicketRepository(db).findBySourceCall(linkedId))?.id as string;
  expect(callTicket).toBeDefined();
});

afterAll(async () => {
  await app?.close();
});

describe('who reads which ticket', () => {
  it('lets an agent read the tickets they opened, and refuses them the rest (403), in detail, history and search', async () => {
    expect((await get('a1', `/api/v1/tickets/${a1Ticket}`)).status).toBe(200);
    expect((await get('a1', `/api/v1/tickets/${a1Ticket}/history`)).status).toBe(200);
    expect((await get('a1', `/api/v1/tickets/${otherTicket}`)).status).toBe(403);
    expect((await get('a1', `/api/v1/tickets/${otherTicket}/history`)).status).toBe(403);
    expect((await get('a1', `/api/v1/tickets/${callTicket}`)).status).toBe(403);
    const listed = (await get('a1', '/api/v1/tickets?limit=100')).body;
    expect(listed.items.map((t: { id: string }) => t.id)).toEqual([a1Ticket]);
    expect(listed.total).toBe(1);
    // A search by another caller's number finds nothing outside the agent's scope.
    expect((await get('a1', '/api/v1/tickets?caller=13955556666')).body.items).toEqual([]);
    expect((await get('a1', '/api/v1/tickets/link-candidates?caller=13955556666')).body.items).toEqual([]);
  });

  it('lets an agent read the ticket of a call they answered', async () => {
    expect((await get('a2', `/api/v1/tickets/${callTicket}`)).status).toBe(200);
    expect((await get('a2', '/api/v1/tickets')).body.items.map((t: { id: string }) => t.id)).toEqual([callTicket]);
    expect((await get('a2', `/api/v1/tickets/${a1Ticket}`)).status).toBe(403);
  });

  it("lets an agent read the caller's tickets only while that caller's call is connected to them", async () => {
    expect((await get('a3', `/api/v1/tickets/${otherTicket}`)).status).toBe(403);
    live.set('a3', '+86 139-5555-6666');
    expect((await get('a3', `/api/v1/tickets/${otherTicket}`)).status).toBe(200);
    expect((await get('a3', '/api/v1/tickets')).body.items.map((t: { id: string }) => t.id)).toEqual([otherTicket]);
    live.delete('a3');
    expect((await get('a3', `/api/v1/tickets/${otherTicket}`)).status).toBe(403);
  });

  it('gives supervisors, QA, the callback desk and administrators full search', async () => {
    for (const who of ['sup', 'qa', 'cb', 'admin']) {
      const ids = (await get(who, '/api/v1/tickets')).body.items.map((t: { id: string }) => t.id);
      expect(ids, who).toEqual(expect.arrayContaining([a1Ticket, otherTicket, callTicket]));
      expect((await get(who, `/api/v1/tickets/${a1Ticket}`)).status, who).toBe(200);
    }
  });

  it('keeps a department to the tickets it leads', async () => {
    expect((await get('heat', `/api/v1/tickets/${a1Ticket}`)).status).toBe(403);
    expect((await get('heat', '/api/v1/tickets')).body.items).toEqual([]);
  });
});

describe("callers' numbers by role", () => {
  it('shows the number in full only to supervisors and the callback desk on a detail; masks it for agents, QA, administrators and in every list', async () => {
    const number = async (who: string) => (await get(who, `/api/v1/tickets/${a1Ticket}`)).body.callerNumber;
    expect(await number('sup')).toBe('13811112222');
    expect(await number('cb')).toBe('13811112222');
    for (const who of ['a1', 'qa', 'admin']) expect(await number(who), who).toMatch(/^\*+2222$/);
    for (const who of ['sup', 'cb']) {
      const item = (await get(who, '/api/v1/tickets')).body.items.find((t: { id: string }) => t.id === a1Ticket);
      expect(item.callerNumber, who).toMatch(/^\*+2222$/);
    }
  });
});

describe('link candidates by call (the desk knows callers by masked number only)', () => {
  it('finds the open tickets of the caller of the agent’s call in progress, or of a call whose ticket they may read, leaving that ticket out', async () => {
    const earlier = await open('sup', '13700007777');
    const byCall = await get('a2', `/api/v1/tickets/link-candidates?call=${answeredCall}`);
    expect(byCall.status, JSON.stringify(byCall.body)).toBe(200);
    expect(byCall.body.items.map((t: { id: string }) => t.id)).toEqual([earlier]);
    expect(byCall.body.items[0].callerNumber).toMatch(/^\*+7777$/);
    // Once that call's intake is filed, the caller's other tickets are outside the agent's scope again.
    await db.updateTable('tickets').set({ state: 'awaiting_dispatch' }).where('id', '=', callTicket).execute();
    expect((await get('a2', `/api/v1/tickets/link-candidates?call=${answeredCall}`)).body.items).toEqual([]);
    await db.updateTable('tickets').set({ state: 'intake' }).where('id', '=', callTicket).execute();
    // A call in progress has no ticket yet: the agent's own live call names the caller.
    live.set('a3', '13811112222');
    liveIds.set('a3', 'it-live-1');
    expect((await get('a3', '/api/v1/tickets/link-candidates?call=it-live-1')).body.items.map((t: { id: string }) => t.id)).toEqual([a1Ticket]);
    live.delete('a3');
    liveIds.delete('a3');
    // Someone else's call (its ticket is outside the reader's scope), an unknown call, and a question asked both ways or neither.
    expect((await get('a1', `/api/v1/tickets/link-candidates?call=${answeredCall}`)).status).toBe(403);
    expect((await get('a3', '/api/v1/tickets/link-candidates?call=it-live-1')).status).toBe(404);
    expect((await get('a2', `/api/v1/tickets/link-candidates?call=${answeredCall}&caller=13700007777`)).status).toBe(400);
    expect((await get('a2', '/api/v1/tickets/link-candidates')).status).toBe(400);
  });
});

describe('audit of reads', () => {
  it('records every detail and history read with who, which ticket and the route, and every search with the ids it returned and its filters', async () => {
    await db.deleteFrom('audit_log').execute();
    await get('qa', `/api/v1/tickets/${a1Ticket}`);
    await get('qa', `/api/v1/tickets/${a1Ticket}/history`);
    await get('cb', `/api/v1/tickets?caller=13811112222`);
    await get('a1', `/api/v1/tickets/${otherTicket}`); // refused: nothing was read, the attempt is recorded
    const reads = await audit('ticket.read');
    expect(reads).toEqual([
      { role: 'qa', actor: expect.stringMatching(/^token:\d+$/), target: a1Ticket, data: expect.objectContaining({ route: 'GET /api/v1/tickets/:id', ticketIds: [a1Ticket], label: 'it qa' }) },
      { role: 'qa', actor: expect.stringMatching(/^token:\d+$/), target: a1Ticket, data: expect.objectContaining({ route: 'GET /api/v1/tickets/:id/history', ticketIds: [a1Ticket] }) },
    ]);
    const searches = await audit('ticket.search');
    expect(searches).toEqual([{ role: 'callback', actor: expect.stringMatching(/^token:/), target: a1Ticket, data: expect.objectContaining({ route: 'GET /api/v1/tickets', ticketIds: [a1Ticket], query: expect.objectContaining({ caller: '13811112222' }) }) }]);
    // The refused read is recorded as such: someone guessing ids shows in the audit.
    expect(await audit('ticket.denied')).toEqual([{ role: 'agent', actor: 'a1', target: otherTicket, data: expect.objectContaining({ route: 'GET /api/v1/tickets/:id' }) }]);
    const at = await db.selectFrom('audit_log').select('at').executeTakeFirstOrThrow();
    expect(at.at).toBeInstanceOf(Date);
  });
});

describe('bulk reads', () => {
  it(`caps one token at ${BUDGET} ticket rows an hour: pages are cut to what is left, then 429`, async () => {
    const n = Number((await db.selectFrom('tickets').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    for (let i = n; i < 25; i++) await open('sup', `1360000${String(i).padStart(4, '0')}`);
    expect((await get('sup2', '/api/v1/tickets?limit=30')).body.items).toHaveLength(25);
    expect((await get('sup2', '/api/v1/tickets?limit=30')).body.items).toHaveLength(BUDGET - 25);
    const refused = await get('sup2', '/api/v1/tickets?limit=1');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('CTI_ERR_RATE_LIMITED');
    expect((await get('sup2', `/api/v1/tickets/${a1Ticket}`)).status).toBe(429);
    // Another token is not affected.
    expect((await get('qa', `/api/v1/tickets/${a1Ticket}`)).status).toBe(200);
  });

  it('refuses an expired token with 401', async () => {
    await db.updateTable('api_tokens').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('label', '=', 'it admin').execute();
    expect((await get('admin', '/api/v1/tickets')).status).toBe(401);
  });
});
