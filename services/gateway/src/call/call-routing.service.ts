import { maskPhone, type AcdEngine, type Clock } from '@cti/domain';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { CallSession } from './call-session.js';
import type { CallChanges } from './call.changes.js';
import type { CallEnding, LegDeparture } from './call-ending.service.js';
import type { CallRegistry } from './call.registry.js';
import type { CallTelephony } from './call-telephony.port.js';
import type { CallerWaitService } from './caller-wait.service.js';
import type { OutboundWork } from './outbound-work.port.js';

/** What routing needs to know beyond the calls themselves. */
export interface CallRoutingOptions {
  ringTimeoutSeconds: number;
  /** The owner of callback work in the queue; absent = inbound calls only. */
  outbound?: OutboundWork;
}

/**
 * The routing loop: the one place that asks the ACD for matches (`acd.assign()`), for inbound callers and for callback
 * work alike. It queues callers, rings the matched agent's seat, follows a seat that does not answer to the next
 * agent, and runs the one-second tick. No seat is rung while restored state waits for its first reconcile, nor while a
 * reconcile runs: reconcile works from one listing of Asterisk's channels, and a seat rung (and answered) meanwhile
 * would look like a vanished leg.
 */
export class CallRouting {
  private held = false;
  private reconciling = 0;

  constructor(
    private readonly registry: CallRegistry,
    private readonly telephony: CallTelephony,
    private readonly acd: AcdEngine,
    private readonly wait: Pick<CallerWaitService, 'holdInQueue' | 'stopForRinging' | 'announceToWaiting'>,
    private readonly ending: Pick<CallEnding, 'end' | 'sendToFallback'>,
    private readonly notifier: EventPublisher,
    private readonly changes: CallChanges,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: CallRoutingOptions,
  ) {}

  /**
   * Whether callers are being routed to seats: false from a restore until the reconcile with Asterisk that follows
   * it has finished (restored calls are checked, legs found in Stasis adopted or hung up), and during any reconcile.
   */
  isRouting(): boolean {
    return !this.held && this.reconciling === 0;
  }

  /** Restored state is not checked against Asterisk yet: no seat is rung until a reconcile has run. */
  holdUntilReconciled(): void {
    this.held = true;
  }

  /** Runs a reconcile with routing held, then routes (also after a failed one: routing never stops for good). */
  async whileReconciling(reconcile: () => Promise<void>): Promise<void> {
    this.reconciling++;
    try {
      await reconcile();
    } finally {
      this.reconciling--;
      if (this.reconciling === 0) this.held = false;
    }
    // Restored callers whose language window passed while nobody served them wait from the moment routing resumes,
    // not from the next tick (the ticker may not even run yet at start-up).
    this.admitDue();
    this.dispatch();
  }

  /** Offers every call the ACD can match now to its agent's seat (held while restored state is being reconciled). */
  dispatch(): void {
    if (this.held || this.reconciling > 0) return;
    const outbound = this.options.outbound;
    for (const a of this.acd.assign()) {
      if (!this.registry.has(a.callId) && outbound?.owns(a.callId)) {
        outbound.assigned(a);
        continue;
      }
      const s = this.registry.find(a.callId);
      if (!s || s.phase !== 'queued') {
        // The ACD and the sessions disagree (a race with a hang-up): free the agent again.
        this.acd.removeCall(a.callId);
        continue;
      }
      const legId = this.registry.nextLegId(s.callId);
      s.phase = 'ringing';
      s.agentId = a.agentId;
      s.seat = a.seat;
      s.agentChannelId = legId;
      s.offeredAt ??= this.clock.now();
      s.offers++;
      this.registry.addLeg(legId, s.callId);
      this.wait.stopForRinging(s);
      this.notifier.publish({ type: 'call.offered', at: this.clock.now(), callId: s.callId, agentId: a.agentId, seat: a.seat, caller: maskPhone(s.callerNumber), language: s.language, languageRemembered: s.languageRemembered === true, line: s.did });
      // One line per offer: the trace of who was rung for whom (and what `npm run bench:failover` times a takeover by).
      this.log.info({ callId: s.callId, agentId: a.agentId, seat: a.seat, offer: s.offers }, 'call offered');
      this.telephony
        .ringSeat({ legId, callId: s.callId, seat: a.seat, callerNumber: s.callerNumber, timeoutSeconds: this.options.ringTimeoutSeconds })
        .catch((err: Error) => {
          this.log.warn({ callId: s.callId, seat: a.seat, err: err.message }, 'seat could not be dialled');
          this.legGone(legId);
        });
    }
    this.changes.changed();
  }

  /** Puts the caller into the ACD queue at the place of their arrival and routes. */
  enterQueue(s: CallSession): void {
    s.languagePendingUntil = undefined;
    this.acd.enqueue({ callId: s.callId, line: s.did, language: s.language, enqueuedAt: s.queuedAt ?? s.arrivedAt });
    this.notifier.publish({ type: 'call.queued', at: this.clock.now(), callId: s.callId, line: s.did, language: s.language });
    this.dispatch();
  }

  /** Every second: wrap-up expiry and similar ACD timers, callers whose language window passed, then the announcements. */
  tick(): void {
    this.acd.tick();
    this.admitDue();
    this.dispatch();
    this.wait.announceToWaiting();
  }

  /** Callers whose language window has passed enter the queue, in arrival order (the registry's order). */
  private admitDue(): void {
    const now = this.clock.now();
    for (const s of this.registry.values()) {
      if (s.phase === 'queued' && s.languagePendingUntil !== undefined && now >= s.languagePendingUntil) this.enterQueue(s);
    }
  }

  /**
   * An agent leg went (or could not be dialled): a seat that was ringing did not answer, so the call is offered to
   * the next agent; a connected agent leaving ends the call.
   */
  legGone(legId: string, departure?: LegDeparture): void {
    const callId = this.registry.callOfLeg(legId);
    if (callId === undefined) return;
    this.registry.removeLeg(legId);
    const s = this.registry.find(callId);
    if (!s || s.agentChannelId !== legId) return;
    if (s.phase === 'ringing') {
      const agentId = s.agentId as string; // set with the leg when the seat was rung
      this.log.info({ callId, agentId, seat: s.seat }, 'seat did not answer; offering to the next agent');
      this.acd.ringNoAnswer(agentId, callId);
      s.phase = 'queued';
      s.agentChannelId = undefined;
      this.notifier.publish({ type: 'call.ring_no_answer', at: this.clock.now(), callId, agentId });
      this.dispatch();
      // Now the caller waits: answer them (if they were only ringing) and play hold music.
      if (s.phase === 'queued' && !s.callerAnswered) void this.wait.holdInQueue(s).catch((err) => this.ending.sendToFallback(s, err));
    } else if (s.phase === 'connected') {
      this.ending.end(s, 'agent', legId, departure);
      this.dispatch();
    }
  }
}
