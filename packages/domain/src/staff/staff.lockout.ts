/** When repeated sign-in failures lock an account (CTI_STAFF_LOCKOUT_ATTEMPTS, CTI_STAFF_LOCKOUT_S). */
export interface LockoutSettings {
  /** Consecutive failures that lock the account. */
  attempts: number;
  /** How long the account stays locked, in milliseconds. */
  lockMs: number;
}

/** An account's failure count and lock as stored. */
export interface LockoutState {
  failedAttempts: number;
  /** Epoch ms until which sign-in is refused, or null. */
  lockedUntil: number | null;
}

/** True while the lock holds at `now`. */
export function isLocked(state: Pick<LockoutState, 'lockedUntil'>, now: number): boolean {
  return state.lockedUntil !== null && state.lockedUntil > now;
}

/**
 * The state after one more failed sign-in at `now`: the `attempts`-th consecutive failure locks the account for
 * `lockMs` and starts the count again, so after the lock another full series of failures is needed.
 */
export function afterFailedSignIn(state: LockoutState, now: number, settings: LockoutSettings): LockoutState & { lockedNow: boolean } {
  const failed = (isLocked(state, now) ? 0 : state.failedAttempts) + 1;
  if (failed >= settings.attempts) return { failedAttempts: 0, lockedUntil: now + settings.lockMs, lockedNow: true };
  return { failedAttempts: failed, lockedUntil: state.lockedUntil, lockedNow: false };
}
