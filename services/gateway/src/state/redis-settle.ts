import type { EventEmitter } from 'node:events';

/** Error codes that say Redis is not there at all (as opposed to there and slow). */
const AWAY = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** How long the start waits for Redis. */
export interface RedisSettleBounds {
  /** With Redis refusing connections: wait at least this long (it may be starting with us), then go on without it. */
  awayMs: number;
  /** With Redis accepting connections but not ready (a busy machine): wait up to this long. */
  slowMs: number;
}

/**
 * Resolves with the connection's status once Redis is ready, or once it is known to be away (a refused or
 * unresolvable connection, after `awayMs`), or after `slowMs` at most. The saved gateway state (the calls in progress)
 * is read from Redis right after: a fixed 3-second race used to start a restarted gateway empty on a busy CI host
 * where Redis took longer to answer, and it lost track of five bridged calls. A slow Redis is waited for; only a
 * Redis that is not there lets the gateway start without its state.
 */
export function redisSettled(redis: EventEmitter & { status: string }, bounds: RedisSettleBounds, now: () => number = Date.now): Promise<string> {
  if (redis.status === 'ready') return Promise.resolve('ready');
  const started = now();
  return new Promise((resolve) => {
    let away = false;
    const finish = () => {
      clearInterval(check);
      redis.off('ready', finish);
      redis.off('error', onError);
      resolve(redis.status);
    };
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code && AWAY.has(err.code)) away = true;
    };
    // Polled rather than timed: `now` decides, so the spec needs no real clock and a suspended start is not cut short.
    const check = setInterval(() => {
      const waited = now() - started;
      if (redis.status === 'ready' || (away && waited >= bounds.awayMs) || waited >= bounds.slowMs) finish();
    }, 100);
    redis.once('ready', finish);
    redis.on('error', onError);
  });
}
