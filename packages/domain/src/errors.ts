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
  | 'CTI_ERR_RATE_LIMITED';

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
