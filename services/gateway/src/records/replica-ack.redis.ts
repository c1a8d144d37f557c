import type { Redis } from 'ioredis';

/** Whether what this connection wrote last is on enough replicas (rejects when it is not). */
export interface ReplicationCheck {
  confirm(): Promise<void>;
}

/**
 * Waits until the replicas hold what the connection wrote (`WAIT`), so a record counts as delivered only when a
 * Sentinel failover cannot lose it: Redis replicates asynchronously, and a master that dies right after acknowledging
 * a write may take it along (docs/domain.md §22). It waits for `want` replicas, or as many as are connected (`ROLE`,
 * read every `refreshMs`): a master left alone after a failover cannot do better than itself, and records must not
 * wait for a replica that is not there. Use the connection the records were written on.
 */
export class RedisReplicaAck implements ReplicationCheck {
  private replicas = 0;
  private readAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: Pick<Redis, 'call'>,
    private readonly want: number,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
    private readonly refreshMs = 5_000,
  ) {}

  async confirm(): Promise<void> {
    if (this.want === 0) return;
    const n = Math.min(this.want, await this.connectedReplicas());
    if (n === 0) return;
    const acked = Number(await this.redis.call('WAIT', n, this.timeoutMs));
    if (acked < n) {
      this.readAt = Number.NEGATIVE_INFINITY; // a replica may have gone: count them again next time
      throw new Error(`written to ${acked} of ${n} replica(s) within ${this.timeoutMs} ms`);
    }
  }

  private async connectedReplicas(): Promise<number> {
    if (this.now() - this.readAt < this.refreshMs) return this.replicas;
    // ROLE on a master: ['master', offset, [[host, port, offset], …]].
    const role = (await this.redis.call('ROLE')) as unknown[];
    this.replicas = role[0] === 'master' && Array.isArray(role[2]) ? role[2].length : 0;
    this.readAt = this.now();
    return this.replicas;
  }
}
