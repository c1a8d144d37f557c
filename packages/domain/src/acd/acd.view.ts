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
