import type { AcdEngine, AgentState } from '@cti/domain';
import type { EventPublisher } from '../events/event-bus.js';

/**
 * Publishes an `agent.state` event whenever an agent's ACD state (or pause reason) changes.
 * The ACD is pure and silent; comparing its view after each batch of operations keeps it that way.
 */
export class AgentStateTracker {
  private readonly last = new Map<string, { state: AgentState; reason: string | undefined }>();

  constructor(
    private readonly acd: AcdEngine,
    private readonly events: EventPublisher,
    private readonly now: () => number,
  ) {}

  /** Compares the agents whose state changed with the last published state and publishes the differences. */
  sync(): void {
    for (const a of this.acd.takeChangedAgents()) {
      const prev = this.last.get(a.agentId);
      const reason = a.pauseReason;
      if (prev && prev.state === a.state && prev.reason === reason) continue;
      this.last.set(a.agentId, { state: a.state, reason });
      this.events.publish({
        type: 'agent.state',
        at: this.now(),
        agentId: a.agentId,
        seat: a.seat,
        from: prev?.state ?? 'logged_out',
        to: a.state,
        ...(reason !== undefined && { reason }),
        ...(a.currentCallId !== undefined && { callId: a.currentCallId }),
      });
    }
  }
}
