import type { Language } from '@cti/domain';

/** What a waiting caller hears and when; media are ARI media URIs (`sound:…`, `digits:…`, `number:…`). */
export interface CallerWaitSettings {
  /** Seconds a new caller has to press 2 before being queued as Mandarin (0 = queue at once). */
  languageWindowSeconds: number;
  /** Seconds between position/estimated-wait announcements (0 = never). */
  announceIntervalSeconds: number;
  /** Seconds of waiting before "press 1 to be called back, keeping your place" (0 = never). */
  virtualHoldAfterSeconds: number;
  /** Waiting calls at or above which the surge message plays and the callback is offered at once. */
  surgeWaitingCalls: number;
  /** Predicted wait (seconds) at or above which the same happens. */
  surgePredictedWaitSeconds: number;
  prompts: {
    /** The one short language prompt ("for Tibetan press 2"); silence means Mandarin. */
    language: string[];
    /** For a caller remembered as Tibetan-speaking: routed to Tibetan, told how to switch ("for Mandarin press 3"). */
    languageRemembered: string[];
    callbackOffer: string[];
    callbackConfirmed: string[];
    surge: string[];
  };
}

/**
 * Placeholder prompts from Asterisk's core sounds; production installs recorded Mandarin/Tibetan prompts
 * (e.g. `sound:custom/cti-lang`) and sets them in the ACD configuration file.
 */
export const defaultCallerWaitPrompts: CallerWaitSettings['prompts'] = {
  language: ['sound:for', 'sound:vm-press', 'digits:2'],
  languageRemembered: ['sound:for', 'sound:vm-press', 'digits:3'],
  callbackOffer: ['sound:to-call-this-number', 'sound:vm-press', 'digits:1'],
  callbackConfirmed: ['sound:auth-thankyou'],
  surge: ['sound:queue-periodic-announce'],
};

/** Position and estimated-wait announcement (Asterisk core sounds, as app_queue uses them). */
export function positionAnnouncement(position: number, estimatedWaitSeconds: number | undefined): string[] {
  const media = position <= 1 ? ['sound:queue-youarenext'] : ['sound:queue-thereare', `number:${position - 1}`, 'sound:queue-callswaiting'];
  if (estimatedWaitSeconds !== undefined) {
    const minutes = Math.round(estimatedWaitSeconds / 60);
    media.push('sound:queue-holdtime');
    if (minutes < 1) media.push('sound:queue-less-than', 'number:1', 'sound:queue-minute');
    else media.push(`number:${minutes}`, minutes === 1 ? 'sound:queue-minute' : 'sound:queue-minutes');
  }
  return media;
}

/** Remembers a caller's language by number (retention is the adapter's business). */
export interface LanguageMemory {
  find(callerNumber: string): Promise<Language | undefined>;
  remember(callerNumber: string, language: Language): Promise<void>;
}

/** A memory that remembers nothing (retention 0). */
export const noLanguageMemory: LanguageMemory = { find: async () => undefined, remember: async () => undefined };
