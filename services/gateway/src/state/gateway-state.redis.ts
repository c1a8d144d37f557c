import type { Redis } from 'ioredis';
import type { GatewayStateChange, GatewayStateStorage, StoredGatewayState } from './gateway-state.store.js';

/**
 * Redis keys of the saved state under its base key `<prefix>:gateway:state`: the hash of entries (`…:v2`) and the
 * single JSON string gateways before it wrote at the base key itself (read when there is no hash yet, dropped by the
 * first write of the hash).
 */
export function gatewayStateKeys(baseKey: string) {
  return { hash: `${baseKey}:v2`, whole: baseKey };
}

/** The fenced write of a hash (RedisLeaderLease.writeFencedHash under the current epoch): false when refused. */
export type FencedHashWrite = (key: string, change: GatewayStateChange & { drop: string[] }) => Promise<boolean>;

/**
 * The gateway's state in Redis: a hash of entries, read freely; written only through the fence, so a gateway another
 * one replaced cannot change what the new one carries on from (docs/domain.md §20).
 */
export class RedisGatewayStateStorage implements GatewayStateStorage {
  private readonly keys: ReturnType<typeof gatewayStateKeys>;

  constructor(
    private readonly redis: Pick<Redis, 'hgetall' | 'get'>,
    baseKey: string,
    private readonly fencedWrite: FencedHashWrite,
  ) {
    this.keys = gatewayStateKeys(baseKey);
  }

  async read(): Promise<StoredGatewayState | null> {
    const fields = await this.redis.hgetall(this.keys.hash);
    if (Object.keys(fields).length > 0) return { fields };
    // A gateway upgraded in place: what the one before it saved.
    const whole = await this.redis.get(this.keys.whole);
    return whole === null ? null : { whole };
  }

  async write(change: GatewayStateChange): Promise<'written' | 'refused'> {
    return (await this.fencedWrite(this.keys.hash, { ...change, drop: [this.keys.whole] })) ? 'written' : 'refused';
  }
}
