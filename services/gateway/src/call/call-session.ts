import type { CallRecord, Language, TrunkName } from '@cti/domain';

/** Where a live inbound call is in its life. */
export type CallPhase = 'queued' | 'ringing' | 'connected' | 'ended';

/** The gateway's live view of one inbound call (the caller's channel id is the call id and linkedid). */
export interface CallSession {
  callId: string;
  trunk: TrunkName;
  callerNumber: string;
  did: string;
  language: Language;
  /** The language came from the caller's number's memory (the desk marks it), not from this call's keys. */
  languageRemembered?: boolean;
  phase: CallPhase;
  arrivedAt: number;
  queuedAt?: number;
  offeredAt?: number;
  answeredAt?: number;
  agentId?: string;
  seat?: string;
  /** The agent leg currently ringing or connected. */
  agentChannelId?: string;
  bridgeId?: string;
  offers: number;
  /** The caller's channel was answered (callers an agent takes at once only hear ringing until the agent answers). */
  callerAnswered?: boolean;
  /** A new caller hears the language prompt; they are queued (as Mandarin unless they press 2) at this time. */
  languagePendingUntil?: number;
  /** When the caller last heard a position/wait announcement (or was queued). */
  lastAnnouncedAt?: number;
  /** The virtual-hold callback offer was played. */
  callbackOffered?: boolean;
  /**
   * Their line's own greeting (merged hotlines, docs/domain.md §18), played once to a caller who waits: playing, played,
   * failed (Asterisk could not play the sound) or cut (a seat rang first); absent = not played.
   */
  lineGreeting?: 'playing' | 'played' | 'failed' | 'cut';
  /** The playback currently interrupting the hold music. */
  playbackId?: string;
  /** The caller accepted a callback that keeps their place; the channel is gone, the place is not. */
  callbackRequestedAt?: number;
  /** Name of the call's recording (relative to the recordings directory), set by call control. */
  recording?: string;
}

/** The call record of a session that ended now. */
export function toCallRecord(s: CallSession, endedAt: number, endedBy: CallRecord['endedBy']): CallRecord {
  const answered = s.answeredAt !== undefined;
  return {
    linkedId: s.callId,
    trunk: s.trunk,
    callerNumber: s.callerNumber,
    did: s.did,
    language: s.language,
    arrivedAt: s.arrivedAt,
    ...(s.queuedAt !== undefined && { queuedAt: s.queuedAt }),
    ...(s.offeredAt !== undefined && { offeredAt: s.offeredAt }),
    ...(s.answeredAt !== undefined && { answeredAt: s.answeredAt }),
    endedAt,
    ...(answered && s.agentId !== undefined && { agentId: s.agentId }),
    ...(answered && s.seat !== undefined && { seat: s.seat }),
    outcome: answered ? 'answered' : s.queuedAt !== undefined ? 'abandoned' : 'failed',
    endedBy,
    offers: s.offers,
    ...(s.callbackRequestedAt !== undefined && { callbackRequestedAt: s.callbackRequestedAt }),
    ...(s.recording !== undefined && { recording: s.recording }),
  };
}
