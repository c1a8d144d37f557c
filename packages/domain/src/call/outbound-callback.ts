import type { TrunkName } from './call-record.js';

/**
 * Why the centre calls a citizen back: a virtual-hold request, a missed (abandoned) call (漏接回拨), or a ticket's
 * result callback (回访) an agent dials from their desk.
 */
export type OutboundCallbackKind = 'virtual_hold' | 'missed_call' | 'ticket_callback';

/** How a callback ended. */
export type OutboundCallbackResult = 'reached' | 'unreachable' | 'agent_unavailable' | 'cancelled';

/** One finished callback attempt; keyed by `id` so redelivery is idempotent. */
export interface OutboundCallbackRecord {
  id: string;
  kind: OutboundCallbackKind;
  /** The inbound call that asked for it (virtual hold) or was missed; `ticket-<id>` for a ticket's result callback. */
  linkedId: string;
  /** Missed-call task id, for missed-call callbacks. */
  taskId?: string;
  callerNumber: string;
  requestedAt: number;
  agentId?: string;
  /** When the agent answered and the citizen was dialled. */
  dialledAt?: number;
  /** When the citizen answered. */
  answeredAt?: number;
  endedAt: number;
  trunk?: TrunkName;
  result: OutboundCallbackResult;
}
