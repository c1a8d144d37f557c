/** Q.850 cause Asterisk gives a leg it hung up because it heard no RTP from it for rtp_timeout (a dead leg). */
export const HANGUP_CAUSE_NO_MEDIA = 44;
/** Q.850 cause of a leg whose SIP session timer expired without a refresh (a dead leg whose media may be off). */
export const HANGUP_CAUSE_SESSION_EXPIRED = 102;

/** Which carrier trunk a call arrived on or left by. */
export type TrunkName = 'primary' | 'backup';

/** How a citizen's call ended for the answer-rate count. */
export type CallOutcome = 'answered' | 'abandoned' | 'failed';

/**
 * What the gateway knows of one finished inbound call; the worker turns it into a call row and a ticket.
 * Keyed by Asterisk's linkedid so redelivery is idempotent. Times are epoch milliseconds.
 */
export interface CallRecord {
  /** Asterisk linkedid of the caller's channel: the idempotency key everywhere. */
  linkedId: string;
  /** Trunk the call arrived on. */
  trunk: TrunkName;
  /** Caller's number as received (personal data: mask it in logs). */
  callerNumber: string;
  /** Dialled number (12345 or a merged hotline's DID). */
  did: string;
  /** Caller's language as known when the call ended. */
  language: 'mandarin' | 'tibetan';
  arrivedAt: number;
  /** When the call entered the agent queue; absent if it never did. */
  queuedAt?: number;
  /** When the first agent's seat started ringing. */
  offeredAt?: number;
  answeredAt?: number;
  endedAt: number;
  agentId?: string;
  seat?: string;
  outcome: CallOutcome;
  /** Who hung up first, when known. */
  endedBy?: 'caller' | 'agent' | 'system';
  /**
   * Q.850 cause with which the leg that ended the call (endedBy) went away, when Asterisk reported it: 16 = hung up,
   * HANGUP_CAUSE_NO_MEDIA = vanished (no RTP), HANGUP_CAUSE_SESSION_EXPIRED = vanished (SIP session timer).
   */
  hangupCause?: number;
  /** How many seats rang for this call (ring-no-answer included). */
  offers: number;
  /** True when the call was served by the dialplan fallback queue (gateway down). */
  viaFallback?: boolean;
  /**
   * When the caller accepted a callback that keeps their place (virtual hold) and hung up.
   * Such a call is not answered; its callback's outcome is an OutboundCallbackResult.
   */
  callbackRequestedAt?: number;
  /** The call's recording, relative to the recordings directory (`YYYY/MM/DD/<linkedId>.wav`), when recorded. */
  recording?: string;
}
