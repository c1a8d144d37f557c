// One declaration per concept in the package: the call module owns CallOutcome, this file owns SatisfactionLevel.
import type { CallOutcome } from '../call/call-record.js';

/** One ring of a queued call at one agent's phone. */
export interface AgentOffer {
  /** The agent whose phone rang. */
  readonly agentId: string;
  /** Whether that agent picked up. */
  readonly answered: boolean;
}

/** One inbound call as the KPI engine sees it; times are epoch ms. */
export interface CallFact {
  /** Stable call id (Asterisk linkedid). */
  readonly callId: string;
  /** The dialled number (DID): 12345 or a merged sub-line with its own statistics. */
  readonly line: string;
  /** Carrier trunk the call arrived on (primary or backup). */
  readonly trunk: string;
  /** When the call entered the agent queue; undefined when it never queued (e.g. hung up in the prompt). */
  readonly offeredAt?: number;
  /** When an agent answered. */
  readonly answeredAt?: number;
  /** When the call ended. */
  readonly endedAt: number;
  /** How the call ended. */
  readonly outcome: CallOutcome;
  /** The agent who answered. */
  readonly agentId?: string;
  /** Time spent waiting in the queue, ms (until answer or hang-up). */
  readonly waitMs: number;
  /** Conversation time, ms; defaults to endedAt − answeredAt minus hold when missing. */
  readonly talkMs?: number;
  /** Time the caller was on hold, ms. */
  readonly holdMs?: number;
  /** After-call work, ms. */
  readonly wrapMs?: number;
  /** Every agent the call rang at, in order; missing means only the answering agent (if any) was offered it. */
  readonly offersToAgents?: readonly AgentOffer[];
  /** When an abandoned call was later reached by a call-back to the citizen (漏接回拨). */
  readonly calledBackAt?: number;
  /** The caller's number had an approved nuisance or malicious mark when the call was queued (docs/domain.md §16). */
  readonly markedCaller?: boolean;
}

/** An agent's state as the ACD tracks it. */
export type AgentState = 'ready' | 'reserved' | 'on_call' | 'wrap_up' | 'paused' | 'logged_in_other';

/** A stretch of time [from, to) an agent spent logged in, in one state. */
export interface AgentStateInterval {
  /** The agent. */
  readonly agentId: string;
  /** State during the interval. */
  readonly state: AgentState;
  /** Pause or other-work reason code, when the state has one. */
  readonly reason?: string;
  /** Start, epoch ms, inclusive. */
  readonly from: number;
  /** End, epoch ms, exclusive. */
  readonly to: number;
}

/** The five-level callback rating 非常满意/满意/基本满意/不满意/非常不满意. */
export type SatisfactionLevel =
  | 'very_satisfied'
  | 'satisfied'
  | 'basically_satisfied'
  | 'dissatisfied'
  | 'very_dissatisfied';

/** One ticket (工单) as the KPI engine sees it; times are epoch ms. */
export interface TicketFact {
  /** Ticket id. */
  readonly ticketId: string;
  /** Category code, e.g. 'consultation', 'complaint'. */
  readonly category: string;
  /** When the ticket was accepted at intake (受理). */
  readonly acceptedAt: number;
  /** Closed at intake with a direct answer, no dispatch. */
  readonly resolvedAtIntake: boolean;
  /** Sent to a handling unit at least once. */
  readonly dispatched: boolean;
  /** Returned by the unit (退单) or reassigned after the first dispatch. */
  readonly returnedOrReassigned: boolean;
  /** Handling deadline, when one applies. */
  readonly dueAt?: number;
  /** When the ticket was closed (办结). */
  readonly closedAt?: number;
  /** A QA reviewer checked the ticket form. */
  readonly qaReviewed: boolean;
  /** The QA review found the form correct. */
  readonly qaPassed?: boolean;
  /** Result of the callback evaluation; undefined when none was obtained. */
  readonly satisfaction?: SatisfactionLevel;
  /** The matter was resolved on the first call. */
  readonly firstCallResolved?: boolean;
  /** Caller phone number (personal data: never log it). */
  readonly callerNumber: string;
  /** Days until the same caller called again on the same matter; undefined when they did not. */
  readonly repeatCallWithinDays?: number;
}

/** A completed quality review of one answered call. */
export interface QaReview {
  /** The reviewed call. */
  readonly callId: string;
  /** The agent who handled it. */
  readonly agentId: string;
  /** Review score, on the centre's own scale (usually 0–100). */
  readonly score: number;
}

/** A declared system fault [from, to) whose calls are kept out of the answer-rate figures. */
export interface FaultWindow {
  /** Fault start, epoch ms, inclusive. */
  readonly from: number;
  /** Fault end, epoch ms, exclusive. */
  readonly to: number;
}
