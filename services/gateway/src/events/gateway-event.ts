import type { AlertChange, KpiAlert } from '@cti/db';
import type {
  CallOutcome,
  Language,
  LinkageMode,
  LinkageResult,
  OutboundCallbackKind,
  OutboundCallbackResult,
  SupervisionMode,
  TrunkName,
  AgentState,
  ops,
} from '@cti/domain';

// The live events of the gateway, one interface per `type`, each with the fields its producers publish. The union
// GatewayEvent is what the bus carries: producers are checked against it, consumers narrow it by `type` (a `switch`,
// or `GatewayEventOf<'call.ended'>`) instead of re-checking fields at run time. Field types come from
// the domain and the packages only: events/ is imported by the feature folders and imports none of them.
//
// Callers' numbers are masked before they get here (maskPhone): events go to desks and logs.

/** What every live event has: its dotted type and when it happened (epoch ms). */
interface EventBase<T extends string> {
  type: T;
  /** Epoch ms when it happened. */
  at: number;
}

// ── Inbound calls (CallService) ──────────────────────────────────────────────────────────────────────────────────

/** A caller entered the agent queue (counted as offered to the queue). */
export interface CallQueuedEvent extends EventBase<'call.queued'> {
  callId: string;
  /** The dialled number (12345 or a merged hotline's DID). */
  line: string;
  language: Language;
}

/** A waiting caller chose a language (DTMF 2 / 3). */
export interface CallLanguageEvent extends EventBase<'call.language'> {
  callId: string;
  language: Language;
}

/** A waiting caller accepted a callback that keeps their place (virtual hold) and hangs up. */
export interface CallCallbackRequestedEvent extends EventBase<'call.callback_requested'> {
  callId: string;
}

/** An agent's seat rings for a call: an inbound caller, or a callback job (`callback` set). */
export interface CallOfferedEvent extends EventBase<'call.offered'> {
  /** The inbound call's id, or the callback job's ACD entry. */
  callId: string;
  agentId: string;
  seat: string;
  /** The caller's number, masked. */
  caller: string;
  language: Language;
  /** The language came from the caller's number's memory (inbound calls only). */
  languageRemembered?: boolean;
  /** The dialled number (12345 or a merged hotline's DID). */
  line: string;
  /** Set when the offer is a callback job: its kind. */
  callback?: OutboundCallbackKind;
}

/** The agent answered (or, `transferred`, the transfer target took the call over). */
export interface CallConnectedEvent extends EventBase<'call.connected'> {
  callId: string;
  agentId: string;
  seat: string;
  transferred?: true;
}

/** The seat rang out or was refused; the call is offered to the next agent. */
export interface CallRingNoAnswerEvent extends EventBase<'call.ring_no_answer'> {
  callId: string;
  agentId: string;
}

/**
 * Asterisk did not carry out a request for a waiting caller (no answer in time under overload, or refused): the caller
 * keeps their place in the queue, hearing ringing (or silence) instead of hold music, and is answered at connect.
 */
export interface CallWaitDegradedEvent extends EventBase<'call.wait_degraded'> {
  callId: string;
  reason: string;
}

/**
 * A caller the gateway could not serve went to the dialplan's fallback queue (`handedOver`), or could not be taken
 * there either and was hung up after trying for a while (`handedOver: false`; docs/domain.md §23).
 */
export interface CallFallbackEvent extends EventBase<'call.fallback'> {
  callId: string;
  handedOver: boolean;
}

/** The agent left a call that goes on (a transfer or a hand-off); the agent is free. */
export interface CallAgentReleasedEvent extends EventBase<'call.agent_released'> {
  callId: string;
  agentId: string;
}

/** A blind transfer back into the queue, to a skill (`requiredSkill`) or to anyone (null). */
export interface CallRequeuedEvent extends EventBase<'call.requeued'> {
  callId: string;
  requiredSkill: string | null;
}

/** The call ended (its record is published); `handedOff`: it goes on with a partner line, without an agent. */
export interface CallEndedEvent extends EventBase<'call.ended'> {
  callId: string;
  outcome: CallOutcome;
  /** The agent of an answered call. */
  agentId?: string;
  handedOff?: true;
}

// ── Call control: hold, mute, transfers (CallControlService) ────────────────────────────────────────────────────

/** An agent and the call they act on. */
interface AgentOnCall {
  callId: string;
  agentId: string;
}

/** The agent put the caller on hold (they hear music). */
export interface CallHeldEvent extends EventBase<'call.held'>, AgentOnCall {}

/** The agent took the caller off hold. */
export interface CallResumedEvent extends EventBase<'call.resumed'>, AgentOnCall {}

/** The agent muted their phone (the caller no longer hears them). */
export interface CallMutedEvent extends EventBase<'call.muted'>, AgentOnCall {}

/** The agent unmuted their phone. */
export interface CallUnmutedEvent extends EventBase<'call.unmuted'>, AgentOnCall {}

/** A transfer's two agents: the one transferring and the one whose seat rings. */
interface TransferParties {
  callId: string;
  transferId: string;
  fromAgentId: string;
  toAgentId: string;
}

export type TransferKind = 'blind' | 'attended';

/** The transfer target's seat rings. */
export interface TransferRingingEvent extends EventBase<'transfer.ringing'>, TransferParties {
  kind: TransferKind;
  /** The caller's number, masked. */
  caller: string;
}

/** Attended transfer: the target answered and consults with the first agent while the caller holds. */
export interface TransferConsultingEvent extends EventBase<'transfer.consulting'>, TransferParties {}

/** The target took the call; `by: 'first_agent_hangup'` when the first agent hung up during the consultation. */
export interface TransferCompletedEvent extends EventBase<'transfer.completed'>, TransferParties {
  by?: 'first_agent_hangup';
}

/** Attended transfer became a three-way call. */
export interface TransferConferenceEvent extends EventBase<'transfer.conference'>, TransferParties {}

/** The first agent cancelled the attended transfer and has the caller back. */
export interface TransferCancelledEvent extends EventBase<'transfer.cancelled'>, TransferParties {}

/** The target did not answer or could not be rung. */
export interface TransferFailedEvent extends EventBase<'transfer.failed'>, TransferParties {
  kind: TransferKind;
}

// ── Supervision (SupervisionService) ─────────────────────────────────────────────────────────────────────────────

/** The supervisor's seat rings to supervise an agent's call. */
export interface SupervisionRingingEvent extends EventBase<'supervision.ringing'> {
  sessionId: string;
  callId: string;
  agentId: string;
  supervisor: string;
  mode: SupervisionMode;
}

/** The supervisor answered: the snoop channel is in their bridge. */
export interface SupervisionActiveEvent extends EventBase<'supervision.active'> {
  sessionId: string;
  callId: string;
  agentId: string;
  mode: SupervisionMode;
  snoopId: string;
}

/** The session switched mode (a new snoop channel). */
export interface SupervisionModeEvent extends EventBase<'supervision.mode'> {
  sessionId: string;
  callId: string;
  mode: SupervisionMode;
}

/** Why a supervision session ended. */
export type SupervisionEndReason = 'seat_unreachable' | 'stopped' | 'call_ended' | 'supervisor_left';

export interface SupervisionEndedEvent extends EventBase<'supervision.ended'> {
  sessionId: string;
  callId: string;
  reason: SupervisionEndReason;
}

// ── Emergency / partner linkage and outside transfers (LinkageService) ──────────────────────────────────────────

/** A linkage's call, agent and partner line (`partner` is the directory key, or the outside-number marker). */
interface LinkageParties {
  callId: string;
  linkageId: string;
  agentId: string;
  partner: string;
}

/** The partner line is being dialled. */
export interface LinkageDiallingEvent extends EventBase<'linkage.dialling'>, LinkageParties {
  mode: LinkageMode;
  trunk: TrunkName;
}

/** The partner leg failed on the trunk; the other trunk is tried. */
export interface LinkageTrunkFallbackEvent extends EventBase<'linkage.trunk_fallback'>, LinkageParties {
  from: TrunkName;
  to: TrunkName;
  /** Q.850 cause of the failed leg, when known. */
  cause: number | null;
}

/** The partner answered and joined the call. */
export interface LinkageAnsweredEvent extends EventBase<'linkage.answered'>, LinkageParties {
  trunk: TrunkName;
}

/** The agent left caller and partner talking. */
export interface LinkageHandedOffEvent extends EventBase<'linkage.handed_off'>, LinkageParties {}

/** The partner did not answer or could not be reached; `nextNumberIndex`: the partner's next number, if any. */
export interface LinkageFailedEvent extends EventBase<'linkage.failed'>, LinkageParties {
  result: Extract<LinkageResult, 'no_answer' | 'failed'>;
  trunk: TrunkName;
  nextNumberIndex: number | null;
}

/** The linkage is over (its record is published). */
export interface LinkageEndedEvent extends EventBase<'linkage.ended'>, LinkageParties {
  result: LinkageResult;
}

// ── Outbound callbacks (OutboundCallbackService) ─────────────────────────────────────────────────────────────────

/** A callback joined the queue: a virtual hold keeps the caller's call id, a missed call comes from its task. */
export type CallbackQueuedEvent = EventBase<'callback.queued'> & ({ kind: 'virtual_hold'; callId: string } | { kind: 'missed_call'; taskId: string });

/** The citizen answered the callback and talks with the agent. */
export interface CallbackConnectedEvent extends EventBase<'callback.connected'> {
  /** The id the offer carried (call.offered). */
  callId: string;
  callbackId: string;
  agentId?: string;
  trunk?: TrunkName;
}

/** The callback is over (its record is published). */
export interface CallbackEndedEvent extends EventBase<'callback.ended'> {
  /** The id the offer carried (call.offered), so the desk knows which of its calls ended. */
  callId: string;
  callbackId: string;
  kind: OutboundCallbackKind;
  result: OutboundCallbackResult;
  agentId?: string;
}

// ── Call recording (RecordingService) ────────────────────────────────────────────────────────────────────────────

/** Asterisk reported a call's recording failed (ARI RecordingFailed): its file is missing or cut short. */
export interface RecordingFailedEvent extends EventBase<'recording.failed'> {
  callId: string;
  /** The recording as the call record names it, `YYYY/MM/DD/<call id>.wav`. */
  recording: string;
  /** Asterisk's reason, when it gave one. */
  cause: string | null;
}

// ── Agents, trunks, KPIs, operations ─────────────────────────────────────────────────────────────────────────────

/** An agent's ACD state (or pause reason) changed (AgentStateTracker). */
export interface AgentStateEvent extends EventBase<'agent.state'> {
  agentId: string;
  seat: string;
  from: AgentState;
  to: AgentState;
  /** The pause reason, while paused. */
  reason?: string;
  /** The call the agent is reserved for or talking on. */
  callId?: string;
}

/** A carrier trunk's reachability changed (TrunkMonitor, from AMI). `trunk` is the endpoint, e.g. `trunk-primary`. */
export interface TrunkStatusEvent extends EventBase<'trunk.status'> {
  trunk: string;
  status: 'up' | 'down' | 'unknown';
}

/** The month-end answer-rate projection fell below target: a stored alert raised or escalated. */
export interface KpiAlertEvent extends EventBase<'kpi.alert'> {
  alert: KpiAlert & { change: AlertChange };
}

/** The answer-rate alert cleared. */
export interface KpiAlertClearedEvent extends EventBase<'kpi.alert_cleared'> {
  alert: KpiAlert;
}

/** The fault monitor opened a detected incident. */
export interface OpsIncidentOpenedEvent extends EventBase<'ops.incident.opened'> {
  id: string;
  level: ops.FaultLevel;
  condition: string | null;
  title: string;
}

/** A detected incident's condition recovered. */
export interface OpsIncidentResolvedEvent extends EventBase<'ops.incident.resolved'> {
  id: string;
  level: ops.FaultLevel;
  condition: string;
  recoveryMs: number;
}

/** Every live event of the gateway. */
export type GatewayEvent =
  | CallQueuedEvent
  | CallLanguageEvent
  | CallCallbackRequestedEvent
  | CallOfferedEvent
  | CallConnectedEvent
  | CallRingNoAnswerEvent
  | CallWaitDegradedEvent
  | CallFallbackEvent
  | CallAgentReleasedEvent
  | CallRequeuedEvent
  | CallEndedEvent
  | CallHeldEvent
  | CallResumedEvent
  | CallMutedEvent
  | CallUnmutedEvent
  | TransferRingingEvent
  | TransferConsultingEvent
  | TransferCompletedEvent
  | TransferConferenceEvent
  | TransferCancelledEvent
  | TransferFailedEvent
  | SupervisionRingingEvent
  | SupervisionActiveEvent
  | SupervisionModeEvent
  | SupervisionEndedEvent
  | LinkageDiallingEvent
  | LinkageTrunkFallbackEvent
  | LinkageAnsweredEvent
  | LinkageHandedOffEvent
  | LinkageFailedEvent
  | LinkageEndedEvent
  | CallbackQueuedEvent
  | CallbackConnectedEvent
  | CallbackEndedEvent
  | RecordingFailedEvent
  | AgentStateEvent
  | TrunkStatusEvent
  | KpiAlertEvent
  | KpiAlertClearedEvent
  | OpsIncidentOpenedEvent
  | OpsIncidentResolvedEvent;

/** The type names of the gateway's live events. */
export type GatewayEventType = GatewayEvent['type'];

/** The event of one type (or several), e.g. `GatewayEventOf<'call.ended'>`. */
export type GatewayEventOf<T extends GatewayEventType> = Extract<GatewayEvent, { type: T }>;
