import { maskPhone, type AcdEngine, type Clock, type Language } from '@cti/domain';
import { isAsteriskFailure } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { CallRecordSink } from './call-record.sink.js';
import { toCallRecord, type CallSession } from './call-session.js';
import type { CallChanges } from './call.changes.js';
import type { CallRegistry } from './call.registry.js';
import type { CallTelephony } from './call-telephony.port.js';
import { positionAnnouncement, type CallerWaitSettings, type LanguageMemory } from './caller-wait.js';
import type { OutboundWork } from './outbound-work.port.js';

/**
 * Longest a line greeting holds back the language window (seconds): the window runs from the greeting's end, or from
 * this long after the call came in should the end never be heard of (an ARI reconnect, a restart).
 */
export const LINE_GREETING_MAX_S = 30;

/** What the caller's wait needs to know beyond the calls themselves. */
export interface CallerWaitOptions {
  /** Announcements, callback offer and surge; absent = none of them (silent hold music). */
  wait?: CallerWaitSettings;
  languages: LanguageMemory;
  /** Who takes a caller's place when they choose a callback; absent = no callback is offered. */
  outbound?: OutboundWork;
  /** The Asterisk sound name of a line's own greeting (merged hotlines), by DID; absent or undefined = none. */
  lineGreeting?: (did: string) => string | undefined;
}

/**
 * What a waiting caller hears and is offered: hold music, announcements over it (playback bookkeeping), position and
 * estimated-wait announcements, the callback offer and the surge message, and the caller's remembered language.
 */
export class CallerWaitService {
  /** Playback id → what to do when it finishes. */
  private readonly playbacks = new Map<string, { callId: string; then: 'moh' | 'hangup'; media: string[] }>();
  private playbackSeq = 0;

  constructor(
    private readonly registry: CallRegistry,
    private readonly telephony: CallTelephony,
    private readonly acd: Pick<AcdEngine, 'queue'>,
    private readonly sink: CallRecordSink,
    private readonly notifier: EventPublisher,
    private readonly changes: CallChanges,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: CallerWaitOptions,
  ) {}

  /**
   * A caller who must wait: answered (if not yet) and given hold music — after their line's own greeting, the first
   * time, when the line has one (a caller an agent takes at once is greeted by the agent, whose desk shows the number it came in on).
   */
  async hold(s: CallSession): Promise<void> {
    if (!s.callerAnswered) {
      s.callerAnswered = true;
      try {
        await this.telephony.answer(s.callId);
      } catch (err) {
        s.callerAnswered = false; // not known to be answered: the agent's connect answers them (again, harmlessly)
        throw err;
      }
    }
    if (s.phase !== 'queued') return;
    const greeting = this.lineGreetingMedia(s);
    if (!greeting.length) {
      await this.telephony.startMoh(s.callId);
      return;
    }
    // Announcements count from the greeting's start, so the first position announcement does not follow it at once.
    s.lastAnnouncedAt = this.clock.now();
    await this.announce(s, greeting);
  }

  /**
   * hold() for a caller who is in the queue already (rung at a seat that did not answer, or found after a restart).
   * When Asterisk does not carry it out (no answer in time under overload, or refused), the caller keeps their place
   * hearing ringing: sending them away would only lose them a place they still have. Faults of our own still reject.
   */
  async holdInQueue(s: CallSession): Promise<void> {
    try {
      await this.hold(s);
    } catch (err) {
      if (!isAsteriskFailure(err)) throw err;
      this.waitDegraded(s, err as Error);
    }
  }

  /** Says (log, event, metric) that a waiting caller keeps their place without what Asterisk did not do for them. */
  waitDegraded(s: CallSession, err: Error): void {
    this.log.warn({ callId: s.callId, err: err.message }, 'Asterisk did not carry out a request for a waiting caller; they keep their place without hold music');
    this.notifier.publish({ type: 'call.wait_degraded', at: this.clock.now(), callId: s.callId, reason: err.message });
  }

  /**
   * The call's line greeting to play before anything else, once (merged hotlines, docs/domain.md §18): its media, with
   * the call marked as being greeted; none when the line has no greeting or the caller heard it already.
   */
  lineGreetingMedia(s: CallSession): string[] {
    if (s.lineGreeting) return [];
    const greeting = this.options.lineGreeting?.(s.did);
    if (greeting === undefined) return [];
    s.lineGreeting = 'playing';
    this.log.info({ callId: s.callId, did: s.did, greeting }, 'line greeting');
    return [`sound:${greeting}`];
  }

  /** Interrupts the hold music with `media`; the music resumes when it finishes. */
  async announce(s: CallSession, media: string[], then: 'moh' | 'hangup' = 'moh'): Promise<void> {
    const playbackId = `${s.callId}-pb${++this.playbackSeq}`;
    if (s.playbackId) {
      this.playbacks.delete(s.playbackId);
      await this.telephony.stopPlayback(s.playbackId).catch(() => undefined);
    }
    s.playbackId = playbackId;
    this.playbacks.set(playbackId, { callId: s.callId, then, media });
    await this.telephony.stopMoh(s.callId).catch(() => undefined);
    try {
      await this.telephony.play(s.callId, playbackId, media);
    } catch (err) {
      this.playbacks.delete(playbackId);
      s.playbackId = undefined;
      this.log.warn({ callId: s.callId, err: (err as Error).message }, 'announcement failed; back to hold music');
      if (then === 'hangup') await this.telephony.hangup(s.callId).catch(() => undefined);
      else if (s.phase === 'queued') await this.telephony.startMoh(s.callId);
    }
  }

  /** A playback ended: resume the hold music, or hang up after a farewell. */
  playbackFinished(playbackId: string, failed = false): void {
    const pending = this.playbacks.get(playbackId);
    if (!pending) return;
    this.playbacks.delete(playbackId);
    if (pending.then === 'hangup') {
      void this.telephony.hangup(pending.callId).catch(() => undefined);
      return;
    }
    const s = this.registry.find(pending.callId);
    if (!s || s.playbackId !== playbackId) return;
    // Asterisk also says failed when the caller leaves mid-prompt; with the caller still waiting here, a prompt they did
    // not hear (its sound file missing on this Asterisk) is worth an operator's look. The call goes on.
    if (failed && s.phase === 'queued') this.log.warn({ callId: s.callId, playbackId, media: pending.media }, 'announcement could not be played (sound file missing?)');
    if (s.lineGreeting === 'playing') {
      s.lineGreeting = failed ? 'failed' : 'played';
      // The language window waited for the greeting (see CallAdmission): it runs from the greeting's end.
      if (s.languagePendingUntil !== undefined) s.languagePendingUntil = Math.min(s.languagePendingUntil, this.clock.now() + (this.options.wait?.languageWindowSeconds ?? 0) * 1000);
    }
    s.playbackId = undefined;
    if (s.phase === 'queued') void this.telephony.startMoh(s.callId).catch(() => undefined);
  }

  /** The caller's seat is ringing: no announcement should talk over the agent's greeting. */
  stopForRinging(s: CallSession): void {
    if (!s.playbackId) return;
    if (s.lineGreeting === 'playing') s.lineGreeting = 'cut';
    this.playbacks.delete(s.playbackId);
    void this.telephony.stopPlayback(s.playbackId).catch(() => undefined);
    s.playbackId = undefined;
    void this.telephony.startMoh(s.callId).catch(() => undefined);
  }

  /** Position/wait announcements, the callback offer after a long wait, and the surge message. */
  announceToWaiting(): void {
    const wait = this.options.wait;
    if (!wait) return;
    const now = this.clock.now();
    const queue = this.acd.queue();
    const longestPredicted = queue.length ? this.estimatedWait(queue.length) : undefined;
    const surge = queue.length >= wait.surgeWaitingCalls || (longestPredicted ?? 0) >= wait.surgePredictedWaitSeconds;
    for (const w of queue) {
      const s = this.registry.find(w.callId);
      if (!s || s.phase !== 'queued' || s.playbackId || s.queuedAt === undefined) continue;
      const waited = (now - s.queuedAt) / 1000;
      if (!s.callbackOffered && this.options.outbound && (surge || (wait.virtualHoldAfterSeconds > 0 && waited >= wait.virtualHoldAfterSeconds))) {
        s.callbackOffered = true;
        s.lastAnnouncedAt = now;
        void this.announce(s, surge ? [...wait.prompts.surge, ...wait.prompts.callbackOffer] : wait.prompts.callbackOffer);
      } else if (wait.announceIntervalSeconds > 0 && now - (s.lastAnnouncedAt ?? s.queuedAt) >= wait.announceIntervalSeconds * 1000) {
        s.lastAnnouncedAt = now;
        void this.announce(s, positionAnnouncement(w.position, this.estimatedWait(w.position)));
      }
    }
  }

  /** The caller pressed 1 after the callback offer: hand their place to the callback service and say goodbye. */
  callbackRequested(callId: string): void {
    const s = this.registry.find(callId);
    const outbound = this.options.outbound;
    if (!s || s.phase !== 'queued' || !s.callbackOffered || !outbound) return;
    const now = this.clock.now();
    s.callbackRequestedAt = now;
    s.phase = 'ended';
    this.registry.remove(callId);
    outbound.takeVirtualHold({ callId, callerNumber: s.callerNumber, did: s.did, language: s.language, trunk: s.trunk, requestedAt: now });
    const record = toCallRecord(s, now, 'caller');
    this.log.info({ callId, caller: maskPhone(s.callerNumber) }, 'caller chose a callback keeping their place');
    this.notifier.publish({ type: 'call.callback_requested', at: now, callId });
    void this.sink.publish(record);
    const prompts = this.options.wait?.prompts.callbackConfirmed ?? [];
    if (prompts.length) void this.announce(s, prompts, 'hangup');
    else void this.telephony.hangup(callId).catch(() => undefined);
    this.changes.changed();
  }

  /** The language remembered for the caller's number, if any, within 300 ms. */
  async rememberedLanguage(callerNumber: string): Promise<Language | undefined> {
    if (!callerNumber) return undefined;
    // The memory is a convenience: a slow or absent Redis must not delay the call.
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 300).unref?.());
    return Promise.race([this.options.languages.find(callerNumber).catch(() => undefined), timeout]);
  }

  /** Remembers the language a caller chose for their next call (in the background). */
  rememberLanguage(callerNumber: string, language: Language): void {
    if (callerNumber) void this.options.languages.remember(callerNumber, language).catch(() => undefined);
  }

  /** Estimated wait in seconds for a caller at `position`, from recent answer times. */
  estimatedWait(position: number): number | undefined {
    return this.registry.estimatedWait(position, this.clock.now());
  }
}
