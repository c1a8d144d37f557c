import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { exitWhenRedisEnds, redisConnectionOptions } from './redis.options.js';

const cfg = (env: Record<string, string>) => loadConfig(env);

describe('redisConnectionOptions', () => {
  it('connects to the URL’s host, port, password and database without Sentinels', () => {
    const o = redisConnectionOptions(cfg({ CTI_REDIS_URL: 'redis://:s3cret@10.0.0.5:6380/2' }));
    expect(o).toMatchObject({ host: '10.0.0.5', port: 6380, password: 's3cret', db: 2 });
    expect(o.sentinels).toBeUndefined();
    expect(redisConnectionOptions(cfg({}))).toMatchObject({ host: '127.0.0.1', port: 6379 });
    expect(redisConnectionOptions(cfg({ CTI_REDIS_URL: 'rediss://[::1]:6390' }))).toMatchObject({ host: '::1', port: 6390, tls: {} });
  });

  it('asks the Sentinels for the named master and keeps the URL’s password and database', () => {
    const o = redisConnectionOptions(cfg({ CTI_REDIS_URL: 'redis://:s3cret@ignored:1/1', CTI_REDIS_SENTINELS: '10.0.0.1:26379,sentinel-b:26380', CTI_REDIS_SENTINEL_MASTER: 'cti-main', CTI_REDIS_SENTINEL_PASSWORD: 'sp' }));
    expect(o).toMatchObject({ sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: 'sentinel-b', port: 26380 }], name: 'cti-main', password: 's3cret', db: 1, sentinelPassword: 'sp' });
    expect(o).not.toHaveProperty('failoverDetector');
    expect(o.host).toBeUndefined();
  });

  it('reconnects and resends a command a demoted master refused as a replica, and only that', () => {
    const o = redisConnectionOptions(cfg({ CTI_REDIS_SENTINELS: '127.0.0.1:26379' }));
    expect(o.reconnectOnError?.(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(o.reconnectOnError?.(new Error('ERR wrong number of arguments'))).toBe(false);
  });

  it('refuses a Sentinel list that is not host:port pairs', () => {
    expect(() => cfg({ CTI_REDIS_SENTINELS: '10.0.0.1' })).toThrow(/CTI_REDIS_SENTINELS/);
    expect(() => cfg({ CTI_REDIS_SENTINELS: '10.0.0.1:26379;10.0.0.2:26379' })).toThrow(/CTI_REDIS_SENTINELS/);
  });
});

describe('exitWhenRedisEnds', () => {
  it('ends the process when the client stops reconnecting, saying so, unless the process is stopping anyway', () => {
    const client = new EventEmitter();
    const said: string[] = [];
    const exits: number[] = [];
    let stopping = false;
    exitWhenRedisEnds(client, { fatal: (_d, msg) => void said.push(msg) }, () => stopping, (code) => void exits.push(code));
    client.emit('end');
    expect(exits).toEqual([1]);
    expect(said).toEqual(['redis connection ended for good (the client stopped reconnecting); exiting so a fresh process takes over']);
    stopping = true;
    client.emit('end');
    expect(exits).toEqual([1]);
  });
});
