import type { AcdEngine, AgentView } from '@cti/domain';
import type { Logger } from '../logger.js';

/** Pause reason of an agent whose seat's phone does not answer qualify (unplugged, network gone); ends by itself. */
export const SEAT_UNREACHABLE_PAUSE_REASON = 'seat_unreachable';

/**
 * Keeps agents at unreachable seats out of routing: an agent whose seat stops answering OPTIONS is paused with
 * `seat_unreachable` (after the call in progress, which the RTP timeout ends if the phone is dead), and made ready
 * again when it answers, unless they chose a pause of their own meanwhile. Told of every change by the seat monitor
 * (SeatMonitor reports only changes), it knows which seats are unreachable now.
 */
export class SeatReachability {
  /** Seats whose phones are known not to answer. */
  private readonly unreachable = new Set<string>();

  constructor(
    private readonly acd: AcdEngine,
    private readonly log: Logger,
    /** After a change: route and persist. */
    private readonly changed: () => void,
  ) {}

  /** The seat's phone stopped or started answering. */
  seatChanged(seat: string, reachable: boolean): void {
    if (reachable) this.unreachable.delete(seat);
    else this.unreachable.add(seat);
    const agent = this.acd.agents().find((a) => a.seat === seat && a.state !== 'logged_out');
    if (!agent) return;
    if (reachable) this.restore(agent);
    else this.pauseIfAvailable(agent);
    this.changed();
  }

  /** Pauses every available agent whose seat is known unreachable (after a log-in or ready at a dead phone). */
  enforce(): void {
    for (const agent of this.acd.agents()) if (agent.state !== 'logged_out' && this.unreachable.has(agent.seat)) this.pauseIfAvailable(agent);
  }

  private pauseIfAvailable(agent: AgentView): void {
    // An agent on a break stays on it; a call in progress ends first (the pause waits for it).
    if (agent.state === 'paused' || agent.pendingPauseReason !== undefined) return;
    this.acd.pause(agent.agentId, SEAT_UNREACHABLE_PAUSE_REASON);
    this.log.warn({ agentId: agent.agentId, seat: agent.seat, state: agent.state }, 'seat unreachable; agent paused until it answers again');
  }

  private restore(agent: AgentView): void {
    const ours = agent.state === 'paused' ? agent.pauseReason : agent.pendingPauseReason;
    if (ours !== SEAT_UNREACHABLE_PAUSE_REASON) return;
    this.acd.ready(agent.agentId); // during a call this only cancels the pending pause
    this.log.info({ agentId: agent.agentId, seat: agent.seat }, 'seat reachable again; agent ready');
  }
}
