import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { CtiError } from '../errors.js';
import type { AcdConfig } from './acd.config.js';
import { AcdEngine } from './acd.engine.js';
import type { AcdSnapshot, AgentSnapshot, Assignment, CallSnapshot, Language, StrategyName } from './acd.model.js';
import { STRATEGY_NAMES } from './acd.model.js';

const SKILL_SETS: Record<string, number>[] = [
  { mandarin: 5 },
  { tibetan: 7 },
  { mandarin: 5, tibetan: 8 },
  { mandarin: 4, consumer: 3 },
  { mandarin: 4, tibetan: 6, consumer: 2 },
  { mandarin: 2, consumer: 3, tax: 1 },
];
const LINES = ['12345', '96345', '12315'];
const REASONS = ['break', 'meal', 'training'];

const configArb: fc.Arbitrary<AcdConfig> = fc.record({
  defaultStrategy: fc.constantFrom(...STRATEGY_NAMES),
  lines: fc.record({
    '96345': fc.record({ strategy: fc.constantFrom(...STRATEGY_NAMES), requiredSkill: fc.constant('consumer') }),
    '12315': fc.record({ strategy: fc.constantFrom(...STRATEGY_NAMES) }),
  }),
  wrapUpSeconds: fc.constantFrom(0, 0, 5),
  maxRingNoAnswer: fc.integer({ min: 0, max: 3 }),
  mandarinOverflowSeconds: fc.constantFrom(0, 3, 10, 30),
  pauseReasons: fc.constant(REASONS),
  backupThreshold: fc.record({ waitingCalls: fc.integer({ min: 0, max: 5 }), longestWaitSeconds: fc.constantFrom(0, 5, 20, 1000) }),
  priorityAgeingPerSecond: fc.constantFrom(0, 0.1, 1),
});

type Cmd =
  | { k: 'login'; i: number; skills: number; backup: boolean }
  | { k: 'logout' | 'ready' | 'endWrapUp' | 'extendWrapUp'; i: number }
  | { k: 'pause'; i: number; reason: number }
  | { k: 'enqueue'; line: number; language: Language; priority: number; skill: boolean; back: number }
  | { k: 'remove' | 'setLanguage'; i: number; language: Language }
  | { k: 'ringNoAnswer' | 'connected' | 'callEnded'; i: number }
  | { k: 'assign' | 'tick' | 'restore' }
  | { k: 'advance'; ms: number };

const idx = fc.integer({ min: 0, max: 4 });
const lang = fc.constantFrom<Language>('mandarin', 'tibetan');
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('login' as const), i: idx, skills: fc.integer({ min: 0, max: SKILL_SETS.length - 1 }), backup: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constantFrom('logout' as const, 'endWrapUp' as const, 'extendWrapUp' as const), i: idx }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('ready' as const), i: idx }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant('pause' as const), i: idx, reason: fc.integer({ min: 0, max: 3 }) }), weight: 1 },
  {
    arbitrary: fc.record({
      k: fc.constant('enqueue' as const),
      line: fc.integer({ min: 0, max: LINES.length - 1 }),
      language: lang,
      priority: fc.integer({ min: 0, max: 2 }),
      skill: fc.boolean(),
      back: fc.constantFrom(0, 0, 0, 1000, 5000),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ k: fc.constantFrom('remove' as const, 'setLanguage' as const), i: idx, language: lang }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constantFrom('ringNoAnswer' as const, 'connected' as const, 'callEnded' as const), i: idx }), weight: 6 },
  { arbitrary: fc.record({ k: fc.constantFrom('assign' as const, 'tick' as const, 'restore' as const) }), weight: 5 },
  { arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.constantFrom(0, 1, 500, 3000, 12000) }), weight: 4 },
);

/** Does the agent's skill set allow the call at all, and in which preference tier (lower is better)? */
function tierOf(agent: AgentSnapshot, call: CallSnapshot, now: number, config: AcdConfig, backupActive: boolean): number {
  const has = (s: string) => (agent.skills[s] ?? 0) >= 1;
  if (call.requiredSkill !== undefined && !has(call.requiredSkill)) return -1;
  let tier: number;
  if (call.language === 'tibetan') {
    if (!has('tibetan')) return -1;
    tier = 0;
  } else {
    if (!has('mandarin')) return -1;
    if (has('tibetan')) {
      if (now - call.enqueuedAt < config.mandarinOverflowSeconds * 1000) return -1;
      tier = 1;
    } else tier = 0;
  }
  if (agent.backup) {
    if (!backupActive) return -1;
    tier += 2;
  }
  return tier;
}

function strategyOf(config: AcdConfig, line: string): StrategyName {
  return (Object.hasOwn(config.lines, line) ? config.lines[line]?.strategy : undefined) ?? config.defaultStrategy;
}

function compareAgents(strategy: StrategyName, a: AgentSnapshot, b: AgentSnapshot, rrLast: number | undefined): number {
  const idle = a.idleSince - b.idleSince || a.seq - b.seq;
  const count = (x: AgentSnapshot) => Object.values(x.skills).filter((l) => l >= 1).length;
  switch (strategy) {
    case 'longest_idle':
      return idle;
    case 'fewest_calls':
      return a.callsAnswered - b.callsAnswered || idle;
    case 'least_talk_time':
      return a.talkMs - b.talkMs || idle;
    case 'skill_sparing':
      return count(a) - count(b) || idle;
    case 'round_robin': {
      const after = rrLast ?? -Infinity;
      const wrapA = a.seq <= after ? 1 : 0;
      const wrapB = b.seq <= after ? 1 : 0;
      return wrapA - wrapB || a.seq - b.seq;
    }
  }
}

/** Slow, obviously-correct model of assign(): every call in routing order, every ready agent checked. */
function referenceAssign(snapshot: AcdSnapshot, config: AcdConfig, now: number): Assignment[] {
  const ageing = config.priorityAgeingPerSecond;
  const rank = (c: CallSnapshot) => c.priority - (ageing * c.enqueuedAt) / 1000;
  const agents = snapshot.agents.map((a) =>
    a.state === 'wrap_up' && (a.wrapUpEndsAt ?? Infinity) <= now ? { ...a, state: 'ready' as const, idleSince: a.lastCallEndedAt ?? now } : a,
  );
  const waiting = snapshot.calls
    .filter((c) => c.state === 'waiting')
    .sort((a, b) => rank(b) - rank(a) || a.enqueuedAt - b.enqueuedAt || a.seq - b.seq);
  const taken = new Set<string>();
  const remaining = new Set(waiting);
  const rr = { ...snapshot.roundRobinLast };
  const out: Assignment[] = [];
  for (const call of waiting) {
    const oldest = Math.min(...[...remaining].map((c) => c.enqueuedAt));
    const backupActive = remaining.size >= config.backupThreshold.waitingCalls || now - oldest >= config.backupThreshold.longestWaitSeconds * 1000;
    const strategy = strategyOf(config, call.line);
    let best: { agent: AgentSnapshot; key: number[] } | undefined;
    for (const agent of agents) {
      if (agent.state !== 'ready' || taken.has(agent.agentId)) continue;
      const tier = tierOf(agent, call, now, config, backupActive);
      if (tier < 0) continue;
      const key = [agent.agentId === call.excludedAgentId ? 1 : 0, tier];
      const better =
        best === undefined ||
        (key[0]! - best.key[0]! || key[1]! - best.key[1]! || compareAgents(strategy, agent, best.agent, rr[call.line])) < 0;
      if (better) best = { agent, key };
    }
    if (best === undefined) continue;
    taken.add(best.agent.agentId);
    remaining.delete(call);
    if (strategy === 'round_robin') rr[call.line] = best.agent.seq;
    out.push({ callId: call.callId, agentId: best.agent.agentId, seat: best.agent.seat });
  }
  return out;
}

const stats = { assignCalls: 0, assignments: 0 };

function run(config: AcdConfig, cmds: Cmd[]): void {
  const clock = new ManualClock(1_000_000);
  let engine = new AcdEngine(config, clock);
  let callNo = 0;
  const agentId = (i: number) => `a${i}`;
  const byState = (state: string) => engine.agents().filter((a) => a.state === state);
  const pick = <T>(xs: T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[i % xs.length]);

  for (const cmd of cmds) {
    try {
      switch (cmd.k) {
        case 'login':
          engine.login({ agentId: agentId(cmd.i), seat: `s${cmd.i}`, skills: SKILL_SETS[cmd.skills]!, backup: cmd.backup });
          if (cmd.skills % 2 === 0) engine.ready(agentId(cmd.i));
          break;
        case 'logout':
          engine.logout(agentId(cmd.i));
          break;
        case 'ready':
          engine.ready(agentId(cmd.i));
          break;
        case 'endWrapUp':
          engine.endWrapUp(agentId(cmd.i));
          break;
        case 'extendWrapUp':
          engine.extendWrapUp(agentId(cmd.i), 3);
          break;
        case 'pause':
          engine.pause(agentId(cmd.i), REASONS[cmd.reason] ?? 'not-a-reason');
          break;
        case 'enqueue':
          engine.enqueue({
            callId: `c${callNo++}`,
            line: LINES[cmd.line]!,
            language: cmd.language,
            priority: cmd.priority,
            ...(cmd.skill ? { requiredSkill: 'consumer' } : {}),
            enqueuedAt: clock.now() - cmd.back,
          });
          break;
        case 'remove': {
          const target = pick([...engine.queue().map((c) => c.callId), ...byState('reserved').map((a) => a.currentCallId!)], cmd.i);
          if (target !== undefined) engine.removeCall(target);
          break;
        }
        case 'setLanguage': {
          const target = pick(engine.queue(), cmd.i);
          if (target !== undefined) {
            engine.setLanguage(target.callId, cmd.language);
            expect(engine.findCall(target.callId)?.position).toBe(target.position);
          }
          break;
        }
        case 'ringNoAnswer':
        case 'connected': {
          const agent = pick(byState('reserved'), cmd.i);
          if (agent !== undefined) engine[cmd.k](agent.agentId, agent.currentCallId!);
          break;
        }
        case 'callEnded': {
          const agent = pick(byState('on_call'), cmd.i);
          if (agent !== undefined) engine.callEnded(agent.agentId, agent.currentCallId!);
          break;
        }
        case 'tick':
          engine.tick();
          break;
        case 'advance':
          clock.advance(cmd.ms);
          break;
        case 'restore': {
          const json = JSON.stringify(engine.snapshot());
          engine = AcdEngine.restore(config, clock, JSON.parse(json) as AcdSnapshot);
          expect(JSON.stringify(engine.snapshot())).toBe(json);
          break;
        }
        case 'assign':
          checkAssign(engine, config, clock.now());
          break;
      }
    } catch (e) {
      if (!(e instanceof CtiError) || e.message.includes('out of step')) throw e;
    }
    checkInvariants(engine);
  }
  checkAssign(engine, config, clock.now());
  checkInvariants(engine);
}

function checkInvariants(engine: AcdEngine): void {
  const holders = new Map<string, string>();
  for (const a of engine.agents()) {
    const busy = a.state === 'reserved' || a.state === 'on_call';
    expect(a.currentCallId !== undefined, `agent ${a.agentId} in ${a.state} holds a call iff busy`).toBe(busy);
    if (a.currentCallId !== undefined) {
      expect(holders.has(a.currentCallId), `call ${a.currentCallId} held by two agents`).toBe(false);
      holders.set(a.currentCallId, a.agentId);
    }
  }
  const queue = engine.queue();
  for (const c of queue) expect(holders.has(c.callId), `waiting call ${c.callId} is also held by an agent`).toBe(false);
  // The snapshot's agent images (reused while an agent is unchanged) show the agents as views built afresh do.
  const images = engine.snapshot().agents.map(({ seq: _seq, connectedAt: _connectedAt, ...view }) => view);
  expect(images).toEqual(engine.agents());
}

function checkAssign(engine: AcdEngine, config: AcdConfig, now: number): void {
  const before = engine.snapshot();
  const queueBefore = engine.queue();
  const expected = referenceAssign(before, config, now);
  const made = engine.assign();
  stats.assignCalls++;
  stats.assignments += made.length;
  expect(made, 'assign() matches the reference model').toEqual(expected);

  const agentsBefore = new Map(before.agents.map((a) => [a.agentId, a]));
  const calls = new Map(before.calls.map((c) => [c.callId, c]));
  for (const m of made) {
    const agent = agentsBefore.get(m.agentId)!;
    const expiredWrapUp = agent.state === 'wrap_up' && (agent.wrapUpEndsAt ?? Infinity) <= now;
    expect(agent.state === 'ready' || expiredWrapUp, `only ready agents are offered calls (${m.agentId} was ${agent.state})`).toBe(true);
    if (calls.get(m.callId)!.language === 'tibetan') expect((agent.skills.tibetan ?? 0) >= 1, 'Tibetan call to a non-Tibetan agent').toBe(true);
  }

  // FIFO within equal priority and the same class: nobody assigned ahead of an earlier call that still waits.
  const pos = new Map(queueBefore.map((c) => [c.callId, c.position]));
  const after = engine.snapshot();
  const stillWaiting = after.calls.filter((c) => c.state === 'waiting');
  for (const m of made) {
    const a = calls.get(m.callId)!;
    for (const b of stillWaiting) {
      const sameClass = a.line === b.line && a.language === b.language && a.requiredSkill === b.requiredSkill && a.priority === b.priority;
      if (sameClass) expect(pos.get(b.callId)! > pos.get(a.callId)!, `${b.callId} waits while later ${a.callId} was served`).toBe(true);
    }
  }

  // Nobody waits while an eligible agent is ready.
  const oldest = Math.min(...stillWaiting.map((c) => c.enqueuedAt));
  const backupActive = stillWaiting.length > 0 && (stillWaiting.length >= config.backupThreshold.waitingCalls || now - oldest >= config.backupThreshold.longestWaitSeconds * 1000);
  for (const c of stillWaiting) {
    for (const a of after.agents) {
      if (a.state === 'ready') expect(tierOf(a, c, now, config, backupActive), `${c.callId} waits while ${a.agentId} is eligible and ready`).toBe(-1);
    }
  }
}

// Hundreds of random event sequences: under 1 s alone, 12 s seen beside an end-to-end run on a loaded host; the limit is a hang guard.
describe('AcdEngine under random event sequences', { timeout: 60_000 }, () => {
  it('keeps one call per agent, offers only ready eligible agents, keeps FIFO, leaves no call waiting beside an eligible ready agent, matches the reference model and round-trips snapshots', () => {
    fc.assert(
      fc.property(configArb, fc.array(cmdArb, { minLength: 20, maxLength: 100 }), (config, cmds) => run(config, cmds)),
      { numRuns: 400 },
    );
    // Guard against a generator that never exercises routing.
    expect(stats.assignments).toBeGreaterThan(stats.assignCalls / 4);
  });

  it('queue() is in routing order: effective priority descending, FIFO within equal priority', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 0.05, 1),
        fc.array(fc.record({ priority: fc.integer({ min: 0, max: 3 }), back: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 40 }),
        (ageing, inputs) => {
          const clock = new ManualClock(10_000_000);
          const engine = new AcdEngine({ ...baseConfig(), priorityAgeingPerSecond: ageing }, clock);
          inputs.forEach((c, i) => engine.enqueue({ callId: `c${i}`, line: '12345', language: 'mandarin', priority: c.priority, enqueuedAt: clock.now() - c.back }));
          const q = engine.queue();
          for (let i = 1; i < q.length; i++) {
            const a = q[i - 1]!;
            const b = q[i]!;
            const ea = a.priority + ageing * a.waitSeconds;
            const eb = b.priority + ageing * b.waitSeconds;
            expect(ea).toBeGreaterThanOrEqual(eb - 1e-9);
            if (a.priority === b.priority) expect(a.enqueuedAt).toBeLessThanOrEqual(b.enqueuedAt);
            expect(b.position).toBe(a.position + 1);
          }
        },
      ),
    );
  });
});

function baseConfig(): AcdConfig {
  return {
    defaultStrategy: 'longest_idle',
    lines: {},
    wrapUpSeconds: 0,
    maxRingNoAnswer: 3,
    mandarinOverflowSeconds: 20,
    pauseReasons: REASONS,
    backupThreshold: { waitingCalls: 5, longestWaitSeconds: 60 },
    priorityAgeingPerSecond: 0,
  };
}
