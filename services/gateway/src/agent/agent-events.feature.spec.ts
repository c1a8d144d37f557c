import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { CtiError } from '@cti/domain';
import type { Principal } from '@cti/db';
import { buildApp } from '../app.js';
import { EventBus } from '../events/event-bus.js';
import { TokenWatch } from '../http/token.watch.js';
import { createLogger } from '../logger.js';
import { AGENT_FEED_MAX_PAYLOAD, agentEventsFeature } from './agent-events.feature.js';

type OfferLookups = Parameters<typeof agentEventsFeature>[2];

const log = createLogger('test', 'silent');
const principals: Record<string, Principal> = {
  'tok-a1': { tokenId: '1', role: 'agent', agentId: 'a1', label: 'agent a1' },
  'tok-sup': { tokenId: '2', role: 'supervisor', agentId: null, label: 'shift lead' },
  'tok-qa': { tokenId: '3', role: 'qa', agentId: 'a1', label: 'qa with a seat id' },
  'tok-a2': { tokenId: '4', role: 'agent', agentId: 'a2', label: 'agent a2' },
  'tok-cb': { tokenId: '5', role: 'callback', agentId: 'a3', label: 'callback desk at a seat' },
};

/** A minimal view of the `ws` client (the library @fastify/websocket is built on; it ships no types here). */
interface Client {
  readyState: number;
  on(event: 'message', l: (data: Buffer) => void): void;
  on(event: 'close', l: (code: number) => void): void;
  once(event: 'pong' | 'open', l: () => void): void;
  on(event: 'open', l: () => void): void;
  once(event: 'close', l: (code: number) => void): void;
  send(data: string): void;
  ping(): void;
  close(): void;
}

const WebSocketClient = createRequire(import.meta.url)('ws') as new (url: string) => Client;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Waits until `cond` holds (the server sees a close after the client does); fails after `limit` turns of the loop. */
async function until(cond: () => boolean, limit = 10_000): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= limit) throw new Error('condition never held');
    await new Promise((r) => setImmediate(r));
  }
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function start(opts: { lookup?: (token: string) => Promise<Principal | undefined>; revoked?: Set<string>; offers?: OfferLookups } = {}) {
  const bus = new EventBus();
  const revoked = opts.revoked ?? new Set<string>();
  const watch = new TokenWatch({ findInvalid: async (ids) => ids.filter((id) => revoked.has(id)) }, 60_000, log);
  const lookup = opts.lookup ?? (async (t: string) => principals[t]);
  app = await buildApp({
    logger: log,
    tokens: { findPrincipal: lookup },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [agentEventsFeature(bus, { findPrincipal: lookup }, opts.offers ?? { callerNumberOf: () => undefined, recentTickets: async () => [], auditShown: async () => undefined }, log, watch)],
  });
  const base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  const connect = (path: string) => new WebSocketClient(`${base}${path}`);
  /** Opens the feed; resolves with the client and the first message (or the close code when refused). */
  const open = async (path: string) => {
    const ws = connect(path);
    const first = await new Promise<{ hello?: Record<string, unknown>; closed?: number }>((resolve) => {
      ws.on('message', (d) => resolve({ hello: JSON.parse(d.toString()) as Record<string, unknown> }));
      ws.on('close', (code) => resolve({ closed: code }));
    });
    return { ws, ...first };
  };
  const closed = (ws: Client) => new Promise<number>((resolve) => (ws.readyState === 3 ? resolve(-1) : ws.once('close', resolve)));
  return { bus, watch, revoked, open, closed, connect };
}

describe('agent event feed (WebSocket)', () => {
  it('subscribes nobody when the client leaves while its token is still being looked up', async () => {
    const pending = deferred<Principal | undefined>();
    let asked!: () => void;
    const lookedUp = new Promise<void>((r) => (asked = r));
    const { bus, connect, closed } = await start({
      lookup: (t) => {
        asked();
        return t === 'tok-a1' ? pending.promise : Promise.resolve(undefined);
      },
    });
    const ws = connect('/api/v1/agents/a1/events?token=tok-a1');
    await Promise.all([lookedUp, new Promise<void>((r) => ws.once('open', r))]);
    const gone = closed(ws);
    ws.close();
    await gone; // the close handshake is over: the server's socket is no longer open
    pending.resolve(principals['tok-a1']);
    await pending.promise;
    await new Promise((r) => setImmediate(r)); // the handler's continuation after the lookup has run
    expect(bus.subscriberCount()).toBe(0);
  });

  it('subscribes once authenticated and unsubscribes when the client closes', async () => {
    const { bus, open, closed } = await start();
    const { ws, hello } = await open('/api/v1/agents/a1/events?token=tok-a1');
    expect(hello).toMatchObject({ type: 'hello', agentId: 'a1' });
    expect(bus.subscriberCount()).toBe(1);
    const gone = closed(ws);
    ws.close();
    await gone;
    await until(() => bus.subscriberCount() === 0);
    expect(bus.subscriberCount()).toBe(0);
  });

  it(`closes a client frame above ${AGENT_FEED_MAX_PAYLOAD} bytes with 1009 instead of buffering it`, async () => {
    const { open } = await start();
    const { ws } = await open('/api/v1/agents/a1/events?token=tok-a1');
    const outcome = new Promise<string>((resolve) => {
      ws.once('close', (code) => resolve(`closed ${code}`));
      ws.once('pong', () => resolve('still open'));
    });
    ws.send('x'.repeat(AGENT_FEED_MAX_PAYLOAD * 4));
    ws.ping(); // answered only if the big frame was accepted
    expect(await outcome).toBe('closed 1009');
  });

  it('refuses no token (4401), another seat (4403) and a role that listens to no seat even with a matching agent id (4403)', async () => {
    const { open, bus } = await start();
    expect((await open('/api/v1/agents/a1/events')).closed).toBe(4401);
    expect((await open('/api/v1/agents/a2/events?token=tok-a1')).closed).toBe(4403);
    expect((await open('/api/v1/agents/a1/events?token=tok-qa')).closed).toBe(4403);
    expect((await open('/api/v1/agents/a2/events?token=tok-sup')).hello).toMatchObject({ type: 'hello' });
    expect(bus.subscriberCount()).toBe(1);
  });

  it('lets the callback desk’s staff listen to their own seat only', async () => {
    const { open } = await start();
    expect((await open('/api/v1/agents/a3/events?token=tok-cb')).hello).toMatchObject({ type: 'hello', agentId: 'a3' });
    expect((await open('/api/v1/agents/a1/events?token=tok-cb')).closed).toBe(4403);
  });

  it('sends each agent the transfers they take part in (from or to), their linkages and their release, and nothing of other agents', async () => {
    const { open, bus } = await start();
    const received = (ws: Client) => {
      const types: string[] = [];
      ws.on('message', (d) => types.push(JSON.parse(d.toString()).type));
      return types;
    };
    const a1 = await open('/api/v1/agents/a1/events?token=tok-a1');
    const a2 = await open('/api/v1/agents/a2/events?token=tok-a2');
    const got1 = received(a1.ws);
    const got2 = received(a2.ws);
    bus.publish({ type: 'transfer.ringing', at: 1, callId: 'c1', transferId: 'x1', kind: 'attended', fromAgentId: 'a1', toAgentId: 'a2', caller: '*******1234' });
    bus.publish({ type: 'transfer.consulting', at: 2, callId: 'c1', transferId: 'x1', fromAgentId: 'a1', toAgentId: 'a2' });
    bus.publish({ type: 'linkage.dialling', at: 3, callId: 'c9', linkageId: 'l9', agentId: 'a1', partner: '110', mode: 'three_way', trunk: 'primary' });
    bus.publish({ type: 'linkage.failed', at: 4, callId: 'c9', linkageId: 'l9', agentId: 'a1', partner: '110', result: 'no_answer', trunk: 'primary', nextNumberIndex: null });
    bus.publish({ type: 'call.agent_released', at: 5, callId: 'c1', agentId: 'a1' });
    bus.publish({ type: 'transfer.ringing', at: 6, callId: 'c7', transferId: 'x7', kind: 'blind', fromAgentId: 'a5', toAgentId: 'a6', caller: '*******5678' });
    bus.publish({ type: 'linkage.answered', at: 7, callId: 'c8', linkageId: 'l8', agentId: 'a5', partner: '119', trunk: 'primary' });
    bus.publish({ type: 'call.queued', at: 8, callId: 'c10', line: '12345', language: 'mandarin' });
    bus.publish({ type: 'agent.state', at: 9, agentId: 'a2', seat: 'seat-02', from: 'ready', to: 'paused' });
    await until(() => got1.length === 5 && got2.length === 3);
    expect(got1).toEqual(['transfer.ringing', 'transfer.consulting', 'linkage.dialling', 'linkage.failed', 'call.agent_released']);
    expect(got2).toEqual(['transfer.ringing', 'transfer.consulting', 'agent.state']);
    a1.ws.close();
    a2.ws.close();
  });

  it('keeps the events after an offer behind it while the caller’s recent tickets are read, so “connected” never overtakes its offer', async () => {
    const tickets = deferred<never[]>();
    const { open, bus } = await start({ offers: { callerNumberOf: () => '13800001234', recentTickets: () => tickets.promise, auditShown: async () => undefined } });
    const a1 = await open('/api/v1/agents/a1/events?token=tok-a1');
    const got: Array<{ type: string; caller?: string }> = [];
    a1.ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    bus.publish({ type: 'call.offered', at: 1, callId: 'c1', agentId: 'a1', seat: 'seat-01', caller: '*******1234', language: 'mandarin', line: '12345' });
    bus.publish({ type: 'call.connected', at: 2, callId: 'c1', agentId: 'a1', seat: 'seat-01' });
    // The connected event is held while the offer waits for the database.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(got).toEqual([]);
    tickets.resolve([]);
    await until(() => got.length === 2);
    expect(got.map((m) => m.type)).toEqual(['call.offered', 'call.connected']);
    expect(got[0]?.caller).toBe('*******1234');
    a1.ws.close();
  });

  it('closes an open feed with 4401 once its token is revoked, and keeps the feeds of other tokens', async () => {
    const { open, watch, revoked, bus, closed } = await start();
    const agent = await open('/api/v1/agents/a1/events?token=tok-a1');
    const lead = await open('/api/v1/agents/a1/events?token=tok-sup');
    expect(watch.watchedCount()).toBe(2);
    const agentClosed = closed(agent.ws);
    revoked.add('1');
    await watch.checkNow();
    expect(await agentClosed).toBe(4401);
    expect(lead.ws.readyState).toBe(1);
    await until(() => bus.subscriberCount() === 1);
    expect(watch.watchedCount()).toBe(1);
    expect(bus.subscriberCount()).toBe(1);
  });
});

describe('agent event feed on a staff session cookie', () => {
  const cookieOf = (t: string) => `cti_session=cts_${t.padEnd(43, 'x')}`;
  /** Sessions by the token inside the cookie; a token named `expired` is refused like an expired session. */
  async function startWithSessions() {
    const bus = new EventBus();
    const watch = new TokenWatch({ findInvalid: async () => [] }, 60_000, log);
    const sessions = {
      authenticate: async (token: string) => {
        if (token.startsWith('cts_expired')) throw new CtiError('CTI_ERR_AUTH_SESSION_EXPIRED', 'expired', { reason: 'idle' });
        if (token.startsWith('cts_agent')) return { principal: { tokenId: 'session:1', role: 'agent' as const, agentId: 'a1', label: 'a01', staff: { id: '1', username: 'a01', displayName: 'x', sessionId: '1' } } };
        throw new CtiError('CTI_ERR_AUTH_SESSION_ENDED', 'ended', { reason: 'unknown' });
      },
    };
    app = await buildApp({
      logger: log,
      tokens: { findPrincipal: async () => undefined },
      health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
      features: [agentEventsFeature(bus, { findPrincipal: async () => undefined }, { callerNumberOf: () => undefined, recentTickets: async () => [], auditShown: async () => undefined }, log, watch, { authenticator: sessions, allowedOrigins: [] })],
    });
    const http = await app.listen({ host: '127.0.0.1', port: 0 });
    const WithHeaders = WebSocketClient as unknown as new (url: string, o: { headers: Record<string, string> }) => Client;
    const open = (cookie: string, origin = http) =>
      new Promise<{ ws: Client; first: string; messages: string[] }>((resolve) => {
        const ws = new WithHeaders(`${http.replace(/^http/, 'ws')}/api/v1/agents/a1/events`, { headers: { cookie, origin } });
        const messages: string[] = [];
        ws.on('message', (d) => {
          messages.push(JSON.parse(d.toString()).type);
          resolve({ ws, first: messages[0] as string, messages });
        });
        ws.on('close', (code) => resolve({ ws, first: `closed ${code}`, messages }));
      });
    return { bus, open, http };
  }

  it('delivers the agent’s events to the session’s own origin, and refuses a foreign origin, an expired and an unknown session', async () => {
    const { bus, open } = await startWithSessions();
    const feed = await open(cookieOf('agent'));
    expect(feed.first).toBe('hello');
    bus.publish({ type: 'agent.state', at: 1, agentId: 'a1', seat: 'seat-01', from: 'logged_out', to: 'paused' });
    await until(() => feed.messages.length === 2);
    expect(feed.messages).toEqual(['hello', 'agent.state']);
    expect((await open(cookieOf('agent'), 'http://evil.example')).first).toBe('closed 4403');
    expect((await open(cookieOf('expired'))).first).toBe('closed 4401');
    expect((await open(cookieOf('nobody'))).first).toBe('closed 4401');
    feed.ws.close();
  });
});
