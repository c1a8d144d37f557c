import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { redisConnectionOptions, type Config } from '@cti/contracts';
import { leaseTerms } from '@cti/domain';
import type { Logger } from '../logger.js';
import { RedisGatewayStateStorage } from '../state/gateway-state.redis.js';
import type { GatewayStateStorage } from '../state/gateway-state.store.js';
import { GatewayLeadership, type Takeover } from './gateway-leadership.service.js';
import { TcpLeaderHeartbeat } from './leader-heartbeat.tcp.js';
import { RedisLeaderLease } from './leader-lease.redis.js';
import { serveStandbyHttp, type StandbyHttp } from './standby.http.js';

/** The configuration the leadership reads. */
export type LeadershipConfig = Pick<
  Config,
  'CTI_REDIS_URL' | 'CTI_REDIS_SENTINELS' | 'CTI_REDIS_SENTINEL_MASTER' | 'CTI_REDIS_SENTINEL_PASSWORD' | 'CTI_REDIS_PREFIX' | 'CTI_LEADER_LEASE_MS' | 'CTI_LEADER_HEARTBEAT_PORT' | 'CTI_LEADER_HEARTBEAT_HOST' | 'CTI_HTTP_HOST' | 'CTI_HTTP_PORT'
>;

/** The leadership as main.ts wires it (docs/domain.md §20). */
export interface LeadershipWiring {
  leadership: GatewayLeadership;
  /**
   * Waits as standby — answering on the HTTP port with `role: standby` meanwhile — until this process holds the lease,
   * then holds it (renewals, heartbeat listener). `closeStandbyHttp` frees the port for the real API.
   */
  becomeActive(): Promise<{ takeover: Takeover; closeStandbyHttp: () => Promise<void> }>;
  /**
   * The saved state's storage under its base key (`<prefix>:gateway:state`): read freely, written only while this
   * process's epoch is the current one.
   */
  fencedStateStorage(redis: Pick<Redis, 'get' | 'hgetall' | 'eval'>, key: string): GatewayStateStorage;
  /** On a graceful stop, after the last state write: releases the lease and closes its connections. */
  stop(): Promise<void>;
}

/** Builds the leadership of this gateway process: its own Redis connection, the heartbeat, the lease's rules. */
export function createLeadership(config: LeadershipConfig, log: Logger): LeadershipWiring {
  const terms = leaseTerms(config.CTI_LEADER_LEASE_MS);
  // Its own connection, so renewals never queue behind the state writes and job traffic. A renewal counts from when it
  // was sent, so a late answer still grants the lease until sent + lease − safety: only an answer later than that is
  // worthless, and only then does the command time out. (It timed out after a third of the lease before: on a host
  // loaded to 13× its cores, answers of 0.7–1.5 s were thrown away though they had renewed the lease, and the active
  // ended itself for nothing — L52.) Waiting longer never keeps a lost lease: the rules stop the active by its own clock.
  const redis = new Redis({ ...redisConnectionOptions(config), maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: Math.max(100, terms.leaseMs - terms.safetyMs) });
  redis.on('error', (err) => log.debug({ err: err.message }, 'leader lease redis error'));
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const leadership = new GatewayLeadership({
    lease: new RedisLeaderLease(redis, config.CTI_REDIS_PREFIX),
    heartbeat: new TcpLeaderHeartbeat(),
    terms,
    // Monotonic: a wall clock set back or forward must not lengthen or cut the lease.
    clock: { now: () => performance.now() },
    instanceId,
    ...(config.CTI_LEADER_HEARTBEAT_PORT > 0 && { heartbeatAt: { host: config.CTI_LEADER_HEARTBEAT_HOST, port: config.CTI_LEADER_HEARTBEAT_PORT } }),
    log,
    exit: (code) => process.exit(code),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });

  return {
    leadership,
    async becomeActive() {
      // Only a process that has to wait serves as a standby on the HTTP port. One that takes the lease at once (a lone
      // gateway starting or restarting) leaves the port closed until the API listens: a listener closed to hand the
      // port over resets the connections still in its accept queue, and a desk's feed reconnecting just then saw a
      // reset handshake (L45).
      let standby: StandbyHttp | undefined;
      const takeover = await leadership.acquire(async () => {
        standby = await serveStandbyHttp(config.CTI_HTTP_HOST, config.CTI_HTTP_PORT, () => {
          const s = leadership.status();
          // Once it holds the lease it is starting up (state, ARI) until the real API takes the port over.
          return s.role === 'standby' ? { status: 'standby', role: 'standby', leader: s.leader } : { status: 'starting', role: 'active', epoch: s.epoch };
        });
      });
      await leadership.hold();
      return { takeover, closeStandbyHttp: async () => standby?.close() };
    },
    fencedStateStorage(stateRedis, key) {
      const fence = new RedisLeaderLease(stateRedis, config.CTI_REDIS_PREFIX);
      return new RedisGatewayStateStorage(stateRedis, key, (hashKey, change) => fence.writeFencedHash(leadership.epoch(), hashKey, change));
    },
    async stop() {
      await leadership.release();
      redis.disconnect();
    },
  };
}
