/** Language the caller speaks; chosen by the single "for Tibetan press 2" prompt (silence means Mandarin). */
export type Language = 'mandarin' | 'tibetan';

/** Where an agent is in the ACD's state machine. */
export type AgentState = 'logged_out' | 'ready' | 'reserved' | 'on_call' | 'wrap_up' | 'paused';

/** Alias of AgentState that cannot clash with other modules' AgentState when re-exported from the package root. */
export type AcdAgentState = AgentState;

/** How a line picks among eligible ready agents. */
export type StrategyName = 'longest_idle' | 'fewest_calls' | 'least_talk_time' | 'round_robin' | 'skill_sparing';

/** Every strategy name, for validation. */
export const STRATEGY_NAMES: readonly StrategyName[] = ['longest_idle', 'fewest_calls', 'least_talk_time', 'round_robin', 'skill_sparing'];

/** Every language, for validation. */
export const LANGUAGES: readonly Language[] = ['mandarin', 'tibetan'];

/** Pause reason set by login until the agent declares themselves ready. */
export const PAUSE_NOT_READY = 'not_ready';

/** Pause reason set by the engine after too many ring-no-answers in a row. */
export const PAUSE_RING_NO_ANSWER = 'ring_no_answer';

/** Who an agent is and what they can handle. */
export interface AgentProfile {
  /** Stable agent identifier. */
  agentId: string;
  /** Seat (softphone endpoint) the agent is logged in at. */
  seat: string;
  /** Skill name -> level 1..10, e.g. {mandarin: 5, tibetan: 8}; presence (level >= 1) decides eligibility. */
  skills: Record<string, number>;
  /** QA/callback/shift-lead helper who opted in: only gets calls when the queue passes the backup threshold. */
  backup?: boolean;
}

/** A call entering the queue. */
export interface WaitingCallInput {
  /** Stable call identifier (e.g. the Asterisk linkedid). */
  callId: string;
  /** DID line the call arrived on, e.g. '12345'. */
  line: string;
  /** Caller language. */
  language: Language;
  /** Base priority; higher is served first. Defaults to 0. */
  priority?: number;
  /** Skill the call needs; overrides the line's requiredSkill. */
  requiredSkill?: string;
  /** Epoch ms the caller started waiting; defaults to clock.now(). */
  enqueuedAt?: number;
}

/** A match made by assign(): ring this agent's seat with this call. */
export interface Assignment {
  /** The call to offer. */
  callId: string;
  /** The agent now reserved for it. */
  agentId: string;
  /** The agent's seat to ring. */
  seat: string;
}

/** Read-only view of an agent. */
export interface AgentView {
  /** Stable agent identifier. */
  agentId: string;
  /** Seat the agent is logged in at. */
  seat: string;
  /** Skill levels (a copy). */
  skills: Record<string, number>;
  /** Whether the agent is a backup helper. */
  backup: boolean;
  /** Current state. */
  state: AgentState;
  /** Why the agent is paused (only while paused). */
  pauseReason?: string;
  /** Pause requested during a call, applied when it ends. */
  pendingPauseReason?: string;
  /** Call the agent is reserved for or talking on. */
  currentCallId?: string;
  /** Epoch ms the current state began. */
  stateSince: number;
  /** Epoch ms the agent's last call ended. */
  lastCallEndedAt?: number;
  /** Epoch ms the agent counts as idle from (for longest-idle routing); meaningful while ready. */
  idleSince: number;
  /** Epoch ms wrap-up ends (only while in wrap_up). */
  wrapUpEndsAt?: number;
  /** Calls answered since login began in this engine. */
  callsAnswered: number;
  /** Total talk time of ended calls, ms. */
  talkMs: number;
  /** Consecutive ring-no-answers. */
  missesInRow: number;
}

/** Read-only view of a waiting (or reserved) call. */
export interface WaitingCallView {
  /** Stable call identifier. */
  callId: string;
  /** DID line. */
  line: string;
  /** Caller language. */
  language: Language;
  /** Base priority. */
  priority: number;
  /** Effective skill requirement (call's own, else the line's). */
  requiredSkill?: string;
  /** Epoch ms the caller started waiting; kept across ring-no-answer so the call keeps its place. */
  enqueuedAt: number;
  /** Seconds waited so far (never negative). */
  waitSeconds: number;
  /** 1-based place in routing order; 0 when the call is not waiting (already reserved). */
  position: number;
}

/** Serialised agent, part of AcdSnapshot. */
export interface AgentSnapshot {
  agentId: string;
  seat: string;
  skills: Record<string, number>;
  backup: boolean;
  seq: number;
  state: AgentState;
  pauseReason?: string;
  pendingPauseReason?: string;
  currentCallId?: string;
  stateSince: number;
  lastCallEndedAt?: number;
  idleSince: number;
  connectedAt?: number;
  wrapUpEndsAt?: number;
  callsAnswered: number;
  talkMs: number;
  missesInRow: number;
}

/** Serialised call, part of AcdSnapshot. */
export interface CallSnapshot {
  callId: string;
  line: string;
  language: Language;
  priority: number;
  requiredSkill?: string;
  enqueuedAt: number;
  seq: number;
  state: 'waiting' | 'reserved' | 'on_call';
  agentId?: string;
  excludedAgentId?: string;
}

/** Plain JSON image of the engine, for Redis persistence across gateway restarts. */
export interface AcdSnapshot {
  /** Format version, bumped on incompatible change. */
  version: 1;
  /** Next agent order number (ties in every strategy break on it). */
  nextAgentSeq: number;
  /** Next call insertion number (last FIFO tie-break). */
  nextCallSeq: number;
  /** Round-robin memory: per line, the order number of the agent last offered a call. */
  roundRobinLast: Record<string, number>;
  /** Agents in login order. */
  agents: AgentSnapshot[];
  /** Calls still known to the engine (waiting, reserved, on_call). */
  calls: CallSnapshot[];
}
