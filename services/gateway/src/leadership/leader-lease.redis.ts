import type { Redis } from 'ioredis';
import type { AcquireResult, LeaderLeaseStore, LeaseObservation, RenewResult } from './leadership.ports.js';

// Each script runs atomically in Redis: a check and what depends on it can never be split by another process.

/**
 * KEYS: leader, epoch, heartbeat. ARGV: instanceId, leaseMs, takeOverFrom ('' = only when nobody holds it).
 * Returns {epoch, holder} when won, {0, holder found} when not.
 */
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[3] then return {0, current} end
local epoch = redis.call('INCR', KEYS[2])
local holder = epoch .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], holder, 'PX', ARGV[2])
redis.call('DEL', KEYS[3])
return {epoch, holder}`;

/**
 * KEYS: leader, epoch, heartbeat, standby marker. ARGV: holder, epoch, leaseMs, heartbeat value ('' = none), the
 * holder's instanceId. Extends a lease that is still the holder's, or sets it again when it lapsed and the epoch did
 * not move (nobody took it). Returns {1, 1 when another process's standby marker is there} when renewed, {0, holder
 * found or ''} when refused.
 */
const RENEW = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
elseif not current and redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
else
  return {0, current or ''}
end
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[3]) end
local standby = redis.call('GET', KEYS[4])
if standby and standby ~= ARGV[5] then return {1, 1} end
return {1, 0}`;

/** KEYS: leader, heartbeat. ARGV: holder. Deletes both while the lease is the holder's; 1 when it was. */
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`;

/** KEYS: leader, heartbeat, standby marker. ARGV: instanceId, markerMs. Returns {holder or '', heartbeat or ''}. */
const OBSERVE = `
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
return {redis.call('GET', KEYS[1]) or '', redis.call('GET', KEYS[2]) or ''}`;

/**
 * KEYS: epoch, hash, then keys to drop on a replace. ARGV: epoch, replace ('1' = delete the hash and the keys to drop
 * first), n = number of fields to set, n field/value pairs, then the fields to delete. Changes the hash only while the
 * epoch is the writer's; 1 when written. HSET and HDEL take a few hundred arguments at a time (Lua's unpack is bounded).
 */
const FENCED_HASH_WRITE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then redis.call('DEL', unpack(KEYS, 2)) end
local last = 3 + 2 * tonumber(ARGV[3])
for i = 4, last, 400 do
  redis.call('HSET', KEYS[2], unpack(ARGV, i, math.min(i + 399, last)))
end
for i = last + 1, #ARGV, 400 do
  redis.call('HDEL', KEYS[2], unpack(ARGV, i, math.min(i + 399, #ARGV)))
end
return 1`;

/** A fenced change of a hash: fields to set, fields to delete, or (`replace`) the hash and `drop` replaced by `set`. */
export interface FencedHashChange {
  replace: boolean;
  set: ReadonlyArray<readonly [string, string]>;
  del: readonly string[];
  /** Other keys deleted with a replace (an older format of what the hash holds). */
  drop?: readonly string[];
}

/** The slice of ioredis the lease uses. */
export type LeaseRedis = Pick<Redis, 'eval'>;

/** Redis keys of the lease under a prefix (docs/domain.md §20). */
export function leaseKeys(prefix: string) {
  return {
    leader: `${prefix}:gateway:leader`,
    epoch: `${prefix}:gateway:epoch`,
    heartbeat: `${prefix}:gateway:leader:heartbeat`,
    standby: `${prefix}:gateway:standby`,
  };
}

/**
 * The active gateway's lease in Redis: `<prefix>:gateway:leader` = `<epoch>:<instanceId>` with a time to live, the
 * epoch counter every takeover increments (the fencing token), the holder's heartbeat address beside it, and the
 * standbys' marker. Also the fenced write of the gateway's state (a hash) that only the current epoch may do.
 */
export class RedisLeaderLease implements LeaderLeaseStore {
  private readonly keys: ReturnType<typeof leaseKeys>;

  constructor(
    private readonly redis: LeaseRedis,
    prefix: string,
  ) {
    this.keys = leaseKeys(prefix);
  }

  async acquire(instanceId: string, leaseMs: number, takeOverFrom = ''): Promise<AcquireResult> {
    const k = this.keys;
    const [epoch, holder] = (await this.redis.eval(ACQUIRE, 3, k.leader, k.epoch, k.heartbeat, instanceId, leaseMs, takeOverFrom)) as [number, string];
    return epoch === 0 ? { won: false, holder } : { won: true, epoch: Number(epoch), holder };
  }

  async renew(holder: string, epoch: number, leaseMs: number, heartbeat: string | null): Promise<RenewResult> {
    const k = this.keys;
    const value = heartbeat === null ? '' : `${holder} ${heartbeat}`;
    const instanceId = holder.slice(holder.indexOf(':') + 1);
    const [ok, found] = (await this.redis.eval(RENEW, 4, k.leader, k.epoch, k.heartbeat, k.standby, holder, epoch, leaseMs, value, instanceId)) as [number, string | number];
    return ok === 1 ? { renewed: true, standbyWatching: found === 1 } : { renewed: false, holder: found === '' ? null : String(found) };
  }

  async release(holder: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 2, this.keys.leader, this.keys.heartbeat, holder)) === 1;
  }

  async observe(instanceId: string, markerMs: number): Promise<LeaseObservation> {
    const k = this.keys;
    const [holder, heartbeat] = (await this.redis.eval(OBSERVE, 3, k.leader, k.heartbeat, k.standby, instanceId, markerMs)) as [string, string];
    if (holder === '') return { holder: null, heartbeat: null };
    // The address counts only when it was written by this very holder (not left by an earlier one).
    return { holder, heartbeat: heartbeat.startsWith(`${holder} `) ? heartbeat.slice(holder.length + 1) : null };
  }

  /**
   * Applies `change` to the hash `key` in one script, only while `epoch` is the current epoch (nobody took over since);
   * false: refused, nothing written.
   */
  async writeFencedHash(epoch: number, key: string, change: FencedHashChange): Promise<boolean> {
    const args: string[] = [this.keys.epoch, key, ...(change.drop ?? []), String(epoch), change.replace ? '1' : '0', String(change.set.length)];
    for (const [field, value] of change.set) args.push(field, value);
    for (const field of change.del) args.push(field);
    // One array argument: ioredis flattens it, where spreading tens of thousands of arguments into a call could overflow the stack.
    return (await this.redis.eval(FENCED_HASH_WRITE, 2 + (change.drop?.length ?? 0), args)) === 1;
  }
}
