/** How many refused sign-ins one network address may cause per window (CTI_STAFF_ADDRESS_FAILURES, _WINDOW_S). */
export interface AddressLimitSettings {
  /** Refused sign-ins from one address within `windowMs` after which its sign-ins are refused; 0 = no limit. */
  failures: number;
  /** Length of the sliding window, in milliseconds. */
  windowMs: number;
}

/** Addresses tracked at once; the one whose last failure is oldest is forgotten beyond this. */
const MAX_TRACKED_ADDRESSES = 10_000;

/**
 * The per-address sign-in limit, on top of the per-account lockout: the lockout stops guessing one account's
 * password, this stops one address guessing across many accounts (password spraying), which no account's count sees.
 * A sliding window of the address's latest `failures` refusals: once it is full, sign-ins from the address are
 * refused until the oldest of them leaves the window. Refusals while blocked are not counted (they never reached a
 * password check), so a persistent guesser gets at most `failures` tries per window. A successful sign-in does not
 * clear the count: a centre's seats often share one address, and one known account must not reset it for an attacker.
 */
export class SignInAddressLimit {
  /** Per address, the times of its latest refusals (at most `failures`), oldest first; insertion order = recency. */
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly settings: AddressLimitSettings,
    private readonly maxTracked = MAX_TRACKED_ADDRESSES,
  ) {}

  /** Epoch ms until which sign-ins from `address` are refused, or null when they are not. */
  blockedUntil(address: string, now: number): number | null {
    if (this.settings.failures <= 0) return null;
    const times = this.inWindow(address, now);
    if (times.length < this.settings.failures) return null;
    return (times[0] as number) + this.settings.windowMs;
  }

  /** Counts a refused sign-in from `address` at `now`; returns when the block this refusal started ends, else null. */
  recordFailure(address: string, now: number): number | null {
    if (this.settings.failures <= 0) return null;
    const times = this.inWindow(address, now);
    times.push(now);
    if (times.length > this.settings.failures) times.splice(0, times.length - this.settings.failures);
    this.recent.delete(address);
    this.recent.set(address, times);
    if (this.recent.size > this.maxTracked) this.recent.delete(this.recent.keys().next().value as string);
    return times.length >= this.settings.failures ? (times[0] as number) + this.settings.windowMs : null;
  }

  /** Addresses with refusals in memory (bounded by the constructor's `maxTracked`). */
  trackedAddresses(): number {
    return this.recent.size;
  }

  private inWindow(address: string, now: number): number[] {
    const times = this.recent.get(address) ?? [];
    const since = now - this.settings.windowMs;
    let drop = 0;
    while (drop < times.length && (times[drop] as number) <= since) drop++;
    if (drop) times.splice(0, drop);
    if (times.length === 0) this.recent.delete(address);
    return times;
  }
}
