import type { Config } from './config.js';

/** Where and how to connect to Redis, in the shape ioredis takes (`new Redis(options)`). */
export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  sentinels?: Array<{ host: string; port: number }>;
  name?: string;
  sentinelPassword?: string;
  /** A command refused by a replica (`READONLY`: the master this connection knew was demoted) reconnects and is sent again. */
  reconnectOnError?: (err: Error) => boolean | 1 | 2;
}

/**
 * Connection options from the configuration: CTI_REDIS_URL alone, or, with CTI_REDIS_SENTINELS, the master the
 * Sentinels name (docs/domain.md §22). The URL's password, user and database number apply in both cases.
 */
export function redisConnectionOptions(c: Pick<Config, 'CTI_REDIS_URL' | 'CTI_REDIS_SENTINELS' | 'CTI_REDIS_SENTINEL_MASTER' | 'CTI_REDIS_SENTINEL_PASSWORD'>): RedisConnectionOptions {
  const url = new URL(c.CTI_REDIS_URL);
  const auth = {
    ...(url.username && { username: decodeURIComponent(url.username) }),
    ...(url.password && { password: decodeURIComponent(url.password) }),
    ...(url.pathname.length > 1 && { db: Number(url.pathname.slice(1)) }),
  };
  const reconnectOnError = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);
  if (c.CTI_REDIS_SENTINELS === '') {
    return { host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(url.port || 6379), ...auth, ...(url.protocol === 'rediss:' && { tls: {} }), reconnectOnError };
  }
  const sentinels = c.CTI_REDIS_SENTINELS.split(',').map((hp) => {
    const i = hp.lastIndexOf(':');
    return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
  });
  // Not ioredis's `failoverDetector` (reconnect on the Sentinels' +switch-master): on a loaded host (L52) the switch
  // arrived while the connections were still asking the Sentinels, and every connection of the worker and the gateway
  // ended for good ("Connection is closed", no reconnect). Without it a client finds the new master when its
  // connection to the old one fails, and Redis closes its clients' connections when a master is demoted.
  return { sentinels, name: c.CTI_REDIS_SENTINEL_MASTER, ...auth, ...(c.CTI_REDIS_SENTINEL_PASSWORD && { sentinelPassword: c.CTI_REDIS_SENTINEL_PASSWORD }), reconnectOnError };
}

/**
 * Ends the process when `client` gives up reconnecting (ioredis `end`) while it is not stopping: such a client never
 * comes back (records would wait in the spool, jobs in the queue, for ever), and a fresh process, started by the
 * supervisor, connects anew. Used by the gateway and the worker alike.
 */
export function exitWhenRedisEnds(
  client: { on(event: 'end', listener: () => void): unknown },
  log: { fatal(details: object, msg: string): void },
  stopping: () => boolean,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  client.on('end', () => {
    if (stopping()) return;
    log.fatal({}, 'redis connection ended for good (the client stopped reconnecting); exiting so a fresh process takes over');
    exit(1);
  });
}
