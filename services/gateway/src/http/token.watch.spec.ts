import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { TokenWatch } from './token.watch.js';

const log = createLogger('test', 'silent');

describe('TokenWatch', () => {
  it('closes every stream of a token that became invalid, and only those', async () => {
    const invalid = new Set<string>();
    const watch = new TokenWatch({ findInvalid: async (ids) => ids.filter((i) => invalid.has(i)) }, 60_000, log);
    const closed: string[] = [];
    watch.watch('1', () => closed.push('1a'));
    watch.watch('1', () => closed.push('1b'));
    watch.watch('2', () => closed.push('2'));
    await watch.checkNow();
    expect(closed).toEqual([]);
    invalid.add('1');
    await watch.checkNow();
    expect(closed).toEqual(['1a', '1b']);
    expect(watch.watchedCount()).toBe(1);
    watch.stop();
  });

  it('keeps the streams when the check itself fails, and closes them on the next check that works', async () => {
    let failing = true;
    const watch = new TokenWatch({ findInvalid: async (ids) => (failing ? Promise.reject(new Error('db down')) : [...ids]) }, 60_000, log);
    let closed = 0;
    watch.watch('5', () => closed++);
    await watch.checkNow();
    expect(closed).toBe(0);
    failing = false;
    await watch.checkNow();
    expect(closed).toBe(1);
    watch.stop();
  });

  it('forgets a stream that stopped being watched', async () => {
    const watch = new TokenWatch({ findInvalid: async (ids) => [...ids] }, 60_000, log);
    let closed = 0;
    const unwatch = watch.watch('9', () => closed++);
    unwatch();
    await watch.checkNow();
    expect(closed).toBe(0);
    expect(watch.watchedCount()).toBe(0);
  });
});
