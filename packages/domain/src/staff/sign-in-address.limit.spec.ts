import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SignInAddressLimit } from './sign-in-address.limit.js';

const MIN = 60_000;

describe('sign-in limit per address', () => {
  it('blocks an address on its 20th refusal within 10 minutes, until the oldest of them is 10 minutes old', () => {
    const limit = new SignInAddressLimit({ failures: 20, windowMs: 10 * MIN });
    const start = 1_000_000;
    for (let i = 0; i < 19; i++) {
      expect(limit.recordFailure('10.0.0.7', start + i * 1000)).toBeNull();
      expect(limit.blockedUntil('10.0.0.7', start + i * 1000)).toBeNull();
    }
    expect(limit.recordFailure('10.0.0.7', start + 19_000)).toBe(start + 10 * MIN);
    expect(limit.blockedUntil('10.0.0.7', start + 10 * MIN - 1)).toBe(start + 10 * MIN);
    // The first refusal has left the window: one more try, whose failure blocks again until the second one leaves.
    expect(limit.blockedUntil('10.0.0.7', start + 10 * MIN)).toBeNull();
    expect(limit.recordFailure('10.0.0.7', start + 10 * MIN)).toBe(start + 1000 + 10 * MIN);
  });

  it('counts each address on its own', () => {
    const limit = new SignInAddressLimit({ failures: 3, windowMs: MIN });
    for (let i = 0; i < 3; i++) limit.recordFailure('192.0.2.1', i);
    expect(limit.blockedUntil('192.0.2.1', 10)).toBe(MIN);
    expect(limit.blockedUntil('192.0.2.2', 10)).toBeNull();
  });

  it('forgets refusals older than the window', () => {
    const limit = new SignInAddressLimit({ failures: 3, windowMs: MIN });
    limit.recordFailure('a', 0);
    limit.recordFailure('a', 1);
    expect(limit.recordFailure('a', MIN + 1)).toBeNull();
    expect(limit.blockedUntil('a', MIN + 1)).toBeNull();
    expect(limit.trackedAddresses()).toBe(1);
    expect(limit.blockedUntil('a', 3 * MIN)).toBeNull();
    expect(limit.trackedAddresses()).toBe(0);
  });

  it('is off with 0 failures', () => {
    const limit = new SignInAddressLimit({ failures: 0, windowMs: MIN });
    for (let i = 0; i < 100; i++) expect(limit.recordFailure('a', i)).toBeNull();
    expect(limit.blockedUntil('a', 100)).toBeNull();
  });

  it('keeps at most the configured number of addresses, forgetting the least recently refused', () => {
    const limit = new SignInAddressLimit({ failures: 2, windowMs: MIN }, 3);
    limit.recordFailure('a', 0);
    for (const address of ['b', 'c', 'a', 'd']) limit.recordFailure(address, 1);
    expect(limit.trackedAddresses()).toBe(3);
    // 'a' was refused again after 'b', so 'b' went: 'a' is blocked (two refusals), 'b' starts afresh.
    expect(limit.blockedUntil('a', 2)).toBe(MIN);
    expect(limit.recordFailure('b', 2)).toBeNull();
  });

  it('never lets more than `failures` refusals from one address through in any window (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 10, max: 1000 }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 200 }), (failures, windowMs, gaps) => {
        const limit = new SignInAddressLimit({ failures, windowMs });
        const checked: number[] = [];
        let now = 0;
        for (const gap of gaps) {
          now += gap;
          // Every attempt the limit lets through is a wrong password here.
          if (limit.blockedUntil('x', now) !== null) continue;
          checked.push(now);
          limit.recordFailure('x', now);
        }
        for (const t of checked) expect(checked.filter((u) => u > t - windowMs && u <= t).length).toBeLessThanOrEqual(failures);
      }),
    );
  });
});
