/** How long a staff session lives (CTI_STAFF_SESSION_IDLE_S, CTI_STAFF_SESSION_MAX_S). */
export interface SessionLifetime {
  /** A session unused this long (ms) has expired. */
  idleMs: number;
  /** A session this old (ms) has expired however much it is used. */
  absoluteMs: number;
}

/** Why a session stopped being accepted by itself. */
export type SessionExpiry = 'idle' | 'absolute';

/** When a session used last at `lastSeenAt` and created at `createdAt` expires (the earlier of the two limits). */
export function sessionExpiresAt(session: { createdAt: number; lastSeenAt: number }, lifetime: SessionLifetime): number {
  return Math.min(session.lastSeenAt + lifetime.idleMs, session.createdAt + lifetime.absoluteMs);
}

/** Whether the session has expired at `now`, and which limit ended it (absolute wins when both have passed). */
export function sessionExpiredBy(session: { createdAt: number; lastSeenAt: number }, lifetime: SessionLifetime, now: number): SessionExpiry | null {
  if (now >= session.createdAt + lifetime.absoluteMs) return 'absolute';
  if (now >= session.lastSeenAt + lifetime.idleMs) return 'idle';
  return null;
}
