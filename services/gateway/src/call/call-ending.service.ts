import type { AcdEngine, CallRecord, Clock } from '@cti/domain';
import { AriRestError, isAsteriskFailure } from '@cti/asterisk';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { CallRecordSink } from './call-record.sink.js';
import { toCallRecord, type CallSession } from './call-session.js';
import type { CallRegistry } from './call.registry.js';
import type { CallTelephony } from './call-telephony.port.js';

/** How the leg that ended a call went: its Q.850 cause, or 'follows' (StasisEnd: ChannelDestroyed brings the cause). */
export type LegDeparture = number | 'follows' | undefined;

/** How long a record waits for the ChannelDestroyed (and its cause) that follows a StasisEnd at once. */
const CAUSE_WAIT_MS = 1_000;

/** Pauses between tries of a fallback request (about 40 s in all, plus each request's own timeout). */
export const FALLBACK_RETRY_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000];

/**
 * The two ways a call leaves the gateway: it ends (ACD freed, its channels and bridge gone, its record published,
 * with the hang-up cause when one follows), or it is handed to the dialplan's fallback queue. Routing the freed agent
 * is the caller's business.
 */
export class CallEnding {
  /** Records of calls whose leg left Stasis, by that channel, until its ChannelDestroyed gives the hang-up cause. */
  private readonly awaitingCause = new Map<string, { record: CallRecord; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly registry: CallRegistry,
    private readonly telephony: CallTelephony,
    private readonly acd: Pick<AcdEngine, 'removeCall' | 'callEnded'>,
    private readonly sink: CallRecordSink,
    private readonly notifier: EventPublisher,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Dialplan context that queues a caller natively when the gateway cannot serve them. */
    private readonly fallbackContext: string,
    /** Dialplan context where a caller whose agent ended the call may rate it; absent = the caller is hung up. */
    private readonly ratingContext?: string,
    /** Pauses before each new try of a fallback request Asterisk did not carry out; after the last, the caller is hung up. */
    private readonly fallbackRetryMs: readonly number[] = FALLBACK_RETRY_MS,
  ) {}

  /**
   * Ends the call. `goneLeg`: the agent leg whose hang-up ended the call (not hung up again: that request could only
   * fail); `departure`: how the leg that ended it went (its cause, or 'follows' to hold the record for it).
   */
  end(s: CallSession, endedBy: 'caller' | 'agent' | 'system', goneLeg?: string, departure?: LegDeparture): void {
    if (s.phase === 'ended') return;
    const phase = s.phase;
    s.phase = 'ended';
    this.registry.remove(s.callId);
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
      this.registry.removeLeg(s.agentChannelId);
      if (s.agentChannelId !== goneLeg) void this.telephony.hangup(s.agentChannelId).catch(() => undefined);
    }
    if (endedBy === 'agent' && phase === 'connected' && this.ratingContext) this.askForRating(s);
    else if (endedBy !== 'caller') void this.telephony.hangup(s.callId).catch(() => undefined);
    for (const leg of this.registry.takeOwnedLegsOf(s.callId)) void this.telephony.hangup(leg).catch(() => undefined);
    if (s.bridgeId) void this.telephony.destroyBridge(s.bridgeId).catch(() => undefined);
    const record = toCallRecord(s, this.clock.now(), endedBy);
    if (typeof departure === 'number' && departure > 0) record.hangupCause = departure;
    this.log.info({ callId: s.callId, outcome: record.outcome, endedBy, agentId: record.agentId }, 'call ended');
    this.notifier.publish({ type: 'call.ended', at: this.clock.now(), callId: s.callId, outcome: record.outcome, agentId: record.agentId });
    if (departure === 'follows') {
      const channelId = goneLeg ?? s.callId;
      const timer = setTimeout(() => this.causeArrived(channelId, undefined), CAUSE_WAIT_MS);
      timer.unref?.();
      this.awaitingCause.set(channelId, { record, timer });
    } else {
      void this.sink.publish(record);
    }
  }

  /** The agent ended the call: the caller leaves Stasis for the rating prompt (hung up if that fails). */
  private askForRating(s: CallSession): void {
    this.telephony.continueInDialplan(s.callId, this.ratingContext as string, s.did, 1).then(
      () => this.log.info({ callId: s.callId }, 'caller asked to rate the call'),
      (err: Error) => {
        this.log.warn({ callId: s.callId, err: err.message }, 'could not ask the caller to rate; hanging up');
        void this.telephony.hangup(s.callId).catch(() => undefined);
      },
    );
  }

  /**
   * Hands a caller we cannot serve to the dialplan's native queue, so nobody is dropped. Under overload Asterisk may
   * not answer that request in time either: it is sent again after a pause (a late first one shows as 409, the
   * channel no longer in Stasis: handed over). A caller who cannot be taken there after the last try is hung up with
   * an error rather than left in Stasis with nobody serving them (docs/domain.md §23).
   */
  async sendToFallback(s: CallSession, err: unknown): Promise<void> {
    if (s.phase === 'ended') return; // the caller already hung up; nothing to hand over
    this.log.error({ callId: s.callId, err: (err as Error).message }, 'call handling failed; sending caller to the fallback queue');
    this.registry.remove(s.callId);
    this.acd.removeCall(s.callId);
    const handedOver = (yes: boolean) => this.notifier.publish({ type: 'call.fallback', at: this.clock.now(), callId: s.callId, handedOver: yes });
    for (let attempt = 0; ; attempt++) {
      try {
        await this.telephony.continueInDialplan(s.callId, this.fallbackContext, s.did, 1);
        return handedOver(true);
      } catch (err2) {
        const status = err2 instanceof AriRestError ? err2.status : undefined;
        if (status === 404) return this.log.warn({ callId: s.callId }, 'caller gone before the fallback queue took them');
        if (status === 409 && attempt > 0) return handedOver(true); // an earlier, unanswered request went through
        const delay = this.fallbackRetryMs[attempt];
        if (!isAsteriskFailure(err2) || delay === undefined) {
          this.log.error({ callId: s.callId, err: (err2 as Error).message, attempts: attempt + 1 }, 'fallback failed too; hanging up the caller rather than leaving them with nobody serving them');
          handedOver(false);
          return void this.telephony.hangup(s.callId).catch(() => undefined);
        }
        this.log.warn({ callId: s.callId, err: (err2 as Error).message, attempt: attempt + 1, retryInMs: delay }, 'fallback request failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * The hang-up cause of a channel whose call's record waits for it arrived (undefined: it will not): the record is
   * published. False when no record waits for that channel.
   */
  causeArrived(channelId: string, cause: number | undefined): boolean {
    const waiting = this.awaitingCause.get(channelId);
    if (!waiting) return false;
    this.awaitingCause.delete(channelId);
    clearTimeout(waiting.timer);
    void this.sink.publish(cause ? { ...waiting.record, hangupCause: cause } : waiting.record);
    return true;
  }

  /** Publishes every record still waiting for a hang-up cause (at shutdown). */
  flushAwaitingCauses(): void {
    for (const channelId of [...this.awaitingCause.keys()]) this.causeArrived(channelId, undefined);
  }
}
