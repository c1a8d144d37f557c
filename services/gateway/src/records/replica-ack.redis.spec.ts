import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../logger.js';
import { DurablePublisher, type RecordQueue } from './durable.publisher.js';
import { RedisReplicaAck } from './replica-ack.redis.js';

/** Redis as WAIT and ROLE see it: replicas connected, and how many acknowledge in time. */
function fakeRedis(connected: number, acking: () => number) {
  const sent: unknown[][] = [];
  const redis = {
    call: async (...args: unknown[]) => {
      sent.push(args);
      if (args[0] === 'ROLE') return ['master', 100, Array.from({ length: connected }, (_, i) => ['127.0.0.1', String(6380 + i), '100'])];
      if (args[0] === 'WAIT') return Math.min(Number(args[1]), acking());
      throw new Error(`unexpected ${String(args[0])}`);
    },
  };
  return { redis, sent };
}

describe('RedisReplicaAck', () => {
  it('waits for the wanted replicas, at most those connected, and reads the replica count only now and then', async () => {
    let t = 0;
    const { redis, sent } = fakeRedis(1, () => 1);
    const ack = new RedisReplicaAck(redis, 2, 300, () => t, 5_000);
    await ack.confirm();
    await ack.confirm();
    expect(sent).toEqual([['ROLE'], ['WAIT', 1, 300], ['WAIT', 1, 300]]);
    t = 6_000;
    await ack.confirm();
    expect(sent.filter((c) => c[0] === 'ROLE')).toHaveLength(2);
  });

  it('does not wait on a master left alone (after a failover) or when told to want none', async () => {
    const alone = fakeRedis(0, () => 0);
    await new RedisReplicaAck(alone.redis, 1, 300).confirm();
    expect(alone.sent).toEqual([['ROLE']]);
    const none = fakeRedis(2, () => 2);
    await new RedisReplicaAck(none.redis, 0, 300).confirm();
    expect(none.sent).toEqual([]);
  });

  it('rejects when the replica did not acknowledge in time, and counts the replicas again next time', async () => {
    const { redis, sent } = fakeRedis(1, () => 0);
    const ack = new RedisReplicaAck(redis, 1, 300, () => 0);
    await expect(ack.confirm()).rejects.toThrow('written to 0 of 1 replica(s) within 300 ms');
    await expect(ack.confirm()).rejects.toThrow();
    expect(sent.filter((c) => c[0] === 'ROLE')).toHaveLength(2);
  });
});

describe('DurablePublisher with replica acknowledgement', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('keeps a record Redis took but no replica acknowledged in the spool, and adds it again (same job id) once one does', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cti-replica-'));
    const added: Array<{ id: string; jobId: string }> = [];
    const queue = { add: async (_n: string, data: { id: string }, opts: { jobId: string }) => void added.push({ id: data.id, jobId: opts.jobId }) };
    let replicaUp = false;
    const { redis } = fakeRedis(1, () => (replicaUp ? 1 : 0));
    const log = { trace: vi.fn(), debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn(), fatal: vi.fn() } as unknown as Logger;
    const p = new DurablePublisher<{ id: string }>(queue as unknown as RecordQueue, dir, { spoolName: 'recs', jobName: 'rec', jobIdOf: (r) => r.id, describe: (r) => ({ id: r.id }) }, log, 50, { replicated: new RedisReplicaAck(redis, 1, 20, () => 0, 0) });
    await p.publish({ id: 'call-1' });
    expect(p.hasSpooled()).toBe(true);
    replicaUp = true;
    expect(await p.flush()).toBe(1);
    expect(p.hasSpooled()).toBe(false);
    expect(added).toEqual([{ id: 'call-1', jobId: 'call-1' }, { id: 'call-1', jobId: 'call-1' }]);
  });
});
