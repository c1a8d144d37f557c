import type { AcdEngine, Clock } from '@cti/domain';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { CallSession } from './call-session.js';
import type { CallChanges } from './call.changes.js';
import type { CallEnding, LegDeparture } from './call-ending.service.js';
import type { CallRegistry } from './call.registry.js';
import type { CallRouting } from './call-routing.service.js';
import type { CallTelephony } from './call-telephony.port.js';
import type { OrphanBridgeWatch } from './orphan-bridge.watch.js';

/**
 * A call's channels coming and going: the agent's leg that answered is bridged with the caller (or, when that fails,
 * the caller goes to the fallback queue and the agent is freed), and a channel that leaves ends its call or its offer.
 */
export class CallConnection {
  constructor(
    private readonly registry: CallRegistry,
    private readonly telephony: CallTelephony,
    private readonly acd: Pick<AcdEngine, 'connected' | 'callEnded' | 'removeCall'>,
    private readonly routing: Pick<CallRouting, 'dispatch' | 'legGone'>,
    private readonly ending: Pick<CallEnding, 'end' | 'sendToFallback' | 'causeArrived'>,
    private readonly orphans: Pick<OrphanBridgeWatch, 'gone'>,
    private readonly notifier: EventPublisher,
    private readonly changes: CallChanges,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** An agent leg answered and entered Stasis: bridge it with the caller. */
  async agentAnswered(legId: string, callId: string): Promise<void> {
    const s = this.registry.find(callId);
    if (!s || s.phase !== 'ringing' || s.agentChannelId !== legId) {
      this.registry.removeLeg(legId);
      await this.telephony.hangup(legId).catch(() => undefined);
      return;
    }
    // Set with the leg when the seat was rung.
    const agent = { agentId: s.agentId as string, seat: s.seat as string };
    try {
      const requeued = s.answeredAt !== undefined && s.bridgeId !== undefined; // a blind transfer: the caller waits in the call's bridge
      s.phase = 'connected';
      s.answeredAt ??= this.clock.now();
      if (!requeued) this.registry.noteAnswer(s.answeredAt);
      this.acd.connected(agent.agentId, s.callId);
      await this.registry.pendingBridge(s.callId);
      if ((s.phase as CallSession['phase']) === 'ended') return; // the caller hung up meanwhile; ending the call freed the agent
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
      this.log.info({ callId: s.callId, ...agent, waitMs: s.answeredAt - (s.queuedAt ?? s.arrivedAt) }, 'call answered');
      this.notifier.publish({ type: 'call.connected', at: this.clock.now(), callId: s.callId, ...agent });
      this.changes.changed();
    } catch (err) {
      // The caller never talked to the agent: free the agent and hand the caller to the fallback queue, not drop them.
      await this.releaseAgentLeg(s, legId);
      const handing = this.ending.sendToFallback(s, err); // its tries (Asterisk slow) must not hold up the freed agent
      this.routing.dispatch();
      await handing;
    }
  }

  /** Undoes a connect that failed half-way: the agent's leg is hung up and the agent is free again. */
  private async releaseAgentLeg(s: CallSession, legId: string): Promise<void> {
    this.registry.removeLeg(legId);
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
    this.registry.removeOwnedLeg(channelId);
    this.orphans.gone(channelId);
    if (!destroyFollows && this.ending.causeArrived(channelId, cause)) return;
    const departure: LegDeparture = destroyFollows ? 'follows' : cause;
    const s = this.registry.find(channelId);
    if (s) {
      this.ending.end(s, 'caller', undefined, departure);
      this.routing.dispatch();
      return;
    }
    this.routing.legGone(channelId, departure);
  }
}
