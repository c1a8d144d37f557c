import { describe, expect, it } from 'vitest';
import { silentLogger } from '../call/call.fixtures.test.js';
import { GatewayStateStore, type GatewayState } from './gateway-state.store.js';

const state = (n: number): GatewayState => ({ version: 1, savedAt: n, acd: { n } as never, calls: { sessions: [], legs: [], legSeq: n, recentAnswers: [] }, callbacks: [] });

describe('GatewayStateStore', () => {
  it('coalesces a burst of saves into few writes, the last state winning', async () => {
    const writes: string[] = [];
    let release: () => void = () => undefined;
    const storage = {
      read: async () => null,
      write: (v: string) => new Promise<'written'>((resolve) => {
        writes.push(v);
        release = () => resolve('written');
      }),
    };
    const store = new GatewayStateStore(storage, silentLogger(), () => undefined, { now: () => 0, sleep: async () => undefined });
    for (let i = 1; i <= 50; i++) store.save(() => state(i));
    release();
    await new Promise((r) => setImmediate(r));
    release();
    await store.flush();
    expect(writes.length).toBe(2);
    expect(JSON.parse(writes.at(-1) as string).savedAt).toBe(50);
  });

  it('spaces saves while changes keep coming: 20 ms, or 4× the serialising time of a large state, at most 100 ms', async () => {
    const writes: number[] = [];
    const waits: number[] = [];
    let clock = 0;
    let serialiseMs = 10;
    const pace = { now: () => clock, sleep: async (ms: number) => void waits.push(ms) };
    const storage = { read: async () => null, write: async (v: string) => (writes.push(JSON.parse(v).savedAt), 'written' as const) };
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

  it('loads what it saved, and nothing when Redis is away', async () => {
    let saved: string | null = null;
    const store = new GatewayStateStore({ read: async () => saved, write: async (v: string) => ((saved = v), 'written' as const) }, silentLogger(), () => undefined);
    store.save(() => state(3));
    await store.flush();
    expect((await store.load())?.calls.legSeq).toBe(3);
    const away = new GatewayStateStore({ read: async () => Promise.reject(new Error('down')), write: async () => Promise.reject(new Error('down')) }, silentLogger(), () => undefined);
    expect(await away.load()).toBeUndefined();
    away.save(() => state(4));
    await away.flush(); // does not throw
  });

  it('stops writing once a write was refused (another gateway took over) and says so once', async () => {
    const writes: number[] = [];
    let refusals = 0;
    const storage = { read: async () => null, write: async (v: string) => (writes.push(JSON.parse(v).savedAt), 'refused' as const) };
    const store = new GatewayStateStore(storage, silentLogger(), () => void refusals++, { now: () => 0, sleep: async () => undefined });
    store.save(() => state(1));
    await store.flush();
    store.save(() => state(2));
    await store.flush();
    expect(writes).toEqual([1]);
    expect(refusals).toBe(1);
  });
});
