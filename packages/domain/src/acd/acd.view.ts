import type { AgentSnapshot, AgentView, CallSnapshot, WaitingCallView } from './acd.model.js';
import type { AgentRecord, CallRecord } from './acd.record.js';

/** Public read-only copy of an agent. */
export function agentView(a: AgentRecord): AgentView {
  const view: AgentView = {
    agentId: a.agentId,
    seat: a.seat,
    skills: { ...a.skills },
    backup: a.backup,
    state: a.state,
    stateSince: a.stateSince,
    idleSince: a.idleSince,
    callsAnswered: a.callsAnswered,
    talkMs: a.talkMs,
    missesInRow: a.missesInRow,
  };
  if (a.pauseReason !== undefined) view.pauseReason = a.pauseReason;
  if (a.pendingPauseReason !== undefined) view.pendingPauseReason = a.pendingPauseReason;
  if (a.currentCallId !== undefined) view.currentCallId = a.currentCallId;
  if (a.lastCallEndedAt !== undefined) view.lastCallEndedAt = a.lastCallEndedAt;
  if (a.wrapUpEndsAt !== undefined) view.wrapUpEndsAt = a.wrapUpEndsAt;
  return view;
}

/** Public read-only copy of a call; position 0 means not waiting. */
export function callView(c: CallRecord, now: number, position: number): WaitingCallView {
  const view: WaitingCallView = {
    callId: c.callId,
    line: c.line,
    language: c.language,
    priority: c.priority,
    enqueuedAt: c.enqueuedAt,
    waitSeconds: Math.max(0, (now - c.enqueuedAt) / 1000),
    position,
  };
  if (c.requiredSkill !== undefined) view.requiredSkill = c.requiredSkill;
  return view;
}

/** JSON image of an agent: its view plus what restore needs; undefined fields are omitted so restore+snapshot is byte-identical. */
export function agentSnapshot(a: AgentRecord): AgentSnapshot {
  const s: AgentSnapshot = { ...agentView(a), seq: a.seq };
  if (a.connectedAt !== undefined) s.connectedAt = a.connectedAt;
  return s;
}

/**
 * What an agent's image was made of, every field in one fixed layout (one object shape, whatever is set): compared
 * field by field with the agent on each save, it says whether the image still shows the agent as it is (most of 1,000
 * agents between two saves), so the engine hands out the same image and the store reuses its JSON. Images themselves
 * take one shape per combination of optional fields, which made the same comparison on them ~1 µs an agent.
 * The skills object is compared by identity: the engine replaces it whenever an agent's skills change.
 */
export interface AgentStamp {
  skills: Record<string, number>;
  state: AgentRecord['state'];
  stateSince: number;
  currentCallId: string | undefined;
  idleSince: number;
  callsAnswered: number;
  talkMs: number;
  missesInRow: number;
  pauseReason: string | undefined;
  pendingPauseReason: string | undefined;
  lastCallEndedAt: number | undefined;
  connectedAt: number | undefined;
  wrapUpEndsAt: number | undefined;
  seq: number;
  backup: boolean;
  seat: string;
  agentId: string;
}

/** The stamp of `a` as it is now. */
export function agentStamp(a: AgentRecord): AgentStamp {
  return {
    skills: a.skills,
    state: a.state,
    stateSince: a.stateSince,
    currentCallId: a.currentCallId,
    idleSince: a.idleSince,
    callsAnswered: a.callsAnswered,
    talkMs: a.talkMs,
    missesInRow: a.missesInRow,
    pauseReason: a.pauseReason,
    pendingPauseReason: a.pendingPauseReason,
    lastCallEndedAt: a.lastCallEndedAt,
    connectedAt: a.connectedAt,
    wrapUpEndsAt: a.wrapUpEndsAt,
    seq: a.seq,
    backup: a.backup,
    seat: a.seat,
    agentId: a.agentId,
  };
}

/** Whether `a` is still as `stamp` (taken of it earlier) shows it. */
export function stampCurrent(stamp: AgentStamp, a: AgentRecord): boolean {
  return (
    stamp.state === a.state &&
    stamp.stateSince === a.stateSince &&
    stamp.currentCallId === a.currentCallId &&
    stamp.idleSince === a.idleSince &&
    stamp.callsAnswered === a.callsAnswered &&
    stamp.talkMs === a.talkMs &&
    stamp.missesInRow === a.missesInRow &&
    stamp.pauseReason === a.pauseReason &&
    stamp.pendingPauseReason === a.pendingPauseReason &&
    stamp.lastCallEndedAt === a.lastCallEndedAt &&
    stamp.connectedAt === a.connectedAt &&
    stamp.wrapUpEndsAt === a.wrapUpEndsAt &&
    stamp.skills === a.skills &&
    stamp.seq === a.seq &&
    stamp.backup === a.backup &&
    stamp.seat === a.seat &&
    stamp.agentId === a.agentId
  );
}

/** JSON image of a call. */
export function callSnapshot(c: CallRecord): CallSnapshot {
  const s: CallSnapshot = {
    callId: c.callId,
    line: c.line,
    language: c.language,
    priority: c.priority,
    enqueuedAt: c.enqueuedAt,
    seq: c.seq,
    state: c.state,
  };
  if (c.requiredSkill !== undefined) s.requiredSkill = c.requiredSkill;
  if (c.agentId !== undefined) s.agentId = c.agentId;
  if (c.excludedAgentId !== undefined) s.excludedAgentId = c.excludedAgentId;
  return s;
}
