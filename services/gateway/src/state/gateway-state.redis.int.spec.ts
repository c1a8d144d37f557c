// The saved state through the real Redis: the store over the hash adapter and the fenced script, under a prefix of
// its own; the epoch is set by hand (what an acquisition does).
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AcdEngine, ManualClock, defaultAcdConfig } from '@cti/domain';
import { silentLogger } from '../call/call.fixtures.test.js';
import { CallRegistry } from '../call/call.registry.js';
import { RedisLeaderLease, leaseKeys } from '../leadership/leader-lease.redis.js';
import { RedisGatewayStateStorage } from './gateway-state.redis.js';
import { GatewayStateStore, type GatewayState } from './gateway-state.store.js';

const REDIS_URL = process.env.CTI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const prefixes: string[] = [];

afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

/** A fresh prefix with epoch 1 set, and a store writing under `epoch`. */
async function setup() {
  const prefix = `it-state-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  prefixes.push(prefix);
  await redis.set(leaseKeys(prefix).epoch, '1');
  const base = `${prefix}:gateway:state`;
  const fence = new RedisLeaderLease(redis, prefix);
  const store = (epoch: number, refused: () => void = () => undefined) =>
    new GatewayStateStore(new RedisGatewayStateStorage(redis, base, (key, change) => fence.writeFencedHash(epoch, key, change)), silentLogger(), refused);
  return { prefix, base, store };
}

function centre() {
  const clock = new ManualClock(1_700_000_000_000);
  const acd = new AcdEngine(defaultAcdConfig, clock);
  const registry = new CallRegistry();
  for (let i = 1; i <= 3; i++) {
    acd.login({ agentId: `a${i}`, seat: `s${i}`, skills: { mandarin: 5 } });
    acd.ready(`a${i}`);
  }
  for (let i = 1; i <= 5; i++) {
    registry.add({ callId: `c${i}`, trunk: 'primary', callerNumber: `1390000000${i}`, did: '12345', language: 'mandarin', phase: 'queued', arrivedAt: clock.now(), offers: 0 });
    acd.enqueue({ callId: `c${i}`, line: '12345', language: 'mandarin' });
    clock.advance(5);
  }
  for (const a of acd.assign()) registry.addLeg(registry.nextLegId(a.callId), a.callId);
  const take = (): GatewayState => ({ version: 1, savedAt: clock.now(), acd: acd.snapshot(), calls: registry.snapshot(), callbacks: [] });
  return { clock, acd, registry, take };
}

describe('the gateway state in Redis', () => {
  it('saves entry by entry, deletes what is gone, and loads an equal state', async () => {
    const { base, store } = await setup();
    const c = centre();
    const s = store(1);
    s.save(c.take);
    await s.flush();
    expect(await redis.hexists(`${base}:v2`, 'session:c5')).toBe(1);
    c.acd.removeCall('c5');
    c.registry.remove('c5');
    c.clock.advance(10);
    s.save(c.take);
    await s.flush();
    expect(await redis.hexists(`${base}:v2`, 'session:c5')).toBe(0);
    expect(await redis.hexists(`${base}:v2`, 'acdcall:c5')).toBe(0);
    expect(await store(1).load()).toEqual(c.take());
  });

  it('writes nothing once another gateway’s epoch is current, and says so', async () => {
    const { prefix, base, store } = await setup();
    const c = centre();
    let refusals = 0;
    const s = store(1, () => refusals++);
    s.save(c.take);
    await s.flush();
    const before = await redis.hgetall(`${base}:v2`);
    await redis.set(leaseKeys(prefix).epoch, '2'); // another gateway took over
    c.acd.removeCall('c4');
    c.clock.advance(10);
    s.save(c.take);
    await s.flush();
    expect(refusals).toBe(1);
    expect(await redis.hgetall(`${base}:v2`)).toEqual(before);
  });

  it('reads the whole-state string a gateway before the hash saved, and drops it with its first write', async () => {
    const { base, store } = await setup();
    const c = centre();
    await redis.set(base, JSON.stringify(c.take()));
    const s = store(1);
    expect(await s.load()).toEqual(c.take());
    c.clock.advance(10);
    s.save(c.take);
    await s.flush();
    expect(await redis.exists(base)).toBe(0);
    expect(await s.load()).toEqual(c.take());
  });
});
