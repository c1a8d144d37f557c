import { describe, expect, it } from 'vitest';
import { AcdEngine, ManualClock, defaultAcdConfig, type AcdSnapshot } from '@cti/domain';
import { silentLogger } from '../call/call.fixtures.test.js';
import type { CallSession } from '../call/call-session.js';
import { CallRegistry } from '../call/call.registry.js';
import type { CallbackJob } from '../callback/outbound-callback.service.js';
import { GatewayStateStore, type GatewayState, type GatewayStateChange, type StoredGatewayState } from './gateway-state.store.js';

const emptyAcd = (n = 1): AcdSnapshot => ({ version: 1, nextAgentSeq: n, nextCallSeq: 1, roundRobinLast: {}, agents: [], calls: [] });
const state = (n: number): GatewayState => ({ version: 1, savedAt: n, acd: emptyAcd(), calls: { sessions: [], legs: [], legSeq: n, recentAnswers: [] }, callbacks: [] });

/** A Redis hash as the fenced script changes it: replace drops everything first. */
function hashStorage(answer: () => 'written' | 'refused' | Error = () => 'written') {
  const hash = new Map<string, string>();
  const writes: GatewayStateChange[] = [];
  let whole: string | null = null;
  return {
    hash,
    writes,
    setWhole: (json: string) => void (whole = json),
    storage: {
      read: async (): Promise<StoredGatewayState | null> => (hash.size > 0 ? { fields: Object.fromEntries(hash) } : whole === null ? null : { whole }),
      write: async (change: GatewayStateChange) => {
        writes.push(change);
        const a = answer();
        if (a instanceof Error) throw a;
        if (a === 'refused') return a;
        if (change.replace) {
          hash.clear();
          whole = null;
        }
        for (const [name, json] of change.set) hash.set(name, json);
        for (const name of change.del) hash.delete(name);
        return a;
      },
    },
  };
}

const names = (c: GatewayStateChange | undefined) => c?.set.map(([name]) => name).sort();
const savedAtOf = (c: GatewayStateChange | undefined) => Number(c?.set.find(([name]) => name === 'savedAt')?.[1]);
const fast = { now: () => 0, sleep: async () => undefined };

/** A small centre: an engine with agents in every state and calls waiting, the registry and a callback, as main.ts snapshots them. */
function centre() {
  const clock = new ManualClock(1_700_000_000_000);
  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: 5 }, clock);
  const registry = new CallRegistry();
  let callbacks: CallbackJob[] = [];
  for (let i = 1; i <= 6; i++) {
    acd.login({ agentId: `a${i}`, seat: `s${i}`, skills: i % 2 ? { mandarin: 5 } : { mandarin: 3, tibetan: 7 } });
    acd.ready(`a${i}`);
    clock.advance(10);
  }
  const arrive = (callId: string, language: 'mandarin' | 'tibetan' = 'mandarin', priority = 0) => {
    const session: CallSession = { callId, trunk: 'primary', callerNumber: `139${callId}`, did: '12345', language, phase: 'queued', arrivedAt: clock.now(), queuedAt: clock.now(), offers: 0 };
    registry.add(session);
    acd.enqueue({ callId, line: '12345', language, priority });
    clock.advance(7);
  };
  const offer = () => {
    for (const a of acd.assign()) {
      const s = registry.find(a.callId) as CallSession;
      const leg = registry.nextLegId(a.callId);
      registry.addLeg(leg, a.callId);
      Object.assign(s, { phase: 'ringing', agentId: a.agentId, seat: a.seat, agentChannelId: leg, offeredAt: clock.now(), offers: s.offers + 1 });
    }
  };
  const take = (): GatewayState => ({ version: 1, savedAt: clock.now(), acd: acd.snapshot(), calls: registry.snapshot(), callbacks });
  return { clock, acd, registry, arrive, offer, take, setCallbacks: (jobs: CallbackJob[]) => void (callbacks = jobs) };
}

const job = (acdCallId: string): CallbackJob => ({ acdCallId, recordId: `r-${acdCallId}`, kind: 'virtual_hold', linkedId: acdCallId, callerNumber: '13900000000', did: '12345', language: 'mandarin', requestedAt: 1, phase: 'queued' }) as CallbackJob;

describe('GatewayStateStore', () => {
  it('coalesces a burst of saves into few writes, the last state winning', async () => {
    const writes: GatewayStateChange[] = [];
    let release: () => void = () => undefined;
    const storage = {
      read: async () => null,
      write: (c: GatewayStateChange) => new Promise<'written'>((resolve) => {
        writes.push(c);
        release = () => resolve('written');
      }),
    };
    const store = new GatewayStateStore(storage, silentLogger(), () => undefined, fast);
    for (let i = 1; i <= 50; i++) store.save(() => state(i));
    await new Promise((r) => setImmediate(r));
    release();
    await new Promise((r) => setImmediate(r));
    release();
    await store.flush();
    expect(writes.length).toBe(2);
    expect(savedAtOf(writes.at(-1))).toBe(50);
  });

  it('spaces saves while changes keep coming: 20 ms, or 4× the serialising time of a large state, at most 100 ms', async () => {
    const writes: number[] = [];
    const waits: number[] = [];
    let clock = 0;
    let serialiseMs = 10;
    const pace = { now: () => clock, sleep: async (ms: number) => void waits.push(ms) };
    const storage = { read: async () => null, write: async (c: GatewayStateChange) => (writes.push(savedAtOf(c)), 'written' as const) };
    const store = new GatewayStateStore(storage, silentLogger(), () => undefined, pace);
    const slow = (n: number) => () => {
      clock += serialiseMs;
      if (n === 1) store.save(slow(2)); // a change arrives while the first state is being written
      return state(n);
    };
    store.save(slow(1));
    await store.flush();
    expect(writes).toEqual([1, 2]);
    expect(waits).toEqual([40]);

    serialiseMs = 60; // a very large state: the gap is capped
    store.save(slow(1));
    await store.flush();
    expect(waits).toEqual([40, 100]);

    serialiseMs = 0.1; // a small state: 20 ms apart
    store.save(slow(1));
    await store.flush();
    expect(waits).toEqual([40, 100, 20]);
    expect(writes).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it('writes everything first, then only the entries that changed', async () => {
    const c = centre();
    for (let i = 1; i <= 4; i++) c.arrive(`c${i}`);
    const h = hashStorage();
    const store = new GatewayStateStore(h.storage, silentLogger(), () => undefined, fast);
    store.save(c.take);
    await store.flush();
    expect(h.writes[0]?.replace).toBe(true);
    expect(names(h.writes[0])).toEqual(expect.arrayContaining(['meta', 'savedAt', 'acd', 'reg', 'agent:a1', 'agent:a6', 'acdcall:c1', 'session:c4']));

    c.clock.advance(100);
    c.acd.pause('a3', 'break');
    store.save(c.take);
    await store.flush();
    expect(h.writes[1]).toMatchObject({ replace: false, del: [] });
    expect(names(h.writes[1])).toEqual(['agent:a3', 'savedAt']);

    c.clock.advance(100); // nothing changed but the time
    store.save(c.take);
    await store.flush();
    expect(names(h.writes[2])).toEqual(['savedAt']);
  });

  it('deletes the entries of facts that are gone (an ended call, its leg, a finished callback)', async () => {
    const c = centre();
    c.arrive('c1');
    c.arrive('c2');
    c.offer();
    c.setCallbacks([job('cb1'), job('cb2')]);
    const h = hashStorage();
    const store = new GatewayStateStore(h.storage, silentLogger(), () => undefined, fast);
    store.save(c.take);
    await store.flush();
    const leg = c.registry.find('c1')?.agentChannelId as string;
    expect(h.hash.has(`leg:${leg}`)).toBe(true);

    const agentId = c.registry.find('c1')?.agentId as string;
    c.acd.connected(agentId, 'c1');
    c.acd.callEnded(agentId, 'c1');
    c.registry.remove('c1');
    c.registry.removeLeg(leg);
    c.setCallbacks([job('cb2')]);
    c.clock.advance(100);
    store.save(c.take);
    await store.flush();
    expect(h.writes[1]?.del.sort()).toEqual(['acdcall:c1', 'callback:cb1', `leg:${leg}`, 'session:c1']);
    expect(names(h.writes[1])).toEqual([`agent:${agentId}`, 'savedAt']);
    expect([...h.hash.keys()].filter((k) => k.includes('c1') || k.includes('cb1'))).toEqual([]);
  });

  it('writes everything again after a failed write, so nothing the failed one carried is lost', async () => {
    const c = centre();
    c.arrive('c1');
    c.arrive('c2');
    let redisAway = false;
    const h = hashStorage(() => (redisAway ? new Error('down') : 'written'));
    const store = new GatewayStateStore(h.storage, silentLogger(), () => undefined, fast);
    store.save(c.take);
    await store.flush();

    redisAway = true;
    c.acd.removeCall('c1'); // the caller hung up while Redis was away
    c.registry.remove('c1');
    c.acd.pause('a2', 'break');
    store.save(c.take);
    await store.flush(); // does not throw
    expect(h.writes[1]?.replace).toBe(false);

    redisAway = false;
    c.clock.advance(5);
    store.save(c.take);
    await store.flush();
    expect(h.writes[2]?.replace).toBe(true);
    expect(names(h.writes[2])).toEqual(names({ replace: true, set: Object.entries(Object.fromEntries(h.hash)), del: [] }));
    expect(h.hash.has('session:c1')).toBe(false); // the replace dropped what the lost write would have deleted
    expect(await new GatewayStateStore(h.storage, silentLogger(), () => undefined).load()).toEqual(c.take());

    c.acd.ready('a2');
    store.save(c.take);
    await store.flush();
    expect(h.writes[3]?.replace).toBe(false); // and then incremental again
  });

  it('writes everything again once told Redis may have lost acknowledged writes (a failover), then incrementally', async () => {
    const c = centre();
    c.arrive('c1');
    c.arrive('c2');
    const h = hashStorage();
    const store = new GatewayStateStore(h.storage, silentLogger(), () => undefined, fast);
    store.save(c.take);
    await store.flush();
    // The new master never got the entry of c2's arrival: what the store remembers writing is not what Redis holds.
    h.hash.delete('acdcall:c2');
    store.forget();
    c.acd.pause('a2', 'break');
    c.clock.advance(5);
    store.save(c.take);
    await store.flush();
    expect(h.writes[1]?.replace).toBe(true);
    expect(h.hash.has('acdcall:c2')).toBe(true);
    expect(await new GatewayStateStore(h.storage, silentLogger(), () => undefined).load()).toEqual(c.take());
    c.acd.ready('a2');
    store.save(c.take);
    await store.flush();
    expect(h.writes[2]?.replace).toBe(false);
  });

  it('stops writing once a write was refused (another gateway took over) and says so once', async () => {
    let refusals = 0;
    const h = hashStorage(() => 'refused');
    const store = new GatewayStateStore(h.storage, silentLogger(), () => void refusals++, fast);
    store.save(() => state(1));
    await store.flush();
    store.save(() => state(2));
    await store.flush();
    expect(h.writes.map(savedAtOf)).toEqual([1]);
    expect(refusals).toBe(1);
    expect(h.hash.size).toBe(0);
  });

  it('loads what it saved — every list in its order — and the engine restored from it routes the same', async () => {
    const c = centre();
    c.arrive('c1');
    c.arrive('c2', 'tibetan');
    c.arrive('c3', 'mandarin', 3); // ahead of earlier callers
    c.offer(); // six agents, three calls: all reserved
    for (let i = 4; i <= 9; i++) c.arrive(`c${i}`, i % 3 ? 'mandarin' : 'tibetan', i === 7 ? 2 : 0);
    c.acd.connected(c.registry.find('c1')?.agentId as string, 'c1');
    c.registry.noteAnswer(c.clock.now());
    c.setCallbacks([job('cb2'), job('cb1')]);
    const h = hashStorage();
    const store = new GatewayStateStore(h.storage, silentLogger(), () => undefined, fast);
    store.save(c.take);
    await store.flush();

    const loaded = await new GatewayStateStore(h.storage, silentLogger(), () => undefined).load();
    expect(loaded).toEqual(c.take());
    const restored = AcdEngine.restore({ ...defaultAcdConfig, wrapUpSeconds: 5 }, c.clock, (loaded as GatewayState).acd);
    expect(restored.queue()).toEqual(c.acd.queue());
    expect(restored.snapshot()).toEqual(c.acd.snapshot());
    for (const engine of [c.acd, restored]) engine.callEnded(c.registry.find('c1')?.agentId as string, 'c1');
    c.clock.advance(6_000); // the wrap-up is over: both engines offer the same call to the same agent
    expect(restored.assign()).toEqual(c.acd.assign());
    const registry = new CallRegistry();
    registry.restore((loaded as GatewayState).calls);
    expect(registry.callIds()).toEqual(c.registry.callIds());
  });

  it('keeps the order of a list whose fact moved to its end (removed and added again between two saves)', async () => {
    const c = centre();
    c.setCallbacks([job('cb1'), job('cb2'), job('cb3')]);
    const h = hashStorage();
    const store = new GatewayStateStore(h.storage, silentLogger(), () => undefined, fast);
    store.save(c.take);
    await store.flush();
    c.setCallbacks([job('cb2'), job('cb3'), job('cb1')]);
    c.clock.advance(100);
    store.save(c.take);
    await store.flush();
    expect(names(h.writes[1])).toEqual(['callback:cb1', 'savedAt']);
    expect((await store.load())?.callbacks.map((j) => j.acdCallId)).toEqual(['cb2', 'cb3', 'cb1']);
  });

  it('saves a part of the state it has no entries for (one added later) whole, rewrites it when it changes and drops it when it is gone', async () => {
    const c = centre();
    let control: { linkages: string[] } | undefined = { linkages: ['l1'] };
    const take = (): GatewayState => ({ ...c.take(), ...(control && { control }) }) as GatewayState;
    const h = hashStorage();
    const store = new GatewayStateStore(h.storage, silentLogger(), () => undefined, fast);
    store.save(take);
    await store.flush();
    expect(h.hash.get('part:control')).toBe('{"linkages":["l1"]}');
    expect(await store.load()).toEqual(take());

    control = { linkages: ['l1', 'l2'] };
    c.clock.advance(10);
    store.save(take);
    await store.flush();
    expect(names(h.writes[1])).toEqual(['part:control', 'savedAt']);

    control = undefined;
    c.clock.advance(10);
    store.save(take);
    await store.flush();
    expect(h.writes[2]?.del).toEqual(['part:control']);
    expect(await store.load()).toEqual(take());
  });

  it('reads the whole-state string an older gateway saved, and its first write replaces it', async () => {
    const c = centre();
    c.arrive('c1');
    const h = hashStorage();
    h.setWhole(JSON.stringify(c.take()));
    const store = new GatewayStateStore(h.storage, silentLogger(), () => undefined, fast);
    const loaded = await store.load();
    expect(loaded).toEqual(c.take());
    store.save(c.take);
    await store.flush();
    expect(h.writes[0]?.replace).toBe(true);
    expect(await store.load()).toEqual(c.take());
  });

  it('loads nothing when Redis is away, or when what is stored is not a saved state', async () => {
    const away = new GatewayStateStore({ read: async () => Promise.reject(new Error('down')), write: async () => Promise.reject(new Error('down')) }, silentLogger(), () => undefined);
    expect(await away.load()).toBeUndefined();
    away.save(() => state(4));
    await away.flush(); // does not throw
    const odd = new GatewayStateStore({ read: async () => ({ fields: { meta: '{"format":3,"version":1}' } }), write: async () => 'written' as const }, silentLogger(), () => undefined);
    expect(await odd.load()).toBeUndefined();
  });

  it('serialises a large state in slices of about 2 ms, letting call events run in between', async () => {
    const c = centre();
    for (let i = 0; i < 600; i++) c.arrive(`w${i}`);
    let clock = 0;
    const slices: number[] = [];
    let yields = 0;
    const pace = {
      now: () => (clock += 0.2), // every look at the clock stands for 0.2 ms of work
      sleep: async () => undefined,
      yield: async () => {
        yields++;
        await new Promise((r) => setImmediate(r));
      },
      slice: (ms: number) => void slices.push(ms),
    };
    const h = hashStorage();
    const store = new GatewayStateStore(h.storage, silentLogger(), () => undefined, pace);
    let eventRan = false;
    store.save(c.take);
    setImmediate(() => (eventRan = h.writes.length === 0)); // a call event arriving while the state is serialised
    await store.flush();
    expect(eventRan).toBe(true);
    expect(yields).toBeGreaterThan(2);
    expect(slices.length).toBe(yields + 1);
    expect(Math.max(...slices)).toBeLessThan(3);
    expect(await store.load()).toEqual(c.take());
  });
});
