import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { AcdEngine } from './acd.engine.js';
import type { StrategyName } from './acd.model.js';
import { bilingualAgent, mandarinAgent, newEngine, readyAgents, testConfig } from './acd.fixtures.test.js';

function tibetanOnly(agentId: string) {
  return { agentId, seat: `seat-${agentId}`, skills: { tibetan: 9 } };
}

describe('language rules', () => {
  it('a Tibetan call goes only to an agent with the tibetan skill, however long it waits', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('m1')]);
    engine.enqueue({ callId: 't1', line: '12345', language: 'tibetan' });
    clock.advance(3_600_000);
    expect(engine.assign()).toEqual([]);
    readyAgents(engine, clock, [tibetanOnly('t-agent')]);
    expect(engine.assign()).toEqual([{ callId: 't1', agentId: 't-agent', seat: 'seat-t-agent' }]);
  });

  it('a Mandarin call prefers a Mandarin-only agent even when a bilingual agent has been idle longer', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [bilingualAgent('bi'), mandarinAgent('m1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    expect(engine.assign().map((a) => a.agentId)).toEqual(['m1']);
  });

  it('a Mandarin call waits for a Mandarin-only agent until mandarinOverflowSeconds, then goes to a bilingual agent', () => {
    const { engine, clock } = newEngine({ mandarinOverflowSeconds: 20 });
    readyAgents(engine, clock, [bilingualAgent('bi')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    clock.advance(19_999);
    expect(engine.assign()).toEqual([]);
    clock.advance(1);
    expect(engine.assign().map((a) => a.agentId)).toEqual(['bi']);
  });

  it('an overflowed Mandarin call still takes a Mandarin-only agent before a bilingual one', () => {
    const { engine, clock } = newEngine({ mandarinOverflowSeconds: 0 });
    readyAgents(engine, clock, [bilingualAgent('bi'), mandarinAgent('m1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    expect(engine.assign().map((a) => a.agentId)).toEqual(['m1']);
  });

  it('a Tibetan call is not blocked behind a Mandarin head call nobody can take', () => {
    const { engine, clock } = newEngine();
    engine.enqueue({ callId: 'm-first', line: '12345', language: 'mandarin', priority: 9 });
    clock.advance(1);
    engine.enqueue({ callId: 't-second', line: '12345', language: 'tibetan' });
    readyAgents(engine, clock, [tibetanOnly('t1')]);
    expect(engine.assign().map((a) => a.callId)).toEqual(['t-second']);
    expect(engine.queue().map((c) => c.callId)).toEqual(['m-first']);
  });
});

describe('required skills', () => {
  it("a line's requiredSkill restricts the call to agents with that skill", () => {
    const { engine, clock } = newEngine({ lines: { '96345': { requiredSkill: 'consumer' } } });
    readyAgents(engine, clock, [mandarinAgent('plain'), mandarinAgent('spec', { skills: { mandarin: 3, consumer: 4 } })]);
    engine.enqueue({ callId: 'c1', line: '96345', language: 'mandarin' });
    engine.enqueue({ callId: 'c2', line: '96345', language: 'mandarin' });
    expect(engine.assign()).toEqual([{ callId: 'c1', agentId: 'spec', seat: 'seat-spec' }]);
    expect(engine.queue()[0]).toMatchObject({ callId: 'c2', requiredSkill: 'consumer' });
  });

  it("a call's own requiredSkill overrides the line's", () => {
    const { engine, clock } = newEngine({ lines: { '96345': { requiredSkill: 'consumer' } } });
    readyAgents(engine, clock, [mandarinAgent('tax', { skills: { mandarin: 3, tax: 4 } })]);
    engine.enqueue({ callId: 'c1', line: '96345', language: 'mandarin', requiredSkill: 'tax' });
    expect(engine.assign().map((a) => a.agentId)).toEqual(['tax']);
  });
});

describe('backup helpers', () => {
  it('get no calls while the queue is below both thresholds', () => {
    const { engine, clock } = newEngine({ backupThreshold: { waitingCalls: 3, longestWaitSeconds: 60 } });
    readyAgents(engine, clock, [mandarinAgent('qa', { backup: true })]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.enqueue({ callId: 'c2', line: '12345', language: 'mandarin' });
    expect(engine.assign()).toEqual([]);
  });

  it('get a call once waiting calls reach backupThreshold.waitingCalls', () => {
    const { engine, clock } = newEngine({ backupThreshold: { waitingCalls: 3, longestWaitSeconds: 60 } });
    readyAgents(engine, clock, [mandarinAgent('qa', { backup: true }), mandarinAgent('lead', { backup: true })]);
    for (const id of ['c1', 'c2', 'c3']) engine.enqueue({ callId: id, line: '12345', language: 'mandarin' });
    // After qa takes c1 only 2 wait, below the threshold, so lead stays free.
    expect(engine.assign()).toEqual([{ callId: 'c1', agentId: 'qa', seat: 'seat-qa' }]);
  });

  it('get a call once the longest wait reaches backupThreshold.longestWaitSeconds', () => {
    const { engine, clock } = newEngine({ backupThreshold: { waitingCalls: 100, longestWaitSeconds: 60 } });
    readyAgents(engine, clock, [mandarinAgent('qa', { backup: true })]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    clock.advance(59_999);
    expect(engine.assign()).toEqual([]);
    clock.advance(1);
    expect(engine.assign().map((a) => a.agentId)).toEqual(['qa']);
  });

  it('are used only after regular agents', () => {
    const { engine, clock } = newEngine({ backupThreshold: { waitingCalls: 0, longestWaitSeconds: 0 } });
    readyAgents(engine, clock, [mandarinAgent('qa', { backup: true }), mandarinAgent('m1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    expect(engine.assign().map((a) => a.agentId)).toEqual(['m1']);
  });
});

function strategyEngine(strategy: StrategyName) {
  const clock = new ManualClock(1_000_000);
  const engine = new AcdEngine(testConfig({ lines: { L: { strategy } } }), clock);
  return { engine, clock };
}

/** Has the agent answer and finish one call of the given length, leaving them ready. */
function handleCall(engine: AcdEngine, clock: ManualClock, agentId: string, callId: string, talkMs: number): void {
  engine.enqueue({ callId, line: 'other', language: 'mandarin' });
  const others = engine.agents().filter((a) => a.agentId !== agentId && a.state === 'ready').map((a) => a.agentId);
  for (const id of others) engine.pause(id, 'break');
  const [a] = engine.assign();
  expect(a?.agentId).toBe(agentId);
  engine.connected(agentId, callId);
  clock.advance(talkMs);
  engine.callEnded(agentId, callId);
  for (const id of others) engine.ready(id);
}

describe('strategies', () => {
  it('longest_idle picks the agent whose last call ended longest ago', () => {
    const { engine, clock } = strategyEngine('longest_idle');
    readyAgents(engine, clock, [mandarinAgent('a'), mandarinAgent('b')]);
    engine.enqueue({ callId: 'x1', line: 'L', language: 'mandarin' });
    expect(engine.assign().map((x) => x.agentId)).toEqual(['a']);
    engine.connected('a', 'x1');
    clock.advance(10);
    engine.callEnded('a', 'x1');
    engine.enqueue({ callId: 'c', line: 'L', language: 'mandarin' });
    expect(engine.assign().map((x) => x.agentId)).toEqual(['b']);
  });

  it('longest_idle counts a returning-from-break agent as idle only since they became ready', () => {
    const { engine, clock } = strategyEngine('longest_idle');
    readyAgents(engine, clock, [mandarinAgent('a'), mandarinAgent('b')]);
    engine.pause('a', 'break');
    clock.advance(10);
    engine.ready('a');
    engine.enqueue({ callId: 'c', line: 'L', language: 'mandarin' });
    expect(engine.assign().map((x) => x.agentId)).toEqual(['b']);
  });

  it('fewest_calls picks the agent who answered fewest calls', () => {
    const { engine, clock } = strategyEngine('fewest_calls');
    readyAgents(engine, clock, [mandarinAgent('a'), mandarinAgent('b')]);
    handleCall(engine, clock, 'b', 'x1', 10);
    handleCall(engine, clock, 'b', 'x2', 10);
    handleCall(engine, clock, 'a', 'x3', 10);
    engine.enqueue({ callId: 'c', line: 'L', language: 'mandarin' });
    expect(engine.assign().map((x) => x.agentId)).toEqual(['a']);
  });

  it('least_talk_time picks the agent with the least total talk time', () => {
    const { engine, clock } = strategyEngine('least_talk_time');
    readyAgents(engine, clock, [mandarinAgent('a'), mandarinAgent('b')]);
    handleCall(engine, clock, 'b', 'x1', 100);
    handleCall(engine, clock, 'a', 'x2', 500);
    engine.enqueue({ callId: 'c', line: 'L', language: 'mandarin' });
    expect(engine.assign().map((x) => x.agentId)).toEqual(['b']);
  });

  it('round_robin offers calls in login order, resuming after the last agent offered', () => {
    const { engine, clock } = strategyEngine('round_robin');
    readyAgents(engine, clock, [mandarinAgent('a'), mandarinAgent('b'), mandarinAgent('c')]);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      engine.enqueue({ callId: `c${i}`, line: 'L', language: 'mandarin' });
      const [x] = engine.assign();
      order.push(x?.agentId ?? '-');
      engine.connected(x!.agentId, x!.callId);
      engine.callEnded(x!.agentId, x!.callId);
    }
    expect(order).toEqual(['a', 'b', 'c', 'a']);
  });

  it('round_robin memory survives snapshot and restore', () => {
    const { engine, clock } = strategyEngine('round_robin');
    readyAgents(engine, clock, [mandarinAgent('a'), mandarinAgent('b')]);
    engine.enqueue({ callId: 'c0', line: 'L', language: 'mandarin' });
    engine.assign();
    engine.removeCall('c0');
    const restored = AcdEngine.restore(testConfig({ lines: { L: { strategy: 'round_robin' } } }), clock, JSON.parse(JSON.stringify(engine.snapshot())));
    restored.enqueue({ callId: 'c1', line: 'L', language: 'mandarin' });
    expect(restored.assign().map((x) => x.agentId)).toEqual(['b']);
  });

  it('skill_sparing prefers the agent with the fewest skills beyond the call, then longest idle', () => {
    const { engine, clock } = strategyEngine('skill_sparing');
    readyAgents(engine, clock, [
      mandarinAgent('rich', { skills: { mandarin: 5, consumer: 3, tax: 2 } }),
      mandarinAgent('mid1', { skills: { mandarin: 5, tax: 2 } }),
      mandarinAgent('mid2', { skills: { mandarin: 5, consumer: 2 } }),
    ]);
    engine.enqueue({ callId: 'c1', line: 'L', language: 'mandarin' });
    engine.enqueue({ callId: 'c2', line: 'L', language: 'mandarin' });
    engine.enqueue({ callId: 'c3', line: 'L', language: 'mandarin' });
    expect(engine.assign().map((x) => x.agentId)).toEqual(['mid1', 'mid2', 'rich']);
  });

  it('lines without a strategy use defaultStrategy', () => {
    const clock = new ManualClock(0);
    const engine = new AcdEngine(testConfig({ defaultStrategy: 'fewest_calls' }), clock);
    readyAgents(engine, clock, [mandarinAgent('a'), mandarinAgent('b')]);
    engine.enqueue({ callId: 'x', line: 'L', language: 'mandarin' });
    const [first] = engine.assign();
    engine.connected(first!.agentId, 'x');
    engine.callEnded(first!.agentId, 'x');
    engine.enqueue({ callId: 'y', line: 'L', language: 'mandarin' });
    expect(engine.assign().map((z) => z.agentId)).toEqual(['b']);
  });
});

describe('snapshot', () => {
  it('round-trips exactly through JSON and behaves the same afterwards', () => {
    const { engine, clock, config } = newEngine({ wrapUpSeconds: 30, mandarinOverflowSeconds: 5 });
    readyAgents(engine, clock, [mandarinAgent('a'), bilingualAgent('b'), mandarinAgent('c')]);
    engine.pause('c', 'meal');
    for (let i = 0; i < 4; i++) engine.enqueue({ callId: `c${i}`, line: '12345', language: i % 2 ? 'tibetan' : 'mandarin', priority: i });
    engine.assign();
    engine.connected('a', engine.getAgent('a').currentCallId!);
    const json = JSON.stringify(engine.snapshot());
    const restored = AcdEngine.restore(config, clock, JSON.parse(json));
    expect(JSON.stringify(restored.snapshot())).toBe(json);
    expect(restored.snapshot()).toEqual(engine.snapshot());
    clock.advance(6000);
    expect(restored.assign()).toEqual(engine.assign());
    expect(restored.queue()).toEqual(engine.queue());
    expect(restored.agents()).toEqual(engine.agents());
  });
});
