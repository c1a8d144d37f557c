import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { AcdEngine, ManualClock, defaultAcdConfig } from '@cti/domain';
import type { AgentRow, Principal } from '@cti/db';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { registerSupervisorRoutes } from './supervisor.routes.js';
import { AgentService } from './agent.service.js';
import { ConsolePhoneService } from './console-phone.service.js';

const LEASE = 120_000;
const rows: AgentRow[] = ['a1', 'a2'].map((id) => ({ id, name: id, skills: { mandarin: 5 }, backup: false, created_at: new Date(0) }));
const seats = ['seat-01', 'seat-02', 'seat-03'];
const lead = { id: 'staff:7', label: 'sup01' };
const other = { id: 'staff:8', label: 'sup02' };

function fixture() {
  const clock = new ManualClock(1_000_000);
  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: 0 }, clock);
  const asked: string[] = [];
  const phones = new ConsolePhoneService(
    acd,
    seats,
    {
      forEndpoint: async (endpoint) => {
        asked.push(endpoint);
        if (endpoint === 'seat-02-web' && broken.has(endpoint)) throw new Error('secrets unreadable');
        return { endpoint, seat: endpoint.replace(/-web$/, ''), wsUrl: 'wss://pbx.example.test:8189/ws', sipUri: `sip:${endpoint}@pbx.example.test`, password: `pw-${endpoint}` };
      },
    },
    () => clock.now(),
    LEASE,
  );
  const endpoints = new Set([...seats, ...seats.map((s) => `${s}-web`)]);
  const agents = new AgentService(acd, { findById: async (id) => rows.find((r) => r.id === id), list: async () => rows }, endpoints, () => undefined, phones);
  return { clock, acd, phones, agents, asked };
}
const broken = new Set<string>();

describe("a supervisor console's browser phone", () => {
  it('holds the highest-numbered free seat and hands out its browser phone, renewing the same seat when taken again', async () => {
    const { phones, agents, clock } = fixture();
    await agents.login('a1', 'seat-03', 'desk');
    const first = await phones.take(lead);
    expect(first).toEqual({ endpoint: 'seat-02-web', seat: 'seat-02', wsUrl: 'wss://pbx.example.test:8189/ws', sipUri: 'sip:seat-02-web@pbx.example.test', password: 'pw-seat-02-web', expiresAt: clock.now() + LEASE, taken: true });
    clock.advance(60_000);
    const renewed = await phones.take(lead);
    expect([renewed.seat, renewed.taken, renewed.expiresAt]).toEqual(['seat-02', false, clock.now() + LEASE]);
    expect(phones.list()).toEqual([{ seat: 'seat-02', holder: 'sup01', expiresAt: clock.now() + LEASE }]);
  });

  it('keeps agents off a held seat (409 naming the console) and consoles off an agent’s or another console’s seat', async () => {
    const { phones, agents } = fixture();
    await phones.take(lead, 'seat-01');
    await expect(agents.login('a1', 'seat-01', 'browser')).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT', message: "seat seat-01 is held by sup01's console phone" });
    await expect(agents.login('a1', 'seat-01', 'desk')).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    await expect(phones.take(other, 'seat-01')).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT', message: "seat seat-01 is held by sup01's console" });
    await agents.login('a2', 'seat-02', 'browser');
    await expect(phones.take(other, 'seat-02')).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT', message: 'seat seat-02 is taken by agent a2' });
    await expect(phones.take(other, 'seat-99')).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    expect((await phones.take(other)).seat).toBe('seat-03');
    await expect(agents.login('a1', 'seat-03')).rejects.toThrow("seat seat-03 is held by sup02's console phone");
    await expect(phones.take({ id: 'staff:9', label: 'sup03' })).rejects.toThrow('no free seat for a console phone');
  });

  it('frees the seat when released or when the console stops renewing it', async () => {
    const { phones, agents, clock } = fixture();
    await phones.take(lead, 'seat-01');
    expect(phones.release(lead.id)).toBe('seat-01');
    expect(phones.release(lead.id)).toBeUndefined();
    expect((await agents.login('a1', 'seat-01')).seat).toBe('seat-01');
    await phones.take(other, 'seat-02');
    clock.advance(LEASE - 1);
    expect(phones.findHolder('seat-02')).toBe('sup02');
    clock.advance(1);
    expect(phones.findHolder('seat-02')).toBeUndefined();
    expect((await agents.login('a2', 'seat-02', 'browser')).seat).toBe('seat-02-web');
  });

  it('moves a console to the seat it names, freeing its previous one', async () => {
    const { phones } = fixture();
    await phones.take(lead, 'seat-01');
    const moved = await phones.take(lead, 'seat-02');
    expect([moved.seat, moved.taken]).toEqual(['seat-02', true]);
    expect(phones.list().map((h) => h.seat)).toEqual(['seat-02']);
  });

  it('holds nothing when the credentials cannot be read', async () => {
    const { phones } = fixture();
    broken.add('seat-02-web');
    try {
      await expect(phones.take(lead, 'seat-02')).rejects.toThrow('secrets unreadable');
      expect(phones.list()).toEqual([]);
    } finally {
      broken.clear();
    }
  });
});

describe('POST / DELETE /api/v1/supervisor/phone', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
  });
  const principals: Record<string, Principal> = {
    'tok-sup': { tokenId: '3', role: 'supervisor', agentId: null, label: 'shift lead' },
    'tok-a1': { tokenId: '1', role: 'agent', agentId: 'a1', label: 'agent a1' },
  };

  async function start(withPhones = true) {
    const f = fixture();
    const audit: Array<{ action: string; target?: string; data?: Record<string, unknown> }> = [];
    app = await buildApp({
      logger: createLogger('test', 'silent'),
      tokens: { findPrincipal: async (t) => principals[t] },
      health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
      features: [(routes) => registerSupervisorRoutes(routes, f.agents, { record: async (e) => void audit.push(e) }, withPhones ? f.phones : undefined)],
    });
    const call = (token: string, method: 'POST' | 'DELETE', body?: unknown) =>
      (app as FastifyInstance).inject({ method, url: '/api/v1/supervisor/phone', headers: { authorization: `Bearer ${token}` }, ...(body !== undefined && { payload: body as object }) });
    return { ...f, audit, call };
  }

  it('hands a supervisor the phone of a free seat (audited once, not on renewals), and gives it back', async () => {
    const { call, audit } = await start();
    const taken = await call('tok-sup', 'POST', {});
    expect(taken.statusCode, taken.body).toBe(200);
    expect(taken.json()).toMatchObject({ endpoint: 'seat-03-web', seat: 'seat-03', password: 'pw-seat-03-web', taken: true, expiresAt: expect.stringMatching(/Z$/) });
    expect((await call('tok-sup', 'POST', { seat: 'seat-03' })).json().taken).toBe(false);
    const held = await (app as FastifyInstance).inject({ method: 'GET', url: '/api/v1/supervisor/phones', headers: { authorization: 'Bearer tok-sup' } });
    expect(held.json()).toEqual({ items: [{ seat: 'seat-03', holder: 'shift lead', expiresAt: expect.stringMatching(/Z$/) }] });
    expect((await call('tok-sup', 'DELETE')).json()).toEqual({ released: 'seat-03' });
    expect((await call('tok-sup', 'DELETE')).json()).toEqual({ released: null });
    expect(audit.map((a) => `${a.action}:${a.target}`)).toEqual(['supervisor.phone_take:seat-03', 'supervisor.phone_release:seat-03']);
  });

  it('refuses agents (403), a malformed seat (400), a seat in use (409), and says when no browser phones are configured (409)', async () => {
    const { call, agents } = await start();
    expect((await call('tok-a1', 'POST', {})).statusCode).toBe(403);
    expect((await call('tok-sup', 'POST', { seat: 'seat-1; drop' })).statusCode).toBe(400);
    await agents.login('a1', 'seat-01');
    const busy = await call('tok-sup', 'POST', { seat: 'seat-01' });
    expect([busy.statusCode, busy.json().message]).toEqual([409, 'seat seat-01 is taken by agent a1']);
    await app?.close();
    const bare = await start(false);
    const none = await bare.call('tok-sup', 'POST', {});
    expect([none.statusCode, none.json().error]).toEqual([409, 'CTI_ERR_INVALID_STATE']);
  });
});
