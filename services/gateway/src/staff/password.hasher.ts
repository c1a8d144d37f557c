import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { CtiError } from '@cti/domain';

/** scrypt's cost parameters: N = 2^logN (CPU and memory), r (block size), p (parallel lanes). */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/**
 * N = 2^15, r = 8, p = 3: 32 MiB of memory per hash (128·N·r bytes) and about 0.3 s of one core on the development
 * machine; one of the equivalent scrypt settings OWASP's password storage guidance lists (2^17/8/1 … 2^13/8/10).
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { logN: 15, r: 8, p: 3 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  // Node refuses to use more than maxmem (32 MiB by default); allow twice what these parameters need.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r };
  return new Promise((resolve, reject) => scryptCallback(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A stored hash's parts, or undefined when it is not one this hasher wrote. */
function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{40,64})$/.exec(stored);
  if (!m) return undefined;
  const params = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.logN < 10 || params.logN > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return undefined;
  return { params, salt: Buffer.from(m[4] as string, 'base64url'), key: Buffer.from(m[5] as string, 'base64url') };
}

/** Hashes and checks staff passwords (StaffAuthService's port). */
export interface PasswordHasher {
  /** A new salted hash of `password`, in the stored format. */
  hash(password: string): Promise<string>;
  /** Whether `password` matches `stored`; a stored value it cannot read is a mismatch after the same work. */
  verify(password: string, stored: string): Promise<boolean>;
  /** Whether `stored` was made with other parameters than today's (rehash it at the next successful sign-in). */
  needsRehash(stored: string): boolean;
}

/**
 * scrypt from node:crypto, stored as `scrypt$<logN>$<r>$<p>$<salt>$<key>` (base64url) so the parameters can be
 * raised later. scrypt runs on libuv's thread pool, which the record spool's file I/O shares: at most `concurrency`
 * hashes run at once and at most `maxQueued` wait; beyond that a sign-in is refused (503) instead of queueing memory
 * and time without bound.
 */
export class ScryptPasswordHasher implements PasswordHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
    private readonly concurrency = 2,
    private readonly maxQueued = 64,
  ) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await this.limited(() => scrypt(password, salt, this.params));
    const { logN, r, p } = this.params;
    return `scrypt$${logN}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    // Unreadable hash: do the same work against a throw-away salt, so the answer takes as long as a real check.
    const { params, salt, key } = parsed ?? { params: this.params, salt: randomBytes(SALT_BYTES), key: randomBytes(KEY_BYTES) };
    const derived = await this.limited(() => scrypt(password, salt, params));
    return parsed !== undefined && derived.length === key.length && timingSafeEqual(derived, key);
  }

  needsRehash(stored: string): boolean {
    const parsed = parse(stored);
    return !parsed || parsed.params.logN !== this.params.logN || parsed.params.r !== this.params.r || parsed.params.p !== this.params.p;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    else {
      if (this.waiting.length >= this.maxQueued) throw new CtiError('CTI_ERR_UNAVAILABLE', 'too many sign-ins at once; try again in a moment');
      // A finishing hash hands its slot over: `running` already counts this one when it is woken.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
