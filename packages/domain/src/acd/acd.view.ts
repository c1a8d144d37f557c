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

/** Every field of an agent's image but its skills, compared one by one (the type makes the list complete). */
const AGENT_IMAGE_FIELDS = Object.keys({
  agentId: true,
  seat: true,
  backup: true,
  seq: true,
  state: true,
  pauseReason: true,
  pendingPauseReason: true,
  currentCallId: true,
  stateSince: true,
  lastCallEndedAt: true,
  idleSince: true,
  connectedAt: true,
  wrapUpEndsAt: true,
  callsAnswered: true,
  talkMs: true,
  missesInRow: true,
} satisfies { [K in Exclude<keyof AgentSnapshot, 'skills'>]-?: true }) as Array<Exclude<keyof AgentSnapshot, 'skills'>>;

/**
 * Whether `image` (an earlier agentSnapshot() of `a`) still shows `a` as it is: an omitted optional field matches an
 * undefined one. Lets the engine hand out the same image while an agent has not changed (most of 1,000 agents between
 * two saves), and the store reuse its JSON.
 */
export function agentImageCurrent(image: AgentSnapshot, a: AgentRecord): boolean {
  for (const field of AGENT_IMAGE_FIELDS) if (image[field] !== a[field]) return false;
  const skills = Object.keys(a.skills);
  if (skills.length !== Object.keys(image.skills).length) return false;
  for (const name of skills) if (image.skills[name] !== a.skills[name]) return false;
  return true;
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
