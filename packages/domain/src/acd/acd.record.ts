import type { AgentState, Language } from './acd.model.js';
import type { AgentPool } from './acd.pool.js';
import type { CallClass } from './acd.pool.js';

/** Mutable engine-internal agent; sort keys (idleSince, callsAnswered, talkMs, seq) only change while the agent is outside the ready pools. */
export interface AgentRecord {
  agentId: string;
  seat: string;
  skills: Record<string, number>;
  backup: boolean;
  /** Login order; last tie-break of every strategy so choices never depend on heap layout. */
  seq: number;
  state: AgentState;
  pauseReason: string | undefined;
  pendingPauseReason: string | undefined;
  currentCallId: string | undefined;
  stateSince: number;
  lastCallEndedAt: number | undefined;
  idleSince: number;
  connectedAt: number | undefined;
  wrapUpEndsAt: number | undefined;
  callsAnswered: number;
  talkMs: number;
  missesInRow: number;
  pool: AgentPool;
  wrapUpSlot: number;
}

/** Mutable engine-internal call. */
export interface CallRecord {
  callId: string;
  line: string;
  language: Language;
  priority: number;
  requiredSkill: string | undefined;
  enqueuedAt: number;
  /** Insertion order; last FIFO tie-break. */
  seq: number;
  /**
   * priority - ageing * enqueuedAt / 1000. Effective priority at any time t is rank + ageing * t / 1000,
   * so comparing ranks orders calls by effective priority without re-sorting as time passes.
   */
  rank: number;
  state: 'waiting' | 'reserved' | 'on_call';
  agentId: string | undefined;
  excludedAgentId: string | undefined;
  /** Mandarin call that has waited past the overflow time and may go to bilingual agents. */
  overflowed: boolean;
  callClass: CallClass | undefined;
  classSlot: number;
  ageSlot: number;
  overflowSlot: number;
}

/** Routing order: higher effective priority, then earlier enqueuedAt, then earlier insertion. */
export function callBefore(a: CallRecord, b: CallRecord): boolean {
  if (a.rank !== b.rank) return a.rank > b.rank;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
  return a.seq < b.seq;
}

/** Oldest waiting first (for the longest-wait and overflow clocks). */
export function callOlder(a: CallRecord, b: CallRecord): boolean {
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
  return a.seq < b.seq;
}

/** Longest idle first. */
export function byIdle(a: AgentRecord, b: AgentRecord): number {
  return a.idleSince - b.idleSince || a.seq - b.seq;
}

/** Fewest answered calls first, then longest idle. */
export function byCalls(a: AgentRecord, b: AgentRecord): number {
  return a.callsAnswered - b.callsAnswered || byIdle(a, b);
}

/** Least total talk time first, then longest idle. */
export function byTalk(a: AgentRecord, b: AgentRecord): number {
  return a.talkMs - b.talkMs || byIdle(a, b);
}

/** Login order (the round-robin ring). */
export function bySeq(a: AgentRecord, b: AgentRecord): number {
  return a.seq - b.seq;
}
