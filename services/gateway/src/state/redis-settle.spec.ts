import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { redisSettled } from './redis-settle.js';

/** A Redis connection as the start sees it: a status and events; time moves only when the test says. */
function fakeRedis(status = 'connecting') {
  const r = Object.assign(new EventEmitter(), { status });
  let t = 0;
  return { r, advance: (ms: number) => (t += ms), now: () => t };
}
const settledWithin = async (p: Promise<string>, ms = 400) => Promise.race([p, new Promise<string>((resolve) => setTimeout(() => resolve('pending'), ms))]);
const BOUNDS = { awayMs: 3_000, slowMs: 30_000 };

describe('waiting for Redis at start', () => {
  it('goes on at once when Redis is ready, and as soon as it becomes ready', async () => {
    expect(await redisSettled(fakeRedis('ready').r, BOUNDS)).toBe('ready');
    const { r, now } = fakeRedis();
    const p = redisSettled(r, BOUNDS, now);
    r.status = 'ready';
    r.emit('ready');
    expect(await settledWithin(p)).toBe('ready');
  });

  it('keeps waiting for a Redis that accepted the connection but is slow to answer (a busy machine), up to the slow bound', async () => {
    const { r, advance, now } = fakeRedis('connect');
    const p = redisSettled(r, BOUNDS, now);
    advance(10_000); // the old start gave up after 3 s here, and started without the calls in progress
    expect(await settledWithin(p)).toBe('pending');
    advance(20_000);
    expect(await settledWithin(p)).toBe('connect');
  });

  it('starts without Redis once it refuses connections and the away bound has passed', async () => {
    const { r, advance, now } = fakeRedis();
    const p = redisSettled(r, BOUNDS, now);
    r.emit('error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));
    advance(1_000);
    expect(await settledWithin(p)).toBe('pending'); // it may be starting beside us
    advance(2_000);
    expect(await settledWithin(p)).toBe('connecting');
  });

  it('does not take a timeout for Redis being away', async () => {
    const { r, advance, now } = fakeRedis('connect');
    const p = redisSettled(r, BOUNDS, now);
    r.emit('error', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    advance(5_000);
    expect(await settledWithin(p)).toBe('pending');
    r.status = 'ready';
    r.emit('ready');
    expect(await settledWithin(p)).toBe('ready');
  });
});
