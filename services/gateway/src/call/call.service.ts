import { maskPhone, type AcdEngine, type Clock, type Language, type TrunkName } from '@cti/domain';
import type { ChannelInfo, TelephonyPort } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { CallRecordSink } from './call-record.sink.js';
import type { EventPublisher } from '../events/event-bus.js';
import { toCallRecord, type CallSession } from './call-session.js';

/** Settings the call logic needs. */
export interface CallServiceSettings {
  ringTimeoutSeconds: number;
  /** Dialplan context that queues a caller natively when the gateway cannot serve them. */
  fallbackContext: string;
}

/**
 * The life of inbound calls: queue, ring an agent's seat, bridge, end, record.
 * Every public method is safe to call from an ARI event: failures are logged and the caller is
 * sent back to the dialplan fallback rather than stranded.
 */
export class CallService {
  private readonly sessions = new Map<string, CallSession>();
  /** Agent leg channel id → call id. */
  private readonly legs = new Map<string, string>();
  private legSeq = 0;

  constructor(
    private readonly telephony: TelephonyPort,
    private readonly acd: AcdEngine,
    private readonly sink: CallRecordSink,
    private readonly notifier: EventPublisher,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: CallServiceSettings,
  ) {}

  /** Live sessions (for the API and tests). */
  liveCalls(): CallSession[] {
    return [...this.sessions.values()];
  }

  /** Finds a live session by call id. */
  findCall(callId: string): CallSession | undefined {
    return this.sessions.get(callId);
  }

  /** A citizen's call entered the Stasis app from a trunk: answer, hold music, queue. */
  async inbound(channel: ChannelInfo, trunk: TrunkName, did: string): Promise<void> {
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
    try {
      await this.telephony.answer(session.callId);
      await this.telephony.startMoh(session.callId);
      if (session.phase !== 'queued') return; // hung up while we answered
      session.queuedAt = this.clock.now();
      this.acd.enqueue({ callId: session.callId, line: did, language: session.language, enqueuedAt: session.queuedAt });
      this.notifier.publish({ type: 'call.queued', at: this.clock.now(), callId: session.callId, line: did });
      this.dispatch();
    } catch (err) {
      await this.sendToFallback(session, err);
    }
  }

  /** The caller chose a language (DTMF 2 = Tibetan; the caller can switch back with 1). */
  languageChosen(callId: string, language: Language): void {
    const s = this.sessions.get(callId);
    if (!s || s.phase !== 'queued') return;
    s.language = language;
    try {
      this.acd.setLanguage(callId, language);
    } catch (err) {
      this.log.warn({ callId, err: (err as Error).message }, 'language change ignored');
    }
    this.dispatch();
  }

  /** Offers every call the ACD can match now to its agent's seat. */
  dispatch(): void {
    for (const a of this.acd.assign()) {
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
      this.notifier.publish({ type: 'call.offered', at: this.clock.now(), callId: s.callId, agentId: a.agentId, seat: a.seat, caller: maskPhone(s.callerNumber), language: s.language, line: s.did });
      this.telephony
        .dial({ channelId: legId, endpoint: `PJSIP/${a.seat}`, callerNumber: s.callerNumber, timeoutSeconds: this.settings.ringTimeoutSeconds, appArgs: ['agent', s.callId] })
        .catch((err: Error) => {
          this.log.warn({ callId: s.callId, seat: a.seat, err: err.message }, 'seat could not be dialled');
          this.legGone(legId);
        });
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
      s.phase = 'connected';
      s.answeredAt = this.clock.now();
      s.bridgeId = `bridge-${s.callId}`;
      this.acd.connected(s.agentId as string, s.callId);
      await this.telephony.stopMoh(s.callId);
      await this.telephony.bridge(s.bridgeId, [s.callId, legId]);
      this.log.info({ callId: s.callId, agentId: s.agentId, seat: s.seat, waitMs: s.answeredAt - (s.queuedAt ?? s.arrivedAt) }, 'call answered');
      this.notifier.publish({ type: 'call.connected', at: this.clock.now(), callId: s.callId, agentId: s.agentId, seat: s.seat });
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

  /** A channel left Stasis or was destroyed; idempotent (both events arrive for most channels). */
  channelGone(channelId: string): void {
    if (this.sessions.has(channelId)) {
      this.endCall(this.sessions.get(channelId) as CallSession, 'caller');
      return;
    }
    this.legGone(channelId);
  }

  private legGone(legId: string): void {
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
    } else if (s.phase === 'connected') {
      this.endCall(s, 'agent');
    }
  }

  private endCall(s: CallSession, endedBy: 'caller' | 'agent' | 'system'): void {
    if (s.phase === 'ended') return;
    const phase = s.phase;
    s.phase = 'ended';
    this.sessions.delete(s.callId);
    if (phase === 'queued' || phase === 'ringing') {
      this.acd.removeCall(s.callId);
    } else if (phase === 'connected') {
      try {
        this.acd.callEnded(s.agentId as string, s.callId);
      } catch (err) {
        this.log.warn({ callId: s.callId, err: (err as Error).message }, 'ACD did not know the ended call');
      }
    }
    if (s.agentChannelId) {
      this.legs.delete(s.agentChannelId);
      void this.telephony.hangup(s.agentChannelId).catch(() => undefined);
    }
    if (endedBy !== 'caller') void this.telephony.hangup(s.callId).catch(() => undefined);
    if (s.bridgeId) void this.telephony.destroyBridge(s.bridgeId).catch(() => undefined);
    const record = toCallRecord(s, this.clock.now(), endedBy);
    this.log.info({ callId: s.callId, outcome: record.outcome, endedBy, agentId: record.agentId }, 'call ended');
    this.notifier.publish({ type: 'call.ended', at: this.clock.now(), callId: s.callId, outcome: record.outcome, agentId: record.agentId });
    void this.sink.publish(record);
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
    this.dispatch();
  }

  /**
   * After (re)connecting to ARI: drop sessions whose channels vanished while we were blind,
   * adopt callers that sit in the application unknown to us (re-queued in arrival order),
   * and hang up agent legs nobody owns.
   */
  async reconcile(): Promise<void> {
    const channels = await this.telephony.listAppChannels();
    const present = new Set(channels.map((c) => c.id));
    for (const s of [...this.sessions.values()]) if (!present.has(s.callId)) this.endCall(s, 'caller');
    for (const [legId] of [...this.legs]) if (!present.has(legId)) this.legGone(legId);
    const bridged = new Set((await this.telephony.listBridges()).flatMap((b) => b.channels));
    const unknown = channels.filter((c) => !this.sessions.has(c.id) && !this.legs.has(c.id)).sort((a, b) => a.createdAt - b.createdAt);
    for (const c of unknown) {
      const trunk = /^PJSIP\/trunk-(primary|backup)-/.exec(c.name)?.[1] as TrunkName | undefined;
      if (trunk && !bridged.has(c.id)) {
        this.log.info({ callId: c.id, trunk }, 'adopting a waiting caller found in Stasis');
        await this.inbound(c, trunk, c.exten || '12345');
      } else if (!trunk && !bridged.has(c.id)) {
        await this.telephony.hangup(c.id).catch(() => undefined);
      }
    }
  }
}
