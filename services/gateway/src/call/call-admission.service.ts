import { maskPhone, type AcdEngine, type Clock, type Language, type TrunkName } from '@cti/domain';
import { isAsteriskFailure, type ChannelInfo } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { CallSession } from './call-session.js';
import type { CallEnding } from './call-ending.service.js';
import type { CallRegistry } from './call.registry.js';
import type { CallRouting } from './call-routing.service.js';
import type { CallTelephony } from './call-telephony.port.js';
import type { CallerWaitSettings } from './caller-wait.js';
import { LINE_GREETING_MAX_S, type CallerWaitService } from './caller-wait.service.js';

/**
 * Admits citizens' inbound calls: answers (or leaves ringing) a new caller, makes the call's bridge in advance, plays
 * the language prompt and queues them once they chose or the window passed. Adopts callers a reconcile found waiting.
 */
export class CallAdmission {
  constructor(
    private readonly registry: CallRegistry,
    private readonly telephony: CallTelephony,
    private readonly acd: Pick<AcdEngine, 'setLanguage' | 'findCall'>,
    private readonly routing: Pick<CallRouting, 'enterQueue' | 'dispatch'>,
    private readonly wait: Pick<CallerWaitService, 'holdInQueue' | 'announce' | 'rememberedLanguage' | 'rememberLanguage' | 'lineGreetingMedia' | 'waitDegraded'>,
    private readonly ending: Pick<CallEnding, 'sendToFallback'>,
    private readonly notifier: EventPublisher,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Announcements and the language window; absent = none (silent hold music). */
    private readonly waitSettings: CallerWaitSettings | undefined,
  ) {}

  /** A citizen's call entered the Stasis app from a trunk: answer, hold music, queue. */
  async inbound(channel: ChannelInfo, trunk: TrunkName, did: string, adopted = false): Promise<void> {
    if (this.registry.has(channel.id)) return;
    const now = this.clock.now();
    const session: CallSession = {
      callId: channel.id,
      trunk,
      callerNumber: channel.callerNumber,
      did,
      language: 'mandarin',
      phase: 'queued',
      arrivedAt: Math.min(now, channel.createdAt || now),
      offers: 0,
    };
    this.registry.add(session);
    this.log.info({ callId: session.callId, trunk, did, caller: maskPhone(session.callerNumber) }, 'call arrived');
    const wait = this.waitSettings;
    if (!adopted && (!wait || wait.languageWindowSeconds === 0)) return this.inboundWithoutPrompt(session);
    try {
      let answerFailure: unknown;
      const answering = adopted && channel.state === 'Up' ? Promise.resolve() : this.telephony.answer(session.callId).catch((err: unknown) => void (answerFailure = err));
      session.callerAnswered = true;
      // The call's bridge is made while the caller is answered, so connecting an agent later is one round trip.
      const bridgeId = `bridge-${session.callId}`;
      const bridging = adopted ? Promise.resolve(false) : this.telephony.createBridge(bridgeId).then(() => true, () => false);
      const [, remembered, bridged] = await Promise.all([answering, this.wait.rememberedLanguage(session.callerNumber), bridging]);
      if (bridged) session.bridgeId = bridgeId; // owned by the call from here, whatever the answer did
      if (session.phase !== 'queued') {
        if (bridged) void this.telephony.destroyBridge(bridgeId).catch(() => undefined); // hung up while we answered
        return;
      }
      if (remembered) {
        session.language = remembered;
        session.languageRemembered = true;
      }
      if (answerFailure !== undefined) {
        session.callerAnswered = false; // the agent's connect answers them
        throw answerFailure;
      }
      // An adopted caller (found waiting after a restart) keeps the place and the wait since arrival.
      session.queuedAt = adopted ? session.arrivedAt : this.clock.now();
      session.lastAnnouncedAt = session.queuedAt;
      if (!adopted && wait && wait.languageWindowSeconds > 0 && !remembered) {
        await this.telephony.startMoh(session.callId);
        if (session.phase !== 'queued') return;
        // A new caller first hears their line's greeting, if it has one, then the one short language prompt; silence
        // means Mandarin once the window passes (counted from the greeting's end when there is one).
        const greeting = this.wait.lineGreetingMedia(session);
        session.languagePendingUntil = session.queuedAt + (wait.languageWindowSeconds + (greeting.length ? LINE_GREETING_MAX_S : 0)) * 1000;
        const media = [...greeting, ...wait.prompts.language];
        if (media.length) await this.wait.announce(session, media);
        return;
      }
      // Ring a seat without waiting for the hold music to start.
      const moh = this.telephony.startMoh(session.callId);
      this.routing.enterQueue(session);
      await moh;
      if (session.phase !== 'queued' || adopted) return; // a seat is ringing already, or the caller heard the prompt before
      const prompt = [...this.wait.lineGreetingMedia(session), ...(remembered === 'tibetan' ? (wait?.prompts.languageRemembered ?? []) : [])];
      if (prompt.length) await this.wait.announce(session, prompt);
    } catch (err) {
      await this.admissionFailed(session, err);
    }
  }

  /**
   * Without a language prompt to play, a caller an agent can take at once is not answered yet: they hear ringing
   * (the dialplan sends 180 before Stasis) while the seat rings and are answered when the agent answers. Only a caller
   * who must wait is answered and hears hold music. The call's bridge is made meanwhile, off the path to the seat:
   * the seat is dialled first, and connecting the agent waits for the bridge.
   */
  private async inboundWithoutPrompt(session: CallSession): Promise<void> {
    try {
      const remembered = await this.wait.rememberedLanguage(session.callerNumber);
      if (session.phase !== 'queued') return;
      if (remembered) {
        session.language = remembered;
        session.languageRemembered = true;
      }
      session.queuedAt = this.clock.now();
      session.lastAnnouncedAt = session.queuedAt;
      this.routing.enterQueue(session);
      // After the seat's dial request (enterQueue → dispatch), so that request goes out first.
      if ((session.phase as CallSession['phase']) !== 'ended') this.prepareBridge(session);
      if (session.phase === 'queued') await this.wait.holdInQueue(session); // dispatch() may have moved it on
    } catch (err) {
      await this.admissionFailed(session, err);
    }
  }

  /**
   * Admitting a caller failed half-way. When Asterisk did not carry out a request (no answer in time under overload,
   * or refused because the channel went: its StasisEnd ends the call), the caller is not sent away for it: they keep
   * their place, entering the queue now unless their language window is still open, and hear ringing (or silence)
   * until a seat takes them; the agent's connect answers them. Under overload waiting longer is the better service,
   * and the fallback queue needs Asterisk too. A fault of our own still hands them to the fallback queue.
   */
  private async admissionFailed(s: CallSession, err: unknown): Promise<void> {
    if (s.phase === 'ended') return; // the caller hung up meanwhile
    if (!isAsteriskFailure(err)) return this.ending.sendToFallback(s, err);
    this.wait.waitDegraded(s, err as Error);
    // Moved on to a seat meanwhile, or held by the language window or the queue already: nothing more to do.
    if (s.phase !== 'queued' || s.languagePendingUntil !== undefined || this.acd.findCall(s.callId)) return;
    s.queuedAt ??= this.clock.now();
    s.lastAnnouncedAt ??= s.queuedAt;
    this.routing.enterQueue(s);
  }

  /** Creates the call's bridge in the background; the agent's connect awaits it before joining the agent. */
  private prepareBridge(s: CallSession): void {
    const bridgeId = `bridge-${s.callId}`;
    const pending = this.telephony.createBridge(bridgeId).then(
      () => {
        if (s.phase === 'ended') void this.telephony.destroyBridge(bridgeId).catch(() => undefined); // hung up meanwhile
        else s.bridgeId ??= bridgeId;
      },
      (err: Error) => this.log.warn({ callId: s.callId, err: err.message }, 'call bridge not made in advance; made at connect'),
    );
    this.registry.addPendingBridge(s.callId, pending);
  }

  /**
   * The caller chose a language (DTMF 2 = Tibetan, 3 = Mandarin); remembered for their next call. During the language
   * window this queues them at once; later it changes the language they wait for.
   */
  languageChosen(callId: string, language: Language): void {
    const s = this.registry.find(callId);
    if (!s || s.phase !== 'queued') return;
    s.language = language;
    s.languageRemembered = false;
    this.wait.rememberLanguage(s.callerNumber, language);
    if (s.languagePendingUntil !== undefined) {
      // Answered the prompt: queue now, no need to wait out the window.
      this.notifier.publish({ type: 'call.language', at: this.clock.now(), callId, language });
      this.routing.enterQueue(s);
      return;
    }
    try {
      this.acd.setLanguage(callId, language);
    } catch (err) {
      this.log.warn({ callId, err: (err as Error).message }, 'language change ignored');
    }
    this.notifier.publish({ type: 'call.language', at: this.clock.now(), callId, language });
    this.routing.dispatch();
  }
}
