// The lease's Lua scripts against the real Redis, each test under a prefix of its own. A lapsed lease is made by
// deleting the key (what its time to live does), so no test waits for a clock.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisLeaderLease, leaseKeys } from './leader-lease.redis.js';

const REDIS_URL = process.env.CTI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const prefixes: string[] = [];
const LEASE_MS = 10_000;

/** A fresh prefix, and two processes' views of one lease under it (each on its own connection). */
function setup() {
  const prefix = `it-lease-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  prefixes.push(prefix);
  const other = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  connections.push(other);
  return { prefix, keys: leaseKeys(prefix), a: new RedisLeaderLease(redis, prefix), b: new RedisLeaderLease(other, prefix) };
}
const connections: Redis[] = [];

afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  for (const c of connections) await c.quit();
  await redis.quit();
});

describe('RedisLeaderLease', () => {
  it('lets only one of two competing processes win, and tells the other who holds it', async () => {
    const { a, b, keys } = setup();
    const [ra, rb] = await Promise.all([a.acquire('gw-a', LEASE_MS), b.acquire('gw-b', LEASE_MS)]);
    const won = [ra, rb].filter((r) => r.won);
    const lost = [ra, rb].filter((r) => !r.won);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(won[0]).toMatchObject({ epoch: 1 });
    expect(lost[0]?.holder).toBe(won[0]?.holder);
    expect(await redis.get(keys.leader)).toBe(won[0]?.holder);
    const ttl = await redis.pttl(keys.leader);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(LEASE_MS);
  });

  it('increments the epoch on every takeover: after the lease lapsed, and from a holder whose process died', async () => {
    const { a, b, keys } = setup();
    expect(await a.acquire('gw-a', LEASE_MS)).toEqual({ won: true, epoch: 1, holder: '1:gw-a' });
    expect(await b.acquire('gw-b', LEASE_MS)).toEqual({ won: false, holder: '1:gw-a' });
    await redis.del(keys.leader); // the lease lapsed
    expect(await b.acquire('gw-b', LEASE_MS)).toEqual({ won: true, epoch: 2, holder: '2:gw-b' });
    // gw-b's process died: a standby takes over from exactly that holder without waiting for the lease.
    expect(await a.acquire('gw-a2', LEASE_MS, '2:gw-b')).toEqual({ won: true, epoch: 3, holder: '3:gw-a2' });
    expect(await redis.get(keys.epoch)).toBe('3');
  });

  it('refuses a takeover from a holder that is no longer the one in the lease (another standby was first)', async () => {
    const { a, b } = setup();
    await a.acquire('gw-a', LEASE_MS);
    expect(await b.acquire('gw-b', LEASE_MS, '1:gw-a')).toEqual({ won: true, epoch: 2, holder: '2:gw-b' });
    expect(await a.acquire('gw-c', LEASE_MS, '1:gw-a')).toEqual({ won: false, holder: '2:gw-b' });
  });

  it('renews a lease that is still the holder’s, and refuses the renewal once another took over', async () => {
    const { a, b, keys } = setup();
    await a.acquire('gw-a', LEASE_MS);
    await redis.pexpire(keys.leader, 500);
    expect(await a.renew('1:gw-a', 1, LEASE_MS, null)).toEqual({ renewed: true, standbyWatching: false });
    expect(await redis.pttl(keys.leader)).toBeGreaterThan(500);
    await b.acquire('gw-b', LEASE_MS, '1:gw-a');
    expect(await a.renew('1:gw-a', 1, LEASE_MS, null)).toEqual({ renewed: false, holder: '2:gw-b' });
    expect(await redis.get(keys.leader)).toBe('2:gw-b');
  });

  it('reclaims a lapsed lease nobody took, but refuses one whose epoch moved on though its key is gone again', async () => {
    const { a, b, keys } = setup();
    await a.acquire('gw-a', LEASE_MS);
    await redis.del(keys.leader); // lapsed during a Redis outage; nobody took it
    expect(await a.renew('1:gw-a', 1, LEASE_MS, null)).toEqual({ renewed: true, standbyWatching: false });
    expect(await redis.get(keys.leader)).toBe('1:gw-a');
    await redis.del(keys.leader);
    await b.acquire('gw-b', LEASE_MS); // epoch 2
    await redis.del(keys.leader); // and gw-b's lease lapsed too
    expect(await a.renew('1:gw-a', 1, LEASE_MS, null)).toEqual({ renewed: false, holder: null });
    expect(await redis.get(keys.leader)).toBeNull();
  });

  it('tells the holder at renewal that a standby is watching, and the standby the holder’s own heartbeat address', async () => {
    const { a, b } = setup();
    await a.observe('gw-a', LEASE_MS); // its own look before it acquired is no standby
    await a.acquire('gw-a', LEASE_MS);
    expect(await a.renew('1:gw-a', 1, LEASE_MS, null)).toEqual({ renewed: true, standbyWatching: false });
    expect(await b.observe('gw-b', LEASE_MS)).toEqual({ holder: '1:gw-a', heartbeat: null });
    expect(await a.renew('1:gw-a', 1, LEASE_MS, '127.0.0.1:8490')).toEqual({ renewed: true, standbyWatching: true });
    expect(await b.observe('gw-b', LEASE_MS)).toEqual({ holder: '1:gw-a', heartbeat: '127.0.0.1:8490' });
  });

  it('drops the address of the holder it took over from, so a standby never watches a dead holder’s address', async () => {
    const { a, b } = setup();
    await a.acquire('gw-a', LEASE_MS);
    await a.renew('1:gw-a', 1, LEASE_MS, '127.0.0.1:8490');
    await b.acquire('gw-b', LEASE_MS, '1:gw-a');
    expect(await a.observe('gw-a', LEASE_MS)).toEqual({ holder: '2:gw-b', heartbeat: null });
  });

  it('releases only its own lease', async () => {
    const { a, b, keys } = setup();
    await a.acquire('gw-a', LEASE_MS);
    expect(await b.release('7:gw-b')).toBe(false);
    expect(await redis.get(keys.leader)).toBe('1:gw-a');
    expect(await a.release('1:gw-a')).toBe(true);
    expect(await redis.get(keys.leader)).toBeNull();
    expect(await b.acquire('gw-b', LEASE_MS)).toMatchObject({ won: true, epoch: 2 });
  });

  it('changes the state hash fenced by the epoch: written while the epoch is the writer’s, refused (nothing written) after another took over', async () => {
    const { a, b, prefix } = setup();
    const hash = `${prefix}:gateway:state:v2`;
    await a.acquire('gw-a', LEASE_MS);
    expect(await a.writeFencedHash(1, hash, { replace: true, set: [['x', '1'], ['y', '2'], ['z', '3']], del: [] })).toBe(true);
    expect(await redis.hgetall(hash)).toEqual({ x: '1', y: '2', z: '3' });
    expect(await a.writeFencedHash(1, hash, { replace: false, set: [['x', '10']], del: ['y'] })).toBe(true);
    expect(await redis.hgetall(hash)).toEqual({ x: '10', z: '3' });
    await b.acquire('gw-b', LEASE_MS, '1:gw-a');
    expect(await a.writeFencedHash(1, hash, { replace: false, set: [['x', '11']], del: ['z'] })).toBe(false);
    expect(await a.writeFencedHash(1, hash, { replace: true, set: [['w', '0']], del: [] })).toBe(false);
    expect(await redis.hgetall(hash)).toEqual({ x: '10', z: '3' });
    expect(await b.writeFencedHash(2, hash, { replace: false, set: [], del: ['x'] })).toBe(true);
    expect(await redis.hgetall(hash)).toEqual({ z: '3' });
  });

  it('replaces the whole hash and drops the old whole-state key with it, also with thousands of fields', async () => {
    const { a, prefix } = setup();
    const hash = `${prefix}:gateway:state:v2`;
    const old = `${prefix}:gateway:state`;
    await a.acquire('gw-a', LEASE_MS);
    await redis.set(old, '{"version":1}');
    await redis.hset(hash, 'stale', '1');
    const set = Array.from({ length: 5_001 }, (_, i) => [`f${i}`, `v${i}`] as const);
    expect(await a.writeFencedHash(1, hash, { replace: true, set, del: [], drop: [old] })).toBe(true);
    expect(await redis.exists(old)).toBe(0);
    expect(await redis.hlen(hash)).toBe(5_001);
    expect(await redis.hexists(hash, 'stale')).toBe(0);
    expect(await redis.hget(hash, 'f5000')).toBe('v5000');
    const del = set.slice(0, 4_999).map(([f]) => f);
    expect(await a.writeFencedHash(1, hash, { replace: false, set: [], del })).toBe(true);
    expect(await redis.hgetall(hash)).toEqual({ f4999: 'v4999', f5000: 'v5000' });
  });
});
