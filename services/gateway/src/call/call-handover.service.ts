import type { AcdEngine, Clock } from '@cti/domain';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { CallRecordSink } from './call-record.sink.js';
import { toCallRecord, type CallSession } from './call-session.js';
import type { CallChanges } from './call.changes.js';
import type { CallRegistry } from './call.registry.js';
import type { CallRouting } from './call-routing.service.js';
import type { CallTelephony } from './call-telephony.port.js';

/**
 * How call control (services/gateway/src/control) moves a connected call between agents: the agent leaves it, another
 * agent's leg joins it, it goes back to the queue, or it goes on without any agent. Call control changes sessions
 * only through these.
 */
export class CallHandover {
  constructor(
    private readonly registry: CallRegistry,
    private readonly telephony: Pick<CallTelephony, 'hangup' | 'bridgeMoh'>,
    private readonly acd: Pick<AcdEngine, 'callEnded' | 'enqueue'>,
    private readonly routing: Pick<CallRouting, 'dispatch'>,
    private readonly sink: CallRecordSink,
    private readonly notifier: EventPublisher,
    private readonly changes: CallChanges,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * The agent leaves a call that stays up (blind transfer, completed transfer): the agent is free in the ACD and
   * their leg is forgotten, not hung up (the caller of this does that). The caller stays in the call's bridge until
   * attachAgentLeg, requeue or handOff. Returns the released agent and leg.
   */
  releaseAgent(callId: string): { agentId: string; legId: string } | undefined {
    const s = this.registry.find(callId);
    if (!s || s.phase !== 'connected' || !s.agentChannelId) return undefined;
    const released = { agentId: s.agentId as string, legId: s.agentChannelId };
    this.registry.removeLeg(s.agentChannelId);
    s.agentChannelId = undefined;
    try {
      this.acd.callEnded(released.agentId, callId);
    } catch (err) {
      this.log.warn({ callId, err: (err as Error).message }, 'ACD did not know the released call');
    }
    this.notifier.publish({ type: 'call.agent_released', at: this.clock.now(), callId, agentId: released.agentId });
    this.changes.changed();
    this.routing.dispatch();
    return released;
  }

  /** Another agent answered for a call whose agent was released (transfer): their leg becomes the call's agent leg. */
  attachAgentLeg(callId: string, agent: { agentId: string; seat: string; legId: string }): boolean {
    const s = this.registry.find(callId);
    if (!s || s.phase !== 'connected' || s.agentChannelId) return false;
    s.agentId = agent.agentId;
    s.seat = agent.seat;
    s.agentChannelId = agent.legId;
    this.registry.addLeg(agent.legId, callId);
    this.notifier.publish({ type: 'call.connected', at: this.clock.now(), callId, agentId: agent.agentId, seat: agent.seat, transferred: true });
    this.changes.changed();
    return true;
  }

  /**
   * Blind transfer to a skill or back to the queue: the current agent (if any) is released and their leg hung up;
   * the caller hears music in the call's bridge, first in line, until the next agent answers into that bridge.
   */
  async requeue(callId: string, target: { requiredSkill?: string } = {}): Promise<boolean> {
    const s = this.registry.find(callId);
    if (!s || s.phase !== 'connected') return false;
    const released = this.releaseAgent(callId);
    if (released) await this.telephony.hangup(released.legId).catch(() => undefined);
    s.phase = 'queued';
    if (s.bridgeId) await this.telephony.bridgeMoh(s.bridgeId, true).catch(() => undefined);
    this.acd.enqueue({ callId, line: s.did, language: s.language, priority: 1000, enqueuedAt: this.clock.now(), ...(target.requiredSkill && { requiredSkill: target.requiredSkill }) });
    this.notifier.publish({ type: 'call.requeued', at: this.clock.now(), callId, requiredSkill: target.requiredSkill ?? null });
    this.routing.dispatch();
    return true;
  }

  /**
   * The call goes on without any agent (hand-off to a partner line, transfer to an outside number): the call record
   * is published now, and the caller's channel and bridge belong to the caller of this from here on.
   */
  handOff(callId: string): CallSession | undefined {
    const s = this.registry.find(callId);
    if (!s || s.phase !== 'connected') return undefined;
    this.releaseAgent(callId);
    s.phase = 'ended';
    this.registry.remove(callId);
    const record = toCallRecord(s, this.clock.now(), 'agent');
    this.log.info({ callId, agentId: s.agentId }, 'call handed off; the agent left');
    this.notifier.publish({ type: 'call.ended', at: this.clock.now(), callId, outcome: record.outcome, agentId: record.agentId, handedOff: true });
    void this.sink.publish(record);
    this.changes.changed();
    return s;
  }
}
