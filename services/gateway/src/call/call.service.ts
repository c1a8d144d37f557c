import { estimateWaitSeconds, maskPhone, type AcdEngine, type Assignment, type CallRecord, type Clock, type Language, type TrunkName } from '@cti/domain';
import { INBOUND_ROLE, LEG_VARS, spiedChannelOf, type ChannelInfo, type TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { CallRecordSink } from './call-record.sink.js';
import type { EventPublisher } from '../events/event-bus.js';
import { toCallRecord, type CallSession } from './call-session.js';
import { noLanguageMemory, positionAnnouncement, type CallerWaitSettings, type LanguageMemory } from './caller-wait.js';

/** Settings the call logic needs. */
export interface CallServiceSettings {
  ringTimeoutSeconds: number;
  /** Dialplan context that queues a caller natively when the gateway cannot serve them. */
  fallbackContext: string;
  /** Announcements, callback offer and surge; absent = none of them (silent hold music). */
  wait?: CallerWaitSettings;
}

/** A waiting caller who pressed 1: their place in the queue now belongs to the callback service. */
export interface VirtualHoldRequest {
  callId: string;
  callerNumber: string;
  did: string;
  language: Language;
  trunk: TrunkName;
  requestedAt: number;
}

/** Work in the ACD queue that is not a live inbound caller (callbacks); owned by the callback service. */
export interface OutboundWork {
  owns(callId: string): boolean;
  /** The ACD matched an agent with this outbound work. */
  assigned(a: Assignment): void;
  /** Takes over a waiting caller's queue entry (same call id, same place). */
  takeVirtualHold(request: VirtualHoldRequest): void;
}

/** The gateway's live call state, JSON-serialisable for persistence across restarts. */
export interface CallServiceSnapshot {
  sessions: CallSession[];
  legs: Array<[string, string]>;
  legSeq: number;
  recentAnswers: number[];
}

const RECENT_ANSWERS = 50;
/** Channels a reconcile asks Asterisk about at once (their tags): bounded, not one awaited request after another. */
const RECONCILE_CONCURRENCY = 16;

/** Maps items with at most `limit` promises in flight; results in input order. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** How long a record waits for the ChannelDestroyed (and its cause) that follows a StasisEnd at once. */
const CAUSE_WAIT_MS = 1_000;

/** How the leg that ended a call went: its Q.850 cause, or 'follows' (StasisEnd: ChannelDestroyed brings the cause). */
type LegDeparture = number | 'follows' | undefined;

/**
 * The life of inbound calls: queue, ring an agent's seat, bridge, end, record.
 * Every public method is safe to call from an ARI event: failures are logged and the caller is
 * sent back to the dialplan fallback rather than stranded.
 */
export class CallService {
  private readonly sessions = new Map<string, CallSession>();
  /** Agent leg channel id → call id. */
  private readonly legs = new Map<string, string>();
  /** Bridges being created in advance, by call id (see prepareBridge). */
  private readonly bridging = new Map<string, Promise<void>>();
  private legSeq = 0;
  /** Legs of live calls found by a reconcile that no feature remembers (channel id → call id): hung up with the call. */
  private readonly ownedLegs = new Map<string, string>();
  /** Parties of bridges no live call owns (see watchOrphanBridge), by channel id. */
  private readonly orphans = new Map<string, { bridgeId: string; members: Set<string> }>();
  /** Playback id → what to do when it finishes. */
  private readonly playbacks = new Map<string, { callId: string; then: 'moh' | 'hangup' }>();
  private playbackSeq = 0;
  /** When recent calls were answered, for the estimated wait. */
  private recentAnswers: number[] = [];
  private outbound: OutboundWork | undefined;
  /** Records of calls whose leg left Stasis, by that channel, until its ChannelDestroyed gives the hang-up cause. */
  private readonly awaitingCause = new Map<string, { record: CallRecord; timer: ReturnType<typeof setTimeout> }>();
  /**
   * No seat is rung while restored state waits for its first reconcile, nor while a reconcile runs: reconcile works
   * from one listing of Asterisk's channels, and a seat rung (and answered) meanwhile would look like a vanished leg.
   */
  private routingHeld = false;
  private reconciling = 0;
  /** Called after every change of calls or ACD state (persistence hooks here). */
  onChange: () => void = () => undefined;

  constructor(
    private readonly telephony: TelephonyPort,
    private readonly acd: AcdEngine,
    private readonly sink: CallRecordSink,
    private readonly notifier: EventPublisher,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: CallServiceSettings,
    private readonly languages: LanguageMemory = noLanguageMemory,
  ) {}

  /** Connects the owner of callback work in the queue. */
  attachOutbound(outbound: OutboundWork): void {
    this.outbound = outbound;
  }

  /**
   * Whether callers are being routed to seats: false from a restore until the reconcile with Asterisk that follows
   * it has finished (restored calls are checked, legs found in Stasis adopted or hung up), and during any reconcile.
   */
  isRouting(): boolean {
    return !this.routingHeld && this.reconciling === 0;
  }

  /** The state to persist. */
  snapshot(): CallServiceSnapshot {
    return { sessions: [...this.sessions.values()].map((s) => ({ ...s })), legs: [...this.legs], legSeq: this.legSeq, recentAnswers: [...this.recentAnswers] };
  }

  /** Restores persisted state (before the first ARI connection; reconcile() then checks it against Asterisk). */
  restore(snapshot: CallServiceSnapshot): void {
    this.routingHeld = true; // until reconcile() has checked the restored calls against Asterisk
    this.sessions.clear();
    this.legs.clear();
    for (const s of snapshot.sessions) this.sessions.set(s.callId, { ...s, playbackId: undefined });
    for (const [leg, callId] of snapshot.legs) this.legs.set(leg, callId);
    this.legSeq = snapshot.legSeq;
    this.recentAnswers = [...snapshot.recentAnswers];
  }

  /** Estimated wait in seconds for a caller at `position`, from recent answer times. */
  estimatedWait(position: number): number | undefined {
    return estimateWaitSeconds(position, this.recentAnswers, this.clock.now());
  }

  /** Live sessions (for the API and tests). */
  liveCalls(): CallSession[] {
    return [...this.sessions.values()];
  }

  /** Finds a live session by call id. */
  findCall(callId: string): CallSession | undefined {
    return this.sessions.get(callId);
  }

  // ---- the port call control (services/gateway/src/control) uses; it never touches sessions otherwise ----

  /** The connected call an agent is talking on (their leg attached), if any. */
  findCallByAgent(agentId: string): CallSession | undefined {
    for (const s of this.sessions.values()) if (s.phase === 'connected' && s.agentId === agentId && s.agentChannelId) return s;
    return undefined;
  }

  /** Notes the call's recording name, referenced from its call record. */
  noteRecording(callId: string, name: string): void {
    const s = this.sessions.get(callId);
    if (s && s.recording === undefined) s.recording = name;
  }

  /**
   * The agent leaves a call that stays up (blind transfer, completed transfer): the agent is free in the ACD and
   * their leg is forgotten, not hung up (the caller of this does that). The caller stays in the call's bridge until
   * attachAgentLeg, requeue or handOff. Returns the released agent and leg.
   */
  releaseAgent(callId: string): { agentId: string; legId: string } | undefined {
    const s = this.sessions.get(callId);
    if (!s || s.phase !== 'connected' || !s.agentChannelId) return undefined;
    const released = { agentId: s.agentId as string, legId: s.agentChannelId };
    this.legs.delete(s.agentChannelId);
    s.agentChannelId = undefined;
    try {
      this.acd.callEnded(released.agentId, callId);
    } catch (err) {
      this.log.warn({ callId, err: (err as Error).message }, 'ACD did not know the released call');
    }
    this.notifier.publish({ type: 'call.agent_released', at: this.clock.now(), callId, agentId: released.agentId });
    this.changed();
    this.dispatch();
    return released;
  }

  /** Another agent answered for a call whose agent was released (transfer): their leg becomes the call's agent leg. */
  attachAgentLeg(callId: string, agent: { agentId: string; seat: string; legId: string }): boolean {
    const s = this.sessions.get(callId);
    if (!s || s.phase !== 'connected' || s.agentChannelId) return false;
    s.agentId = agent.agentId;
    s.seat = agent.seat;
    s.agentChannelId = agent.legId;
    this.legs.set(agent.legId, callId);
    this.notifier.publish({ type: 'call.connected', at: this.clock.now(), callId, agentId: agent.agentId, seat: agent.seat, transferred: true });
    this.changed();
    return true;
  }

  /**
   * Blind transfer to a skill or back to the queue: the current agent (if any) is released and their leg hung up;
   * the caller hears music in the call's bridge, first in line, until the next agent answers into that bridge.
   */
  async requeue(callId: string, target: { requiredSkill?: string } = {}): Promise<boolean> {
    const s = this.sessions.get(callId);
    if (!s || s.phase !== 'connected') return false;
    const released = this.releaseAgent(callId);
    if (released) await this.telephony.hangup(released.legId).catch(() => undefined);
    s.phase = 'queued';
    if (s.bridgeId) await this.telephony.bridgeMoh(s.bridgeId, true).catch(() => undefined);
    this.acd.enqueue({ callId, line: s.did, language: s.language, priority: 1000, enqueuedAt: this.clock.now(), ...(target.requiredSkill && { requiredSkill: target.requiredSkill }) });
    this.notifier.publish({ type: 'call.requeued', at: this.clock.now(), callId, requiredSkill: target.requiredSkill ?? null });
    this.dispatch();
    return true;
  }

  /**
   * The call goes on without any agent (hand-off to a partner line, transfer to an outside number): the call record
   * is published now, and the caller's channel and bridge belong to the caller of this from here on.
   */
  handOff(callId: string): CallSession | undefined {
    const s = this.sessions.get(callId);
    if (!s || s.phase !== 'connected') return undefined;
    this.releaseAgent(callId);
    s.phase = 'ended';
    this.sessions.delete(callId);
    const record = toCallRecord(s, this.clock.now(), 'agent');
    this.log.info({ callId, agentId: s.agentId }, 'call handed off; the agent left');
    this.notifier.publish({ type: 'call.ended', at: this.clock.now(), callId, outcome: record.outcome, agentId: record.agentId, handedOff: true });
    void this.sink.publish(record);
    this.changed();
    return s;
  }

  /** A citizen's call entered the Stasis app from a trunk: answer, hold music, queue. */
  async inbound(channel: ChannelInfo, trunk: TrunkName, did: string, adopted = false): Promise<void> {
    if (this.sessions.has(channel.id)) return;
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
    this.sessions.set(session.callId, session);
    this.log.info({ callId: session.callId, trunk, did, caller: maskPhone(session.callerNumber) }, 'call arrived');
    const wait = this.settings.wait;
    if (!adopted && (!wait || wait.languageWindowSeconds === 0)) return this.inboundWithoutPrompt(session);
    try {
      const answering = adopted && channel.state === 'Up' ? Promise.resolve() : this.telephony.answer(session.callId);
      session.callerAnswered = true;
      // The call's bridge is made while the caller is answered, so connecting an agent later is one round trip.
      const bridgeId = `bridge-${session.callId}`;
      const bridging = adopted ? Promise.resolve(false) : this.telephony.createBridge(bridgeId).then(() => true, () => false);
      const [, remembered, bridged] = await Promise.all([answering, this.rememberedLanguage(session.callerNumber), bridging]);
      if (bridged) session.bridgeId = bridgeId;
      if (session.phase !== 'queued') {
        if (bridged) void this.telephony.destroyBridge(bridgeId).catch(() => undefined); // hung up while we answered
        return;
      }
      if (remembered) {
        session.language = remembered;
        session.languageRemembered = true;
      }
      // An adopted caller (found waiting after a restart) keeps the place and the wait since arrival.
      session.queuedAt = adopted ? session.arrivedAt : this.clock.now();
      session.lastAnnouncedAt = session.queuedAt;
      if (!adopted && wait && wait.languageWindowSeconds > 0 && !remembered) {
        await this.telephony.startMoh(session.callId);
        if (session.phase !== 'queued') return;
        // A new caller first hears the one short language prompt; silence means Mandarin once the window passes.
        session.languagePendingUntil = session.queuedAt + wait.languageWindowSeconds * 1000;
        if (wait.prompts.language.length) await this.announce(session, wait.prompts.language);
        return;
      }
      // Ring a seat without waiting for the hold music to start.
      const moh = this.telephony.startMoh(session.callId);
      this.enterQueue(session);
      await moh;
      if (session.phase !== 'queued' || adopted) return; // a seat is ringing already, or the caller heard the prompt before
      const prompt = remembered === 'tibetan' ? (wait?.prompts.languageRemembered ?? []) : [];
      if (prompt.length) await this.announce(session, prompt);
    } catch (err) {
      await this.sendToFallback(session, err);
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
      const remembered = await this.rememberedLanguage(session.callerNumber);
      if (session.phase !== 'queued') return;
      if (remembered) {
        session.language = remembered;
        session.languageRemembered = true;
      }
      session.queuedAt = this.clock.now();
      session.lastAnnouncedAt = session.queuedAt;
      this.enterQueue(session);
      // After the seat's dial request (enterQueue → dispatch), so that request goes out first.
      if ((session.phase as CallSession['phase']) !== 'ended') this.prepareBridge(session);
      if (session.phase === 'queued') await this.holdCaller(session); // dispatch() may have moved it on
    } catch (err) {
      await this.sendToFallback(session, err);
    }
  }

  /** Creates the call's bridge in the background; agentAnswered awaits it (`bridging`) before connecting the agent. */
  private prepareBridge(s: CallSession): void {
    const bridgeId = `bridge-${s.callId}`;
    const pending = this.telephony.createBridge(bridgeId).then(
      () => {
        if (s.phase === 'ended') void this.telephony.destroyBridge(bridgeId).catch(() => undefined); // hung up meanwhile
        else s.bridgeId ??= bridgeId;
      },
      (err: Error) => this.log.warn({ callId: s.callId, err: err.message }, 'call bridge not made in advance; made at connect'),
    );
    this.bridging.set(s.callId, pending);
    void pending.finally(() => this.bridging.delete(s.callId));
  }

  /** A caller who must wait: answered (if not yet) and given hold music. */
  private async holdCaller(s: CallSession): Promise<void> {
    if (!s.callerAnswered) {
      s.callerAnswered = true;
      await this.telephony.answer(s.callId);
    }
    if (s.phase === 'queued') await this.telephony.startMoh(s.callId);
  }

  /** Puts the caller into the ACD queue at the place of their arrival and routes. */
  private enterQueue(s: CallSession): void {
    s.languagePendingUntil = undefined;
    this.acd.enqueue({ callId: s.callId, line: s.did, language: s.language, enqueuedAt: s.queuedAt ?? s.arrivedAt });
    this.notifier.publish({ type: 'call.queued', at: this.clock.now(), callId: s.callId, line: s.did, language: s.language });
    this.dispatch();
  }

  private async rememberedLanguage(callerNumber: string): Promise<Language | undefined> {
    if (!callerNumber) return undefined;
    // The memory is a convenience: a slow or absent Redis must not delay the call.
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 300).unref?.());
    return Promise.race([this.languages.find(callerNumber).catch(() => undefined), timeout]);
  }

  /** Interrupts the hold music with `media`; the music resumes when it finishes. */
  private async announce(s: CallSession, media: string[], then: 'moh' | 'hangup' = 'moh'): Promise<void> {
    const playbackId = `${s.callId}-pb${++this.playbackSeq}`;
    if (s.playbackId) {
      this.playbacks.delete(s.playbackId);
      await this.telephony.stopPlayback(s.playbackId).catch(() => undefined);
    }
    s.playbackId = playbackId;
    this.playbacks.set(playbackId, { callId: s.callId, then });
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
  playbackFinished(playbackId: string): void {
    const pending = this.playbacks.get(playbackId);
    if (!pending) return;
    this.playbacks.delete(playbackId);
    if (pending.then === 'hangup') {
      void this.telephony.hangup(pending.callId).catch(() => undefined);
      return;
    }
    const s = this.sessions.get(pending.callId);
    if (!s || s.playbackId !== playbackId) return;
    s.playbackId = undefined;
    if (s.phase === 'queued') void this.telephony.startMoh(s.callId).catch(() => undefined);
  }

  /** The caller pressed 1 after the callback offer: hand their place to the callback service and say goodbye. */
  callbackRequested(callId: string): void {
    const s = this.sessions.get(callId);
    if (!s || s.phase !== 'queued' || !s.callbackOffered || !this.outbound) return;
    const now = this.clock.now();
    s.callbackRequestedAt = now;
    s.phase = 'ended';
    this.sessions.delete(callId);
    this.outbound.takeVirtualHold({ callId, callerNumber: s.callerNumber, did: s.did, language: s.language, trunk: s.trunk, requestedAt: now });
    const record = toCallRecord(s, now, 'caller');
    this.log.info({ callId, caller: maskPhone(s.callerNumber) }, 'caller chose a callback keeping their place');
    this.notifier.publish({ type: 'call.callback_requested', at: now, callId });
    void this.sink.publish(record);
    const prompts = this.settings.wait?.prompts.callbackConfirmed ?? [];
    if (prompts.length) void this.announce(s, prompts, 'hangup');
    else void this.telephony.hangup(callId).catch(() => undefined);
    this.changed();
  }

  /** The caller chose a language (DTMF 2 = Tibetan, 3 = Mandarin); remembered for their next call. */
  languageChosen(callId: string, language: Language): void {
    const s = this.sessions.get(callId);
    if (!s || s.phase !== 'queued') return;
    s.language = language;
    s.languageRemembered = false;
    if (s.callerNumber) void this.languages.remember(s.callerNumber, language).catch(() => undefined);
    if (s.languagePendingUntil !== undefined) {
      // Answered the prompt: queue now, no need to wait out the window.
      this.notifier.publish({ type: 'call.language', at: this.clock.now(), callId, language });
      this.enterQueue(s);
      return;
    }
    try {
      this.acd.setLanguage(callId, language);
    } catch (err) {
      this.log.warn({ callId, err: (err as Error).message }, 'language change ignored');
    }
    this.notifier.publish({ type: 'call.language', at: this.clock.now(), callId, language });
    this.dispatch();
  }

  /** Offers every call the ACD can match now to its agent's seat (held while restored state is being reconciled). */
  dispatch(): void {
    if (this.routingHeld || this.reconciling > 0) return;
    for (const a of this.acd.assign()) {
      if (!this.sessions.has(a.callId) && this.outbound?.owns(a.callId)) {
        this.outbound.assigned(a);
        continue;
      }
      const s = this.sessions.get(a.callId);
      if (!s || s.phase !== 'queued') {
        // The ACD and the sessions disagree (a race with a hang-up): free the agent again.
        this.acd.removeCall(a.callId);
        continue;
      }
      const legId = `${s.callId}-leg${++this.legSeq}`;
      s.phase = 'ringing';
      s.agentId = a.agentId;
      s.seat = a.seat;
      s.agentChannelId = legId;
      s.offeredAt ??= this.clock.now();
      s.offers++;
      this.legs.set(legId, s.callId);
      if (s.playbackId) {
        // The seat is ringing: no announcement should talk over the agent's greeting.
        this.playbacks.delete(s.playbackId);
        void this.telephony.stopPlayback(s.playbackId).catch(() => undefined);
        s.playbackId = undefined;
        void this.telephony.startMoh(s.callId).catch(() => undefined);
      }
      this.notifier.publish({ type: 'call.offered', at: this.clock.now(), callId: s.callId, agentId: a.agentId, seat: a.seat, caller: maskPhone(s.callerNumber), language: s.language, languageRemembered: s.languageRemembered === true, line: s.did });
      this.telephony
        .dial({ channelId: legId, endpoint: `PJSIP/${a.seat}`, callerNumber: s.callerNumber, timeoutSeconds: this.settings.ringTimeoutSeconds, appArgs: ['agent', s.callId], role: 'seat', owner: s.callId })
        .catch((err: Error) => {
          this.log.warn({ callId: s.callId, seat: a.seat, err: err.message }, 'seat could not be dialled');
          this.legGone(legId);
        });
    }
    this.changed();
  }

  private changed(): void {
    try {
      this.onChange();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'change hook failed');
    }
  }

  /** An agent leg answered and entered Stasis: bridge it with the caller. */
  async agentAnswered(legId: string, callId: string): Promise<void> {
    const s = this.sessions.get(callId);
    if (!s || s.phase !== 'ringing' || s.agentChannelId !== legId) {
      this.legs.delete(legId);
      await this.telephony.hangup(legId).catch(() => undefined);
      return;
    }
    try {
      const requeued = s.answeredAt !== undefined && s.bridgeId !== undefined; // a blind transfer: the caller waits in the call's bridge
      s.phase = 'connected';
      s.answeredAt ??= this.clock.now();
      if (!requeued) this.recentAnswers.push(s.answeredAt);
      if (this.recentAnswers.length > RECENT_ANSWERS) this.recentAnswers.shift();
      this.acd.connected(s.agentId as string, s.callId);
      await this.bridging.get(s.callId);
      if ((s.phase as CallSession['phase']) === 'ended') return; // the caller hung up meanwhile; endCall freed the agent
      if (requeued) {
        await this.telephony.bridgeMoh(s.bridgeId as string, false).catch(() => undefined);
        await this.telephony.addToBridge(s.bridgeId as string, [legId]);
      } else if (!s.callerAnswered) {
        // Connected straight from ringing: answer the caller now, then join the agent.
        s.callerAnswered = true;
        await this.telephony.answer(s.callId);
        if (s.bridgeId) await this.telephony.addToBridge(s.bridgeId, [s.callId, legId]);
        else await this.telephony.bridge((s.bridgeId = `bridge-${s.callId}`), [s.callId, legId]);
      } else if (s.bridgeId) {
        await Promise.all([this.telephony.stopMoh(s.callId), this.telephony.addToBridge(s.bridgeId, [s.callId, legId])]);
      } else {
        s.bridgeId = `bridge-${s.callId}`;
        await Promise.all([this.telephony.stopMoh(s.callId), this.telephony.bridge(s.bridgeId, [s.callId, legId])]);
      }
      this.log.info({ callId: s.callId, agentId: s.agentId, seat: s.seat, waitMs: s.answeredAt - (s.queuedAt ?? s.arrivedAt) }, 'call answered');
      this.notifier.publish({ type: 'call.connected', at: this.clock.now(), callId: s.callId, agentId: s.agentId, seat: s.seat });
      this.changed();
    } catch (err) {
      // The caller never talked to the agent: free the agent and hand the caller to the fallback queue, not drop them.
      await this.releaseAgentLeg(s, legId);
      await this.sendToFallback(s, err);
      this.dispatch();
    }
  }

  /** Undoes a connect that failed half-way: the agent's leg is hung up and the agent is free again. */
  private async releaseAgentLeg(s: CallSession, legId: string): Promise<void> {
    this.legs.delete(legId);
    s.agentChannelId = undefined;
    s.answeredAt = undefined;
    if (s.bridgeId) void this.telephony.destroyBridge(s.bridgeId).catch(() => undefined);
    s.bridgeId = undefined;
    if (s.phase !== 'ended') {
      try {
        this.acd.callEnded(s.agentId as string, s.callId);
      } catch {
        this.acd.removeCall(s.callId); // connected() itself failed: the agent is still only reserved
      }
    }
    await this.telephony.hangup(legId).catch(() => undefined);
  }

  /**
   * A channel left Stasis (`destroyFollows`: StasisEnd, its ChannelDestroyed comes next) or was destroyed (with its
   * Q.850 `cause`); idempotent (both events arrive for most channels). The cause goes into the call record, so a leg
   * that vanished (no RTP: HANGUP_CAUSE_NO_MEDIA) is told apart from one that hung up.
   */
  channelGone(channelId: string, cause?: number, destroyFollows = false): void {
    this.ownedLegs.delete(channelId);
    this.orphanGone(channelId);
    if (!destroyFollows && this.publishAwaitingCause(channelId, cause)) return;
    const departure: LegDeparture = destroyFollows ? 'follows' : cause;
    if (this.sessions.has(channelId)) {
      this.endCall(this.sessions.get(channelId) as CallSession, 'caller', undefined, departure);
      return;
    }
    this.legGone(channelId, departure);
  }

  /** Publishes every record still waiting for a hang-up cause (at shutdown). */
  flushAwaitingCauses(): void {
    for (const channelId of [...this.awaitingCause.keys()]) this.publishAwaitingCause(channelId, undefined);
  }

  private publishAwaitingCause(channelId: string, cause: number | undefined): boolean {
    const waiting = this.awaitingCause.get(channelId);
    if (!waiting) return false;
    this.awaitingCause.delete(channelId);
    clearTimeout(waiting.timer);
    void this.sink.publish(cause ? { ...waiting.record, hangupCause: cause } : waiting.record);
    return true;
  }

  private legGone(legId: string, departure?: LegDeparture): void {
    const callId = this.legs.get(legId);
    if (callId === undefined) return;
    this.legs.delete(legId);
    const s = this.sessions.get(callId);
    if (!s || s.agentChannelId !== legId) return;
    if (s.phase === 'ringing') {
      this.log.info({ callId, agentId: s.agentId, seat: s.seat }, 'seat did not answer; offering to the next agent');
      this.acd.ringNoAnswer(s.agentId as string, callId);
      s.phase = 'queued';
      s.agentChannelId = undefined;
      this.notifier.publish({ type: 'call.ring_no_answer', at: this.clock.now(), callId, agentId: s.agentId });
      this.dispatch();
      // Now the caller waits: answer them (if they were only ringing) and play hold music.
      if (s.phase === 'queued' && !s.callerAnswered) void this.holdCaller(s).catch((err) => this.sendToFallback(s, err));
    } else if (s.phase === 'connected') {
      this.endCall(s, 'agent', legId, departure);
    }
  }

  /**
   * `goneLeg`: the agent leg whose hang-up ended the call (not hung up again: that request could only fail);
   * `departure`: how the leg that ended it went (its cause, or 'follows' to hold the record for it).
   */
  private endCall(s: CallSession, endedBy: 'caller' | 'agent' | 'system', goneLeg?: string, departure?: LegDeparture): void {
    if (s.phase === 'ended') return;
    const phase = s.phase;
    s.phase = 'ended';
    this.sessions.delete(s.callId);
    if (phase === 'queued' || phase === 'ringing') {
      this.acd.removeCall(s.callId);
    } else if (phase === 'connected' && s.agentChannelId) {
      try {
        this.acd.callEnded(s.agentId as string, s.callId);
      } catch (err) {
        this.log.warn({ callId: s.callId, err: (err as Error).message }, 'ACD did not know the ended call');
      }
    }
    if (s.agentChannelId) {
      this.legs.delete(s.agentChannelId);
      if (s.agentChannelId !== goneLeg) void this.telephony.hangup(s.agentChannelId).catch(() => undefined);
    }
    if (endedBy !== 'caller') void this.telephony.hangup(s.callId).catch(() => undefined);
    for (const [leg, owner] of [...this.ownedLegs]) {
      if (owner !== s.callId) continue;
      this.ownedLegs.delete(leg);
      void this.telephony.hangup(leg).catch(() => undefined);
    }
    if (s.bridgeId) void this.telephony.destroyBridge(s.bridgeId).catch(() => undefined);
    const record = toCallRecord(s, this.clock.now(), endedBy);
    if (typeof departure === 'number' && departure > 0) record.hangupCause = departure;
    this.log.info({ callId: s.callId, outcome: record.outcome, endedBy, agentId: record.agentId }, 'call ended');
    this.notifier.publish({ type: 'call.ended', at: this.clock.now(), callId: s.callId, outcome: record.outcome, agentId: record.agentId });
    if (departure === 'follows') {
      const channelId = goneLeg ?? s.callId;
      const timer = setTimeout(() => this.publishAwaitingCause(channelId, undefined), CAUSE_WAIT_MS);
      timer.unref?.();
      this.awaitingCause.set(channelId, { record, timer });
    } else {
      void this.sink.publish(record);
    }
    this.dispatch();
  }


  /** Hands a caller we cannot serve to the dialplan's native queue, so nobody is dropped. */
  private async sendToFallback(s: CallSession, err: unknown): Promise<void> {
    if (s.phase === 'ended') return; // the caller already hung up; nothing to hand over
    this.log.error({ callId: s.callId, err: (err as Error).message }, 'call handling failed; sending caller to the fallback queue');
    this.sessions.delete(s.callId);
    this.acd.removeCall(s.callId);
    try {
      await this.telephony.continueInDialplan(s.callId, this.settings.fallbackContext, s.did, 1);
    } catch (err2) {
      this.log.error({ callId: s.callId, err: (err2 as Error).message }, 'fallback failed too');
    }
  }

  /** Wrap-up expiry and similar timers: let the ACD move on, then route. */
  tick(): void {
    this.acd.tick();
    const now = this.clock.now();
    for (const s of this.sessions.values()) {
      if (s.phase === 'queued' && s.languagePendingUntil !== undefined && now >= s.languagePendingUntil) this.enterQueue(s);
    }
    this.dispatch();
    this.announceToWaiting();
  }

  /** Position/wait announcements, the callback offer after a long wait, and the surge message. */
  private announceToWaiting(): void {
    const wait = this.settings.wait;
    if (!wait) return;
    const now = this.clock.now();
    const queue = this.acd.queue();
    const longestPredicted = queue.length ? this.estimatedWait(queue.length) : undefined;
    const surge = queue.length >= wait.surgeWaitingCalls || (longestPredicted ?? 0) >= wait.surgePredictedWaitSeconds;
    for (const w of queue) {
      const s = this.sessions.get(w.callId);
      if (!s || s.phase !== 'queued' || s.playbackId || s.queuedAt === undefined) continue;
      const waited = (now - s.queuedAt) / 1000;
      if (!s.callbackOffered && this.outbound && (surge || (wait.virtualHoldAfterSeconds > 0 && waited >= wait.virtualHoldAfterSeconds))) {
        s.callbackOffered = true;
        s.lastAnnouncedAt = now;
        void this.announce(s, surge ? [...wait.prompts.surge, ...wait.prompts.callbackOffer] : wait.prompts.callbackOffer);
      } else if (wait.announceIntervalSeconds > 0 && now - (s.lastAnnouncedAt ?? s.queuedAt) >= wait.announceIntervalSeconds * 1000) {
        s.lastAnnouncedAt = now;
        void this.announce(s, positionAnnouncement(w.position, this.estimatedWait(w.position)));
      }
    }
  }

  /**
   * After (re)connecting to ARI — and after a restart with restored state — make our view match Asterisk:
   * sessions whose caller vanished while we were blind are ended and recorded; a seat that was ringing is
   * hung up and its call goes back to its original place (events for it may have been lost). Channels unknown to
   * us are told apart by the tags set when they were created (see LegRole): only citizens' inbound calls
   * (`CTI_ROLE=inbound`, set by the dialplan) are adopted as callers, in arrival order; a leg of a live call is kept
   * and ends with that call; any other leg is hung up and logged, never queued.
   */
  async reconcile(): Promise<void> {
    this.reconciling++;
    try {
      await this.reconcileWithAsterisk();
    } finally {
      this.reconciling--;
      if (this.reconciling === 0) this.routingHeld = false; // also after a failed reconcile: never stop routing for good
    }
    this.dispatch();
  }

  private async reconcileWithAsterisk(): Promise<void> {
    const channels = await this.telephony.listAppChannels();
    const present = new Set(channels.map((c) => c.id));
    const bridges = await this.telephony.listBridges();
    const bridgeOf = new Map<string, { id: string; channels: string[] }>();
    for (const b of bridges) for (const c of b.channels) bridgeOf.set(c, b);
    // Channels of calls we know: ending one of them below must not make its legs look unknown.
    const known = new Set<string>([...this.sessions.keys(), ...this.legs.keys(), ...this.ownedLegs.keys(), ...this.orphans.keys()]);
    for (const s of [...this.sessions.values()]) {
      if (!present.has(s.callId)) {
        this.endCall(s, 'caller');
      } else if (s.phase === 'ringing') {
        const leg = s.agentChannelId;
        if (leg) {
          this.legs.delete(leg);
          await this.telephony.hangup(leg).catch(() => undefined);
        }
        this.requeueAtOriginalPlace(s);
      } else if (s.phase === 'connected' && (!s.agentChannelId || !present.has(s.agentChannelId) || !bridgeOf.has(s.callId))) {
        this.endCall(s, s.agentChannelId && present.has(s.agentChannelId) ? 'caller' : 'agent');
      } else if (s.phase === 'queued') {
        s.playbackId = undefined;
        await this.telephony.startMoh(s.callId).catch(() => undefined);
      }
    }
    for (const [legId] of [...this.legs]) if (!present.has(legId)) this.legGone(legId);
    for (const [legId] of [...this.ownedLegs]) if (!present.has(legId)) this.ownedLegs.delete(legId);
    const unknown = channels
      .filter((c) => !known.has(c.id) && !this.outbound?.owns(c.id))
      .sort((a, b) => a.createdAt - b.createdAt);
    if (!unknown.length) return;
    // What each channel is for, from the tags set at origination (outbound legs) or by the dialplan (inbound calls).
    const tagged = await mapBounded(unknown, RECONCILE_CONCURRENCY, async (c) => ({ channel: c, tags: await this.tagsOf(c) }));
    const inboundIds = new Set(tagged.filter((t) => t.tags.role === INBOUND_ROLE).map((t) => t.channel.id));
    // A citizen talking with someone the gateway no longer knows (a hand-off to a partner, say): never cut them off;
    // watch the bridge and end it when either side leaves.
    for (const b of bridges) {
      if (b.channels.length >= 2 && b.channels.some((c) => inboundIds.has(c)) && !b.channels.some((c) => this.sessions.has(c))) this.watchOrphanBridge(b);
    }
    for (const { channel: c, tags } of tagged) {
      if (this.orphans.has(c.id)) continue;
      const bridge = bridgeOf.get(c.id);
      if (tags.role === INBOUND_ROLE) {
        if (bridge) await this.telephony.removeFromBridge(bridge.id, [c.id]).catch(() => undefined);
        const trunk: TrunkName = tags.trunk === 'backup' ? 'backup' : 'primary';
        this.log.info({ callId: c.id, trunk }, 'adopting a waiting caller found in Stasis');
        await this.inbound(c, trunk, c.exten || '12345', true);
      } else if (tags.owner !== undefined && (this.sessions.has(tags.owner) || this.outbound?.owns(tags.owner))) {
        // A leg of a call that is still up (a partner in a three-way call, say): it ends when that call ends.
        if (this.sessions.has(tags.owner)) this.ownedLegs.set(c.id, tags.owner);
        this.log.info({ channelId: c.id, channel: c.name, role: tags.role, owner: tags.owner }, 'keeping a leg of a live call found in Stasis');
      } else {
        this.log.warn({ channelId: c.id, channel: c.name, role: tags.role ?? null, owner: tags.owner ?? null }, 'hanging up a leg found in Stasis that no live call owns (never queued as a caller)');
        await this.telephony.hangup(c.id).catch((err: Error) => this.log.warn({ channelId: c.id, err: err.message }, 'unowned leg could not be hung up'));
      }
    }
  }

  /**
   * The CTI_ROLE/CTI_OWNER/CTI_TRUNK tags of a channel (see LegRole); a channel already gone has none. A snoop channel
   * can only be tagged after it exists (ARI's snoop takes no variables), so one found untagged — the gateway died in
   * between — is known by what Asterisk named it after: the channel it spies on, whose owner it shares.
   */
  private async tagsOf(c: ChannelInfo): Promise<{ role?: string; owner?: string; trunk?: string }> {
    const read = (name: string) => this.telephony.getVar(c.id, name).catch(() => undefined);
    const role = await read(LEG_VARS.role);
    const spied = !role ? spiedChannelOf(c.name) : undefined;
    if (spied !== undefined) {
      const owner = this.ownerOfChannel(spied) ?? (await this.telephony.getVar(spied, LEG_VARS.owner).catch(() => undefined));
      return { role: 'snoop', ...(owner !== undefined && { owner }) };
    }
    const other = await read(role === INBOUND_ROLE ? LEG_VARS.trunk : LEG_VARS.owner);
    return { ...(role !== undefined && { role }), ...(other !== undefined && (role === INBOUND_ROLE ? { trunk: other } : { owner: other })) };
  }

  /** The live call a channel belongs to: the caller's own channel, its agent's seat leg, or a leg it owns. */
  private ownerOfChannel(channelId: string): string | undefined {
    if (this.sessions.has(channelId)) return channelId;
    for (const s of this.sessions.values()) if (s.agentChannelId === channelId) return s.callId;
    return this.ownedLegs.get(channelId);
  }

  private watchOrphanBridge(b: { id: string; channels: string[] }): void {
    const members = new Set(b.channels);
    for (const c of members) this.orphans.set(c, { bridgeId: b.id, members });
    this.log.warn({ bridgeId: b.id, channels: b.channels }, 'a caller is talking in a bridge no live call owns; it ends when a party leaves');
  }

  /** A party of an orphan bridge left: when at most one is left, they are hung up and the bridge goes. */
  private orphanGone(channelId: string): void {
    const group = this.orphans.get(channelId);
    if (!group) return;
    this.orphans.delete(channelId);
    group.members.delete(channelId);
    if (group.members.size > 1) return;
    for (const c of group.members) {
      this.orphans.delete(c);
      void this.telephony.hangup(c).catch(() => undefined);
    }
    group.members.clear();
    void this.telephony.destroyBridge(group.bridgeId).catch(() => undefined);
  }

  /** Puts a call whose seat stopped ringing back in the queue where it was, without counting a miss against the agent. */
  private requeueAtOriginalPlace(s: CallSession): void {
    this.acd.removeCall(s.callId);
    s.phase = 'queued';
    s.agentChannelId = undefined;
    this.acd.enqueue({ callId: s.callId, line: s.did, language: s.language, enqueuedAt: s.queuedAt ?? s.arrivedAt });
    // A caller who was only ringing now waits: answer them and play hold music.
    if (!s.callerAnswered) void this.holdCaller(s).catch((err) => this.sendToFallback(s, err));
  }
}
