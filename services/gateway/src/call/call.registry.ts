import { estimateWaitSeconds } from '@cti/domain';
import type { CallSession } from './call-session.js';

/** The gateway's live call state, JSON-serialisable for persistence across restarts. */
export interface CallRegistrySnapshot {
  sessions: CallSession[];
  legs: Array<[string, string]>;
  legSeq: number;
  recentAnswers: number[];
}

/** Answer times kept for the estimated wait. */
const RECENT_ANSWERS = 50;

/**
 * The live inbound calls and the channels that belong to them, shared by the call services. Holds state only: the
 * services decide what happens to a call. Sessions, agent legs, leg numbering and recent answers are persisted.
 */
export class CallRegistry {
  private readonly sessions = new Map<string, CallSession>();
  /** Agent leg channel id → call id. */
  private readonly legs = new Map<string, string>();
  private legSeq = 0;
  /** Legs of live calls found by a reconcile that no feature remembers (channel id → call id): hung up with the call. */
  private readonly ownedLegs = new Map<string, string>();
  /** Bridges being created in advance, by call id (the agent's connect waits for them). */
  private readonly bridging = new Map<string, Promise<void>>();
  /** When recent calls were answered, for the estimated wait. */
  private recentAnswers: number[] = [];

  /** The state to persist. */
  snapshot(): CallRegistrySnapshot {
    return { sessions: [...this.sessions.values()].map((s) => ({ ...s })), legs: [...this.legs], legSeq: this.legSeq, recentAnswers: [...this.recentAnswers] };
  }

  /** Replaces the state with a persisted one (a playback in progress then is gone with the old process). */
  restore(snapshot: CallRegistrySnapshot): void {
    this.sessions.clear();
    this.legs.clear();
    for (const s of snapshot.sessions) this.sessions.set(s.callId, { ...s, playbackId: undefined });
    for (const [leg, callId] of snapshot.legs) this.legs.set(leg, callId);
    this.legSeq = snapshot.legSeq;
    this.recentAnswers = [...snapshot.recentAnswers];
  }

  // ---- sessions ----

  /** Finds a live session by call id. */
  find(callId: string): CallSession | undefined {
    return this.sessions.get(callId);
  }

  has(callId: string): boolean {
    return this.sessions.has(callId);
  }

  add(s: CallSession): void {
    this.sessions.set(s.callId, s);
  }

  remove(callId: string): void {
    this.sessions.delete(callId);
  }

  /** The live sessions, as a new array (safe to change sessions while going through it). */
  all(): CallSession[] {
    return [...this.sessions.values()];
  }

  /** The live sessions as they are iterated (for loops that add or remove none). */
  values(): IterableIterator<CallSession> {
    return this.sessions.values();
  }

  /** Call ids of the live sessions. */
  callIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** The connected call an agent is talking on (their leg attached), if any. */
  findByAgent(agentId: string): CallSession | undefined {
    for (const s of this.sessions.values()) if (s.phase === 'connected' && s.agentId === agentId && s.agentChannelId) return s;
    return undefined;
  }

  /** Notes the call's recording name, referenced from its call record. */
  noteRecording(callId: string, name: string): void {
    const s = this.sessions.get(callId);
    if (s && s.recording === undefined) s.recording = name;
  }

  /** The live call a channel belongs to: the caller's own channel, its agent's seat leg, or a leg it owns. */
  ownerOf(channelId: string): string | undefined {
    if (this.sessions.has(channelId)) return channelId;
    for (const s of this.sessions.values()) if (s.agentChannelId === channelId) return s.callId;
    return this.ownedLegs.get(channelId);
  }

  // ---- agent legs ----

  /** A new agent leg id for the call. */
  nextLegId(callId: string): string {
    return `${callId}-leg${++this.legSeq}`;
  }

  addLeg(legId: string, callId: string): void {
    this.legs.set(legId, callId);
  }

  /** The call an agent leg belongs to. */
  callOfLeg(legId: string): string | undefined {
    return this.legs.get(legId);
  }

  removeLeg(legId: string): void {
    this.legs.delete(legId);
  }

  legIds(): string[] {
    return [...this.legs.keys()];
  }

  // ---- legs owned by a call (found by a reconcile) ----

  addOwnedLeg(legId: string, callId: string): void {
    this.ownedLegs.set(legId, callId);
  }

  removeOwnedLeg(legId: string): void {
    this.ownedLegs.delete(legId);
  }

  ownedLegIds(): string[] {
    return [...this.ownedLegs.keys()];
  }

  /** Forgets the legs a call owns and returns them (to hang up with the call). */
  takeOwnedLegsOf(callId: string): string[] {
    const taken: string[] = [];
    for (const [leg, owner] of [...this.ownedLegs]) {
      if (owner !== callId) continue;
      this.ownedLegs.delete(leg);
      taken.push(leg);
    }
    return taken;
  }

  // ---- bridges made in advance ----

  /** Notes a call's bridge being made; forgotten once settled. */
  addPendingBridge(callId: string, pending: Promise<void>): void {
    this.bridging.set(callId, pending);
    void pending.finally(() => this.bridging.delete(callId));
  }

  /** The call's bridge still being made, if any. */
  pendingBridge(callId: string): Promise<void> | undefined {
    return this.bridging.get(callId);
  }

  // ---- answer times ----

  /** A call was answered at `at` (a first answer, not a transferred call's). */
  noteAnswer(at: number): void {
    this.recentAnswers.push(at);
    if (this.recentAnswers.length > RECENT_ANSWERS) this.recentAnswers.shift();
  }

  /** Estimated wait in seconds for a caller at `position`, from recent answer times. */
  estimatedWait(position: number, now: number): number | undefined {
    return estimateWaitSeconds(position, this.recentAnswers, now);
  }
}
