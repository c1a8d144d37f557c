import type { Clock } from '../clock.js';
import { CtiError } from '../errors.js';
import { validateAcdConfig, type AcdConfig } from './acd.config.js';
import {
  LANGUAGES,
  PAUSE_NOT_READY,
  PAUSE_RING_NO_ANSWER,
  type AcdSnapshot,
  type AgentProfile,
  type AgentSnapshot,
  type AgentState,
  type AgentView,
  type Assignment,
  type Language,
  type StrategyName,
  type WaitingCallInput,
  type WaitingCallView,
} from './acd.model.js';
import { AgentPool, CallClass, poolKey } from './acd.pool.js';
import { callBefore, callOlder, type AgentRecord, type CallRecord } from './acd.record.js';
import { pickAgent } from './acd.strategy.js';
import { agentSnapshot, agentStamp, agentView, callSnapshot, callView, stampCurrent, type AgentStamp } from './acd.view.js';
import { IndexedHeap } from './indexed-heap.collection.js';

function invalidState(what: string, details: Record<string, unknown>): CtiError {
  return new CtiError('CTI_ERR_INVALID_STATE', what, details);
}

function validation(what: string, details: Record<string, unknown>): CtiError {
  return new CtiError('CTI_ERR_VALIDATION', what, details);
}

function nonEmpty(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value === '') throw validation(`${field} must be a non-empty string`, { field });
}

/**
 * Automatic call distribution: matches waiting calls to ready agents by language, skill, backup
 * and per-line strategy. Pure and synchronous; time comes only from the injected clock.
 */
export class AcdEngine {
  private readonly agentsById = new Map<string, AgentRecord>();
  /** Agents whose state changed since takeChangedAgents() last ran (a Set keeps the order of first change). */
  private readonly changedAgents = new Set<AgentRecord>();
  /** The image snapshot() last handed out of each agent and the stamp of what it was made of (reused while unchanged). */
  private readonly agentImages = new WeakMap<AgentRecord, { image: AgentSnapshot; stamp: AgentStamp }>();
  private readonly calls = new Map<string, CallRecord>();
  private readonly pools = new Map<string, AgentPool>();
  private readonly classes = new Map<string, CallClass>();
  private readonly classList: CallClass[] = [];
  private readonly strategies: ReadonlySet<StrategyName>;
  private readonly pauseReasons: ReadonlySet<string>;
  private readonly overflowMs: number;
  private readonly backupWaitMs: number;
  private readonly roundRobinLast = new Map<string, number>();
  private nextAgentSeq = 1;
  private nextCallSeq = 1;
  /** Waiting calls, oldest first: gives the longest wait for the backup threshold. */
  private readonly waitingByAge = new IndexedHeap<CallRecord>(callOlder, {
    get: (c) => c.ageSlot,
    set: (c, i) => {
      c.ageSlot = i;
    },
  });
  /** Waiting Mandarin calls not yet overflowed, oldest first. */
  private readonly overflowPending = new IndexedHeap<CallRecord>(callOlder, {
    get: (c) => c.overflowSlot,
    set: (c, i) => {
      c.overflowSlot = i;
    },
  });
  private readonly wrapUps = new IndexedHeap<AgentRecord>(
    (a, b) => (a.wrapUpEndsAt as number) < (b.wrapUpEndsAt as number) || (a.wrapUpEndsAt === b.wrapUpEndsAt && a.seq < b.seq),
    {
      get: (a) => a.wrapUpSlot,
      set: (a, i) => {
        a.wrapUpSlot = i;
      },
    },
  );

  constructor(
    private readonly config: AcdConfig,
    private readonly clock: Clock,
  ) {
    validateAcdConfig(config);
    const used = new Set<StrategyName>([config.defaultStrategy]);
    for (const line of Object.values(config.lines)) if (line.strategy !== undefined) used.add(line.strategy);
    this.strategies = used;
    this.pauseReasons = new Set(config.pauseReasons);
    this.overflowMs = config.mandarinOverflowSeconds * 1000;
    this.backupWaitMs = config.backupThreshold.longestWaitSeconds * 1000;
  }

  /** Rebuilds an engine from snapshot(); indexes are derived, so only facts are stored. */
  static restore(config: AcdConfig, clock: Clock, snapshot: AcdSnapshot): AcdEngine {
    const engine = new AcdEngine(config, clock);
    engine.load(snapshot);
    return engine;
  }

  /**
   * Loads snapshot() into this engine, which must still be empty (no agent logged in ever, no call): a standby gateway
   * builds its engine and everything around it while it waits, and loads the saved state only when it takes over.
   */
  load(snapshot: AcdSnapshot): void {
    if (snapshot?.version !== 1) throw validation('unsupported ACD snapshot version', { version: snapshot?.version });
    if (this.agentsById.size > 0 || this.calls.size > 0) {
      throw new CtiError('CTI_ERR_CONFLICT', 'a snapshot loads only into an empty engine', { agents: this.agentsById.size, calls: this.calls.size });
    }
    this.nextAgentSeq = snapshot.nextAgentSeq;
    this.nextCallSeq = snapshot.nextCallSeq;
    for (const [line, seq] of Object.entries(snapshot.roundRobinLast)) this.roundRobinLast.set(line, seq);
    for (const s of snapshot.agents) {
      const skills = { ...s.skills };
      const agent: AgentRecord = {
        agentId: s.agentId,
        seat: s.seat,
        skills,
        backup: s.backup,
        seq: s.seq,
        state: s.state,
        pauseReason: s.pauseReason,
        pendingPauseReason: s.pendingPauseReason,
        currentCallId: s.currentCallId,
        stateSince: s.stateSince,
        lastCallEndedAt: s.lastCallEndedAt,
        idleSince: s.idleSince,
        connectedAt: s.connectedAt,
        wrapUpEndsAt: s.wrapUpEndsAt,
        callsAnswered: s.callsAnswered,
        talkMs: s.talkMs,
        missesInRow: s.missesInRow,
        pool: this.poolFor(skills, s.backup),
        wrapUpSlot: -1,
      };
      this.agentsById.set(agent.agentId, agent);
      this.changedAgents.add(agent);
      if (agent.state === 'ready') agent.pool.add(agent);
      if (agent.state === 'wrap_up') this.wrapUps.push(agent);
    }
    const now = this.clock.now();
    for (const s of snapshot.calls) {
      const call = this.newCallRecord(s.callId, s.line, s.language, s.priority, s.requiredSkill, s.enqueuedAt, s.seq);
      call.state = s.state;
      call.agentId = s.agentId;
      call.excludedAgentId = s.excludedAgentId;
      this.calls.set(call.callId, call);
      if (call.state === 'waiting') this.place(call, now);
    }
  }

  /**
   * Plain JSON image of every fact the engine holds; restore() of it behaves identically. An agent that has not changed
   * since the last snapshot gets the same image object as then (the state store serialises it once): images are
   * read-only.
   */
  snapshot(): AcdSnapshot {
    return {
      version: 1,
      nextAgentSeq: this.nextAgentSeq,
      nextCallSeq: this.nextCallSeq,
      roundRobinLast: Object.fromEntries(this.roundRobinLast),
      agents: [...this.agentsById.values()].map((a) => this.agentImage(a)),
      calls: [...this.calls.values()].map(callSnapshot),
    };
  }

  /** The agent's image: the last one handed out while it still shows the agent as it is, otherwise a new one. */
  private agentImage(a: AgentRecord): AgentSnapshot {
    const last = this.agentImages.get(a);
    if (last !== undefined && stampCurrent(last.stamp, a)) return last.image;
    const image = agentSnapshot(a);
    this.agentImages.set(a, { image, stamp: agentStamp(a) });
    return image;
  }

  // ---- agents -------------------------------------------------------------------------------

  /** Logs an agent in, paused with reason 'not_ready' until ready(); a logged-out agent may log in again with a new profile. */
  login(profile: AgentProfile): void {
    nonEmpty(profile?.agentId, 'agentId');
    nonEmpty(profile.seat, 'seat');
    const skills: Record<string, number> = {};
    for (const [name, level] of Object.entries(profile.skills ?? {})) {
      if (name === '' || typeof level !== 'number' || !Number.isInteger(level) || level < 1 || level > 10) {
        throw validation('skill levels must be integers 1..10', { agentId: profile.agentId, skill: name, level });
      }
      skills[name] = level;
    }
    const backup = profile.backup === true;
    const now = this.clock.now();
    const existing = this.agentsById.get(profile.agentId);
    if (existing !== undefined && existing.state !== 'logged_out') {
      throw new CtiError('CTI_ERR_CONFLICT', 'agent already logged in', { agentId: profile.agentId, state: existing.state });
    }
    const agent: AgentRecord = existing ?? {
      agentId: profile.agentId,
      seat: profile.seat,
      skills,
      backup,
      seq: this.nextAgentSeq++,
      state: 'logged_out',
      pauseReason: undefined,
      pendingPauseReason: undefined,
      currentCallId: undefined,
      stateSince: now,
      lastCallEndedAt: undefined,
      idleSince: now,
      connectedAt: undefined,
      wrapUpEndsAt: undefined,
      callsAnswered: 0,
      talkMs: 0,
      missesInRow: 0,
      pool: this.poolFor(skills, backup),
      wrapUpSlot: -1,
    };
    agent.seat = profile.seat;
    agent.skills = skills;
    agent.backup = backup;
    agent.pool = this.poolFor(skills, backup);
    agent.missesInRow = 0;
    this.agentsById.set(agent.agentId, agent);
    this.transition(agent, 'paused', now, PAUSE_NOT_READY);
  }

  /** Logs an agent out; refused while a call is ringing or connected to them. Logging out twice is a no-op. */
  logout(agentId: string): void {
    const agent = this.agentRecord(agentId);
    if (agent.state === 'reserved' || agent.state === 'on_call') {
      throw invalidState('agent has a call; end it before logging out', { agentId, state: agent.state });
    }
    if (agent.state === 'logged_out') return;
    agent.pendingPauseReason = undefined;
    this.transition(agent, 'logged_out', this.clock.now());
  }

  /** Makes an agent available; during a call it only cancels a pending pause. */
  ready(agentId: string): void {
    const agent = this.agentRecord(agentId);
    const now = this.clock.now();
    switch (agent.state) {
      case 'ready':
        return;
      case 'paused':
        // Readying after an auto-pause is a fresh start, else one more miss would pause again at once.
        if (agent.pauseReason === PAUSE_RING_NO_ANSWER) agent.missesInRow = 0;
        // A break is not idle time: the agent joins the back of the longest-idle line.
        this.transition(agent, 'ready', now, undefined, now);
        return;
      case 'wrap_up':
        this.transition(agent, 'ready', now, undefined, agent.lastCallEndedAt ?? now);
        return;
      case 'reserved':
      case 'on_call':
        if (agent.pendingPauseReason === undefined) throw invalidState('agent is busy with a call', { agentId, state: agent.state });
        agent.pendingPauseReason = undefined;
        return;
      case 'logged_out':
        throw invalidState('agent is logged out', { agentId });
    }
  }

  /** Pauses an agent for a configured reason; during a call the pause waits until the call ends. */
  pause(agentId: string, reason: string): void {
    if (!this.pauseReasons.has(reason)) throw validation('unknown pause reason', { agentId, reason, allowed: [...this.pauseReasons] });
    const agent = this.agentRecord(agentId);
    switch (agent.state) {
      case 'ready':
      case 'wrap_up':
      case 'paused':
        agent.pendingPauseReason = undefined;
        this.transition(agent, 'paused', this.clock.now(), reason);
        return;
      case 'reserved':
      case 'on_call':
        agent.pendingPauseReason = reason;
        return;
      case 'logged_out':
        throw invalidState('agent is logged out', { agentId });
    }
  }

  /** Ends after-call work early. */
  endWrapUp(agentId: string): void {
    const agent = this.agentRecord(agentId);
    if (agent.state !== 'wrap_up') throw invalidState('agent is not in wrap-up', { agentId, state: agent.state });
    this.transition(agent, 'ready', this.clock.now(), undefined, agent.lastCallEndedAt ?? this.clock.now());
  }

  /** Gives the agent more after-call work time. */
  extendWrapUp(agentId: string, seconds: number): void {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) throw validation('seconds must be > 0', { agentId, seconds });
    const agent = this.agentRecord(agentId);
    if (agent.state !== 'wrap_up') throw invalidState('agent is not in wrap-up', { agentId, state: agent.state });
    agent.wrapUpEndsAt = (agent.wrapUpEndsAt as number) + seconds * 1000;
    this.wrapUps.update(agent);
  }

  // ---- calls --------------------------------------------------------------------------------

  /** Puts a call in the queue; a callId the engine still knows is a conflict. */
  enqueue(input: WaitingCallInput): void {
    nonEmpty(input?.callId, 'callId');
    nonEmpty(input.line, 'line');
    this.checkLanguage(input.language);
    const priority = input.priority ?? 0;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) throw validation('priority must be a finite number', { callId: input.callId, priority });
    if (input.requiredSkill !== undefined) nonEmpty(input.requiredSkill, 'requiredSkill');
    const now = this.clock.now();
    const enqueuedAt = input.enqueuedAt ?? now;
    if (typeof enqueuedAt !== 'number' || !Number.isFinite(enqueuedAt)) throw validation('enqueuedAt must be a finite number', { callId: input.callId });
    if (this.calls.has(input.callId)) throw new CtiError('CTI_ERR_CONFLICT', 'call already known to the ACD', { callId: input.callId });
    const lineConfig = Object.hasOwn(this.config.lines, input.line) ? this.config.lines[input.line] : undefined;
    const requiredSkill = input.requiredSkill ?? lineConfig?.requiredSkill;
    const call = this.newCallRecord(input.callId, input.line, input.language, priority, requiredSkill, enqueuedAt, this.nextCallSeq++);
    this.calls.set(call.callId, call);
    this.place(call, now);
  }

  /**
   * Reserves one agent for a call of their own making (click-to-dial: the agent calls a citizen back from a task) without
   * queueing it: the agent's seat rings next, and the call then goes on like an offered one (connected, callEnded;
   * removeCall if the seat does not answer). An agent who was paused goes back to that pause after the call, so
   * calling back during a 回访 pause does not make them ready for the queue. Refused while they ring, talk or are out.
   */
  reserveFor(agentId: string, input: WaitingCallInput): Assignment {
    nonEmpty(input?.callId, 'callId');
    nonEmpty(input.line, 'line');
    this.checkLanguage(input.language);
    const agent = this.agentRecord(agentId);
    if (agent.state !== 'ready' && agent.state !== 'paused' && agent.state !== 'wrap_up') {
      throw invalidState(`agent is ${agent.state}; a call can be placed when ready, paused or in wrap-up`, { agentId, state: agent.state });
    }
    if (this.calls.has(input.callId)) throw new CtiError('CTI_ERR_CONFLICT', 'call already known to the ACD', { callId: input.callId });
    const now = this.clock.now();
    const call = this.newCallRecord(input.callId, input.line, input.language, input.priority ?? 0, input.requiredSkill, input.enqueuedAt ?? now, this.nextCallSeq++);
    call.state = 'reserved';
    call.agentId = agentId;
    this.calls.set(call.callId, call);
    if (agent.state === 'paused' && agent.pauseReason !== undefined) agent.pendingPauseReason = agent.pauseReason;
    agent.currentCallId = call.callId;
    this.transition(agent, 'reserved', now);
    return { callId: call.callId, agentId, seat: agent.seat };
  }

  /** Changes a waiting call's language (caller pressed 2); it keeps its place in line. */
  setLanguage(callId: string, language: Language): void {
    this.checkLanguage(language);
    const call = this.calls.get(callId);
    if (call === undefined) throw new CtiError('CTI_ERR_NO_SUCH_CALL', 'no such call', { callId });
    if (call.state !== 'waiting') throw invalidState('call is no longer waiting', { callId, state: call.state });
    if (call.language === language) return;
    this.unplace(call);
    call.language = language;
    this.place(call, this.clock.now());
  }

  /**
   * Forgets a call the caller abandoned while waiting or ringing (a ringing agent goes back to ready).
   * Returns undefined for unknown calls and for connected calls, which end through callEnded().
   */
  removeCall(callId: string): WaitingCallView | undefined {
    const call = this.calls.get(callId);
    if (call === undefined || call.state === 'on_call') return undefined;
    const now = this.clock.now();
    let position = 0;
    if (call.state === 'waiting') {
      position = 1;
      for (const other of this.waitingByAge.toArray()) if (callBefore(other, call)) position++;
      this.unplace(call);
    } else {
      const agent = this.agentsById.get(call.agentId as string);
      if (agent !== undefined && agent.currentCallId === callId) {
        agent.currentCallId = undefined;
        this.releaseReserved(agent, now);
      }
    }
    this.calls.delete(callId);
    return callView(call, now, position);
  }

  /**
   * Makes every match possible now, best call first: wrap-ups that have expired end first, then
   * repeatedly the highest-ranked waiting call that has an eligible ready agent gets the line's pick.
   */
  assign(): Assignment[] {
    const now = this.clock.now();
    this.expireWrapUps(now);
    this.applyOverflow(now);
    const out: Assignment[] = [];
    const classes = this.classList;
    for (;;) {
      const backupActive = this.backupActive(now);
      let bestClass: CallClass | undefined;
      let head: CallRecord | undefined;
      for (let i = 0; i < classes.length; i++) {
        const cls = classes[i] as CallClass;
        const h = cls.heap.peek();
        if (h === undefined || (head !== undefined && !callBefore(h, head))) continue;
        if (!cls.hasReadyAgent(backupActive)) continue;
        bestClass = cls;
        head = h;
      }
      if (bestClass === undefined || head === undefined) return out;
      const agent = pickAgent({
        callClass: bestClass,
        backupActive,
        excluded: head.excludedAgentId === undefined ? undefined : this.agentsById.get(head.excludedAgentId),
        roundRobinLast: this.roundRobinLast.get(head.line),
      });
      if (agent === undefined) throw new CtiError('CTI_ERR_INVALID_STATE', 'ACD index out of step: class had a ready agent but none was picked', { callId: head.callId });
      this.unplace(head);
      head.state = 'reserved';
      head.agentId = agent.agentId;
      agent.currentCallId = head.callId;
      this.transition(agent, 'reserved', now);
      if (bestClass.strategy === 'round_robin') this.roundRobinLast.set(head.line, agent.seq);
      out.push({ callId: head.callId, agentId: agent.agentId, seat: agent.seat });
    }
  }

  /**
   * The agent did not pick up: they go back to ready (or are auto-paused after too many misses in a
   * row) and the call returns to its original place, not to be offered to them first again.
   */
  ringNoAnswer(agentId: string, callId: string): void {
    const { agent, call } = this.reservedPair(agentId, callId, 'reserved');
    const now = this.clock.now();
    agent.currentCallId = undefined;
    agent.missesInRow++;
    if (this.config.maxRingNoAnswer > 0 && agent.missesInRow >= this.config.maxRingNoAnswer) {
      agent.pendingPauseReason = undefined;
      this.transition(agent, 'paused', now, PAUSE_RING_NO_ANSWER);
    } else {
      this.releaseReserved(agent, now);
    }
    call.state = 'waiting';
    call.agentId = undefined;
    call.excludedAgentId = agentId;
    this.place(call, now);
  }

  /** The agent answered: the call is connected and counts as answered by them. */
  connected(agentId: string, callId: string): void {
    const { agent, call } = this.reservedPair(agentId, callId, 'reserved');
    const now = this.clock.now();
    this.transition(agent, 'on_call', now);
    agent.callsAnswered++;
    agent.missesInRow = 0;
    agent.connectedAt = now;
    call.state = 'on_call';
  }

  /** The connected call ended: the agent goes to wrap-up, to ready (no wrap-up configured) or to their pending pause. */
  callEnded(agentId: string, callId: string): void {
    const { agent } = this.reservedPair(agentId, callId, 'on_call');
    const now = this.clock.now();
    agent.talkMs += Math.max(0, now - (agent.connectedAt ?? now));
    agent.connectedAt = undefined;
    agent.lastCallEndedAt = now;
    agent.currentCallId = undefined;
    this.calls.delete(callId);
    const pending = agent.pendingPauseReason;
    if (pending !== undefined) {
      agent.pendingPauseReason = undefined;
      this.transition(agent, 'paused', now, pending);
    } else if (this.config.wrapUpSeconds > 0) {
      this.transition(agent, 'wrap_up', now);
      agent.wrapUpEndsAt = now + this.config.wrapUpSeconds * 1000;
      this.wrapUps.push(agent);
    } else {
      this.transition(agent, 'ready', now, undefined, now);
    }
  }

  /** Applies time-driven changes (wrap-up expiry); assign() does this too. */
  tick(): void {
    const now = this.clock.now();
    this.expireWrapUps(now);
    this.applyOverflow(now);
  }

  // ---- views --------------------------------------------------------------------------------

  /** The agent, or undefined if never logged in. */
  findAgent(agentId: string): AgentView | undefined {
    const agent = this.agentsById.get(agentId);
    return agent === undefined ? undefined : agentView(agent);
  }

  /** The agent; throws CTI_ERR_NO_SUCH_AGENT if never logged in. */
  getAgent(agentId: string): AgentView {
    return agentView(this.agentRecord(agentId));
  }

  /** Every agent ever logged in (logged-out ones included), in first-login order. */
  agents(): AgentView[] {
    return [...this.agentsById.values()].map(agentView);
  }

  /**
   * The agents whose state changed (or who were restored) since the last call, in order of their first change;
   * lets an observer publish state changes without comparing all 1,000 agents after every call event.
   */
  takeChangedAgents(): AgentView[] {
    const views = [...this.changedAgents].map(agentView);
    this.changedAgents.clear();
    return views;
  }

  /** Waiting calls in routing order, with 1-based position and wait so far. */
  queue(): WaitingCallView[] {
    const now = this.clock.now();
    return this.waitingByAge
      .toArray()
      .sort((a, b) => (callBefore(a, b) ? -1 : callBefore(b, a) ? 1 : 0))
      .map((c, i) => callView(c, now, i + 1));
  }

  /** Number of calls waiting (not yet reserved), O(1). */
  waitingCount(): number {
    return this.waitingByAge.size;
  }

  /** A call the engine knows (waiting: with its position; reserved or connected: position 0), or undefined. */
  findCall(callId: string): WaitingCallView | undefined {
    const call = this.calls.get(callId);
    if (call === undefined) return undefined;
    let position = 0;
    if (call.state === 'waiting') {
      position = 1;
      for (const other of this.waitingByAge.toArray()) if (callBefore(other, call)) position++;
    }
    return callView(call, this.clock.now(), position);
  }

  // ---- internals ----------------------------------------------------------------------------

  private agentRecord(agentId: string): AgentRecord {
    const agent = this.agentsById.get(agentId);
    if (agent === undefined) throw new CtiError('CTI_ERR_NO_SUCH_AGENT', 'no such agent', { agentId });
    return agent;
  }

  private checkLanguage(language: unknown): asserts language is Language {
    if (!LANGUAGES.includes(language as Language)) throw validation('language must be mandarin or tibetan', { language });
  }

  private reservedPair(agentId: string, callId: string, state: 'reserved' | 'on_call'): { agent: AgentRecord; call: CallRecord } {
    const agent = this.agentRecord(agentId);
    const call = this.calls.get(callId);
    if (call === undefined) throw new CtiError('CTI_ERR_NO_SUCH_CALL', 'no such call', { callId });
    if (agent.state !== state || agent.currentCallId !== callId) {
      throw invalidState(`agent is not ${state} on this call`, { agentId, callId, state: agent.state, currentCallId: agent.currentCallId });
    }
    return { agent, call };
  }

  /** The single place agent state changes, so the ready pools and wrap-up heap never drift from it. */
  private transition(agent: AgentRecord, next: AgentState, now: number, pauseReason?: string, idleSince?: number): void {
    if (agent.state === 'ready') agent.pool.remove(agent);
    if (agent.state === 'wrap_up') {
      this.wrapUps.remove(agent);
      agent.wrapUpEndsAt = undefined;
    }
    agent.state = next;
    agent.stateSince = now;
    this.changedAgents.add(agent);
    agent.pauseReason = next === 'paused' ? pauseReason : undefined;
    if (next === 'ready') {
      if (idleSince !== undefined) agent.idleSince = idleSince;
      agent.pool.add(agent);
    }
  }

  /** A ringing agent whose call went away: back to ready keeping their idle time, or into their pending pause. */
  private releaseReserved(agent: AgentRecord, now: number): void {
    const pending = agent.pendingPauseReason;
    if (pending !== undefined) {
      agent.pendingPauseReason = undefined;
      this.transition(agent, 'paused', now, pending);
    } else {
      this.transition(agent, 'ready', now);
    }
  }

  private expireWrapUps(now: number): void {
    for (let top = this.wrapUps.peek(); top !== undefined && (top.wrapUpEndsAt as number) <= now; top = this.wrapUps.peek()) {
      this.transition(top, 'ready', now, undefined, top.lastCallEndedAt ?? now);
    }
  }

  private applyOverflow(now: number): void {
    for (let top = this.overflowPending.peek(); top !== undefined && now - top.enqueuedAt >= this.overflowMs; top = this.overflowPending.peek()) {
      this.unplace(top);
      this.place(top, now);
    }
  }

  private backupActive(now: number): boolean {
    const oldest = this.waitingByAge.peek();
    if (oldest === undefined) return false;
    return this.waitingByAge.size >= this.config.backupThreshold.waitingCalls || now - oldest.enqueuedAt >= this.backupWaitMs;
  }

  private newCallRecord(callId: string, line: string, language: Language, priority: number, requiredSkill: string | undefined, enqueuedAt: number, seq: number): CallRecord {
    return {
      callId,
      line,
      language,
      priority,
      requiredSkill,
      enqueuedAt,
      seq,
      rank: priority - (this.config.priorityAgeingPerSecond * enqueuedAt) / 1000,
      state: 'waiting',
      agentId: undefined,
      excludedAgentId: undefined,
      overflowed: false,
      callClass: undefined,
      classSlot: -1,
      ageSlot: -1,
      overflowSlot: -1,
    };
  }

  /** Files a waiting call into its class and the age indexes. */
  private place(call: CallRecord, now: number): void {
    call.overflowed = call.language === 'mandarin' && now - call.enqueuedAt >= this.overflowMs;
    const cls = this.classFor(call.line, call.language, call.requiredSkill, call.overflowed);
    call.callClass = cls;
    cls.heap.push(call);
    this.waitingByAge.push(call);
    if (call.language === 'mandarin' && !call.overflowed) this.overflowPending.push(call);
  }

  private unplace(call: CallRecord): void {
    call.callClass?.heap.remove(call);
    call.callClass = undefined;
    this.waitingByAge.remove(call);
    this.overflowPending.remove(call);
  }

  private classFor(line: string, language: Language, requiredSkill: string | undefined, overflowed: boolean): CallClass {
    const key = `${line}\u0000${language}\u0000${requiredSkill ?? ''}\u0000${overflowed ? 1 : 0}`;
    let cls = this.classes.get(key);
    if (cls === undefined) {
      const lineConfig = Object.hasOwn(this.config.lines, line) ? this.config.lines[line] : undefined;
      cls = new CallClass(key, line, language, requiredSkill, overflowed, lineConfig?.strategy ?? this.config.defaultStrategy);
      for (const pool of this.pools.values()) cls.addPool(pool);
      this.classes.set(key, cls);
      this.classList.push(cls);
    }
    return cls;
  }

  private poolFor(skills: Record<string, number>, backup: boolean): AgentPool {
    const key = poolKey(skills, backup);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = new AgentPool(key, skills, backup, this.strategies);
      this.pools.set(key, pool);
      for (const cls of this.classList) cls.addPool(pool);
    }
    return pool;
  }
}
