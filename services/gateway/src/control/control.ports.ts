import type { CallSession } from '../call/call-session.js';
import type { AgentView } from '@cti/domain';

/** The slice of CallService call control acts through; it never changes sessions any other way. */
export interface ControlledCalls {
  findCall(callId: string): CallSession | undefined;
  findCallByAgent(agentId: string): CallSession | undefined;
  liveCalls(): CallSession[];
  noteRecording(callId: string, name: string): void;
  releaseAgent(callId: string): { agentId: string; legId: string } | undefined;
  attachAgentLeg(callId: string, agent: { agentId: string; seat: string; legId: string }): boolean;
  requeue(callId: string, target?: { requiredSkill?: string }): Promise<boolean>;
  handOff(callId: string): CallSession | undefined;
}

/** The slice of the ACD transfers need to hold a target agent (AcdEngine fits). */
export interface AgentAvailability {
  findAgent(agentId: string): AgentView | undefined;
  pause(agentId: string, reason: string): void;
  ready(agentId: string): void;
}

/** Trunk reachability (TrunkMonitor fits): keys `trunk-primary`, `trunk-backup`. */
export interface TrunkStatusSource {
  snapshot(): Record<string, { status: 'up' | 'down' | 'unknown' }>;
}

/** Pause reason that holds an agent for a transfer while their seat rings and while they take the call. */
export const TRANSFER_PAUSE_REASON = 'transfer';

/**
 * Q.850 causes of a leg that failed on the trunk rather than at the far phone (congestion, out of order, failure,
 * no route, timer expiry, no response): worth retrying on the other trunk. Busy (17), no answer (19), rejected (21)
 * and normal clearing (16) are the partner's answer and are not retried.
 */
export const TRUNK_FAILURE_CAUSES: ReadonlySet<number> = new Set([2, 3, 18, 20, 27, 34, 38, 41, 42, 44, 47, 58, 66, 102, 111]);
