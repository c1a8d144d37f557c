import { describe, expect, it } from 'vitest';
import { CtiError } from '@cti/domain';
import { DEFAULT_SCRYPT_PARAMS, ScryptPasswordHasher } from './password.hasher.js';

// Small parameters keep the spec fast; the shipped ones are checked by value below and timed in the README.
const fast = new ScryptPasswordHasher({ logN: 10, r: 8, p: 1 });

describe('ScryptPasswordHasher', () => {
  it('stores scrypt with its parameters and a fresh salt; the same password hashes differently each time', async () => {
    const a = await fast.hash('Ganzi-12345');
    const b = await fast.hash('Ganzi-12345');
    expect(a).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('Ganzi');
  });

  it('verifies the right password and refuses a wrong one, one differing only in case, and an empty one', async () => {
    const stored = await fast.hash('Ganzi-12345');
    expect(await fast.verify('Ganzi-12345', stored)).toBe(true);
    expect(await fast.verify('ganzi-12345', stored)).toBe(false);
    expect(await fast.verify('Ganzi-1234', stored)).toBe(false);
    expect(await fast.verify('', stored)).toBe(false);
  });

  it('treats a composed and a decomposed accent as the same password (NFC)', async () => {
    const stored = await fast.hash('Caf\u00e9-Hotline1');
    expect(await fast.verify('Cafe\u0301-Hotline1', stored)).toBe(true);
  });

  it('refuses a stored value it did not write (still doing the work), and asks for a rehash of it', async () => {
    for (const stored of ['', 'plain:Ganzi-12345', 'scrypt$99$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      expect(await fast.verify('Ganzi-12345', stored)).toBe(false);
      expect(fast.needsRehash(stored)).toBe(true);
    }
  });

  it('verifies hashes made with other parameters, and asks for those to be rehashed', async () => {
    const older = await new ScryptPasswordHasher({ logN: 11, r: 8, p: 1 }).hash('Ganzi-12345');
    expect(await fast.verify('Ganzi-12345', older)).toBe(true);
    expect(fast.needsRehash(older)).toBe(true);
    expect(fast.needsRehash(await fast.hash('x'))).toBe(false);
  });

  it('ships N = 2^15, r = 8, p = 3 (32 MiB per hash)', async () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ logN: 15, r: 8, p: 3 });
    expect(await new ScryptPasswordHasher().hash('Ganzi-12345')).toMatch(/^scrypt\$15\$8\$3\$/);
  });

  it('runs at most `concurrency` hashes at once and refuses beyond `maxQueued` waiting (503), then serves the rest', async () => {
    const bounded = new ScryptPasswordHasher({ logN: 10, r: 8, p: 1 }, 1, 1);
    const results = await Promise.allSettled([bounded.hash('One-Pass-123'), bounded.hash('Two-Pass-123'), bounded.hash('Three-Pass-123')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(((results[2] as PromiseRejectedResult).reason as CtiError).code).toBe('CTI_ERR_UNAVAILABLE');
    expect(await bounded.verify('One-Pass-123', (results[0] as PromiseFulfilledResult<string>).value)).toBe(true);
  });
});
