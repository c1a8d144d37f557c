/** Stable error codes shared by every layer; only the HTTP layer maps them to status codes. */
export type CtiErrorCode =
  | 'CTI_ERR_VALIDATION'
  | 'CTI_ERR_NOT_FOUND'
  | 'CTI_ERR_NO_SUCH_CALL'
  | 'CTI_ERR_NO_SUCH_AGENT'
  | 'CTI_ERR_INVALID_STATE'
  | 'CTI_ERR_FORBIDDEN'
  | 'CTI_ERR_UNAUTHORIZED'
  | 'CTI_ERR_CONFLICT'
  | 'CTI_ERR_INVALID_TRANSITION'
  | 'CTI_ERR_UNAVAILABLE'
  /** A per-principal quota is used up (e.g. ticket rows read per hour). */
  | 'CTI_ERR_RATE_LIMITED'
  /** Sign-in refused: unknown username or wrong password (the same answer for both). */
  | 'CTI_ERR_AUTH_FAILED'
  /** Sign-in refused: too many consecutive failures; `details.lockedUntil`, `details.retryAfterSeconds`. */
  | 'CTI_ERR_AUTH_LOCKED'
  /** Sign-in refused: the account is disabled (said only to someone who gave its right password). */
  | 'CTI_ERR_AUTH_DISABLED'
  /** The staff session expired; `details.reason` is `idle` or `absolute`. */
  | 'CTI_ERR_AUTH_SESSION_EXPIRED'
  /** The staff session cookie names no live session (logged out, ended by an admin, or never issued). */
  | 'CTI_ERR_AUTH_SESSION_ENDED'
  /** A cookie-authenticated unsafe request without the session's `x-csrf-token`, or a cross-origin stream. */
  | 'CTI_ERR_AUTH_CSRF';

/** A domain error with a stable code and details safe to show to the caller. */
export class CtiError extends Error {
  constructor(
    readonly code: CtiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CtiError';
  }
}
