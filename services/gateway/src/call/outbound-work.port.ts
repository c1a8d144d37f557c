import type { Assignment, Language, TrunkName } from '@cti/domain';

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
