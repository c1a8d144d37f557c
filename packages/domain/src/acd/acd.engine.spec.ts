import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { AcdEngine } from './acd.engine.js';
import { bilingualAgent, mandarinAgent, newEngine, readyAgents, testConfig } from './acd.fixtures.test.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CtiError ? e.code : `non-CtiError: ${String(e)}`;
  }
  return undefined;
}

describe('AcdEngine agent states', () => {
  it('login leaves the agent paused with reason not_ready until ready() is called', () => {
    const { engine } = newEngine();
    engine.login(mandarinAgent('a1'));
    expect(engine.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: 'not_ready' });
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    expect(engine.assign()).toEqual([]);
    engine.ready('a1');
    expect(engine.assign()).toEqual([{ callId: 'c1', agentId: 'a1', seat: 'seat-a1' }]);
  });

  it('lists the agents whose state changed since it was last asked, each once, in order of first change', () => {
    const { engine, clock, config } = newEngine();
    engine.login(mandarinAgent('a1'));
    engine.login(mandarinAgent('a2'));
    engine.ready('a2');
    engine.ready('a1');
    expect(engine.takeChangedAgents().map((a) => [a.agentId, a.state])).toEqual([['a1', 'ready'], ['a2', 'ready']]);
    expect(engine.takeChangedAgents()).toEqual([]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    const [offer] = engine.assign();
    expect(engine.takeChangedAgents()).toEqual([expect.objectContaining({ agentId: offer?.agentId, state: 'reserved' })]);
    const restored = AcdEngine.restore(config, clock, engine.snapshot());
    expect(restored.takeChangedAgents().map((a) => a.agentId).sort()).toEqual(['a1', 'a2']);
  });

  it('hands out the same agent image in snapshot after snapshot while the agent is unchanged, and a new one showing each change', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1'), mandarinAgent('a2')]);
    const image = (agentId: string) => engine.snapshot().agents.find((a) => a.agentId === agentId);
    const first = image('a1');
    expect(image('a1')).toBe(first);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    const [offer] = engine.assign();
    const other = offer?.agentId === 'a1' ? 'a2' : 'a1';
    const idle = image(other);
    const reserved = image(offer?.agentId as string);
    expect(reserved).toMatchObject({ state: 'reserved', currentCallId: 'c1' });
    clock.advance(1_000);
    engine.connected(offer?.agentId as string, 'c1');
    const talking = image(offer?.agentId as string);
    expect(talking).not.toBe(reserved);
    expect(talking).toMatchObject({ state: 'on_call', connectedAt: clock.now() });
    clock.advance(4_000);
    engine.callEnded(offer?.agentId as string, 'c1');
    expect(image(offer?.agentId as string)).toMatchObject({ state: 'ready', callsAnswered: 1, talkMs: 4_000 });
    expect(image(offer?.agentId as string)?.connectedAt).toBeUndefined();
    // The agent no call touched kept its image throughout; a new login profile (skills) is a change too.
    expect(image(other)).toBe(idle);
    engine.logout(other);
    engine.login(bilingualAgent(other));
    expect(image(other)).toMatchObject({ state: 'paused', skills: { mandarin: 5, tibetan: 8 } });
  });

  it('loads a snapshot into an engine built empty beforehand (a standby’s), which then routes as the original would, and refuses to load into a used one', () => {
    const { engine, clock, config } = newEngine();
    engine.login(mandarinAgent('a1'));
    engine.login(mandarinAgent('a2'));
    engine.ready('a1');
    engine.ready('a2');
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    const [first] = engine.assign();
    engine.enqueue({ callId: 'c2', line: '12345', language: 'mandarin' });
    engine.enqueue({ callId: 'c3', line: '12345', language: 'mandarin' });
    const saved = engine.snapshot();
    const standby = new AcdEngine(config, clock);
    standby.load(saved);
    expect(standby.snapshot()).toEqual(saved);
    expect(standby.getAgent(first?.agentId as string)).toMatchObject({ state: 'reserved', currentCallId: 'c1' });
    // The next offer on both: the same call to the same agent.
    expect(standby.assign()).toEqual(engine.assign());
    expect(codeOf(() => standby.load(saved))).toBe('CTI_ERR_CONFLICT');
  });

  it('logging in an agent who is already logged in is a conflict', () => {
    const { engine } = newEngine();
    engine.login(mandarinAgent('a1'));
    expect(codeOf(() => engine.login(mandarinAgent('a1')))).toBe('CTI_ERR_CONFLICT');
  });

  it('rejects skill levels outside 1..10', () => {
    const { engine } = newEngine();
    expect(codeOf(() => engine.login({ agentId: 'a', seat: 's', skills: { mandarin: 11 } }))).toBe('CTI_ERR_VALIDATION');
  });

  it('unknown agents raise CTI_ERR_NO_SUCH_AGENT from getAgent and commands, findAgent returns undefined', () => {
    const { engine } = newEngine();
    expect(engine.findAgent('x')).toBeUndefined();
    expect(codeOf(() => engine.getAgent('x'))).toBe('CTI_ERR_NO_SUCH_AGENT');
    expect(codeOf(() => engine.ready('x'))).toBe('CTI_ERR_NO_SUCH_AGENT');
  });

  it('logout is refused while reserved or on a call, allowed otherwise, and a logged-out agent can log in again', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    expect(codeOf(() => engine.logout('a1'))).toBe('CTI_ERR_INVALID_STATE');
    engine.connected('a1', 'c1');
    expect(codeOf(() => engine.logout('a1'))).toBe('CTI_ERR_INVALID_STATE');
    engine.callEnded('a1', 'c1');
    engine.logout('a1');
    expect(engine.getAgent('a1').state).toBe('logged_out');
    expect(codeOf(() => engine.ready('a1'))).toBe('CTI_ERR_INVALID_STATE');
    engine.login(bilingualAgent('a1'));
    expect(engine.getAgent('a1')).toMatchObject({ state: 'paused', callsAnswered: 1, skills: { mandarin: 5, tibetan: 8 } });
  });

  it('pause needs a configured reason', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    expect(codeOf(() => engine.pause('a1', 'smoking'))).toBe('CTI_ERR_VALIDATION');
    engine.pause('a1', 'meal');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: 'meal' });
    engine.pause('a1', 'training');
    expect(engine.getAgent('a1').pauseReason).toBe('training');
  });

  it('pause during a call is held and applied when the call ends', () => {
    const { engine, clock } = newEngine({ wrapUpSeconds: 30 });
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.connected('a1', 'c1');
    engine.pause('a1', 'break');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'on_call', pendingPauseReason: 'break' });
    engine.callEnded('a1', 'c1');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: 'break' });
    expect(engine.getAgent('a1').pendingPauseReason).toBeUndefined();
  });

  it('ready() during a call cancels a pending pause', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.connected('a1', 'c1');
    expect(codeOf(() => engine.ready('a1'))).toBe('CTI_ERR_INVALID_STATE');
    engine.pause('a1', 'break');
    engine.ready('a1');
    engine.callEnded('a1', 'c1');
    expect(engine.getAgent('a1').state).toBe('ready');
  });

  it('a call ending puts the agent in wrap-up, which tick() ends once wrapUpSeconds have passed', () => {
    const { engine, clock } = newEngine({ wrapUpSeconds: 30 });
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.connected('a1', 'c1');
    clock.advance(60_000);
    engine.callEnded('a1', 'c1');
    const endedAt = clock.now();
    expect(engine.getAgent('a1')).toMatchObject({ state: 'wrap_up', wrapUpEndsAt: endedAt + 30_000, talkMs: 60_000, lastCallEndedAt: endedAt });
    clock.advance(29_999);
    engine.tick();
    expect(engine.getAgent('a1').state).toBe('wrap_up');
    clock.advance(1);
    engine.tick();
    expect(engine.getAgent('a1')).toMatchObject({ state: 'ready', idleSince: endedAt });
  });

  it('extendWrapUp pushes the end back and endWrapUp ends it at once', () => {
    const { engine, clock } = newEngine({ wrapUpSeconds: 30 });
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.connected('a1', 'c1');
    engine.callEnded('a1', 'c1');
    engine.extendWrapUp('a1', 60);
    clock.advance(31_000);
    engine.tick();
    expect(engine.getAgent('a1').state).toBe('wrap_up');
    engine.endWrapUp('a1');
    expect(engine.getAgent('a1').state).toBe('ready');
    expect(codeOf(() => engine.endWrapUp('a1'))).toBe('CTI_ERR_INVALID_STATE');
    expect(codeOf(() => engine.extendWrapUp('a1', 10))).toBe('CTI_ERR_INVALID_STATE');
  });

  it('assign() routes to agents whose wrap-up has expired even without a tick()', () => {
    const { engine, clock } = newEngine({ wrapUpSeconds: 10 });
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.connected('a1', 'c1');
    engine.callEnded('a1', 'c1');
    engine.enqueue({ callId: 'c2', line: '12345', language: 'mandarin' });
    expect(engine.assign()).toEqual([]);
    clock.advance(10_000);
    expect(engine.assign().map((a) => a.callId)).toEqual(['c2']);
  });

  it('connected counts the answer and resets the miss counter; callEnded adds talk time', () => {
    const { engine, clock } = newEngine({ maxRingNoAnswer: 5 });
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.ringNoAnswer('a1', 'c1');
    expect(engine.getAgent('a1').missesInRow).toBe(1);
    engine.assign();
    engine.connected('a1', 'c1');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'on_call', currentCallId: 'c1', callsAnswered: 1, missesInRow: 0 });
    clock.advance(5000);
    engine.callEnded('a1', 'c1');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'ready', talkMs: 5000, callsAnswered: 1 });
    expect(engine.getAgent('a1').currentCallId).toBeUndefined();
  });

  it('connected/callEnded/ringNoAnswer on the wrong call or state are invalid', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.enqueue({ callId: 'c2', line: '12345', language: 'mandarin' });
    expect(codeOf(() => engine.connected('a1', 'c1'))).toBe('CTI_ERR_INVALID_STATE');
    engine.assign();
    expect(codeOf(() => engine.connected('a1', 'c2'))).toBe('CTI_ERR_INVALID_STATE');
    expect(codeOf(() => engine.connected('a1', 'nope'))).toBe('CTI_ERR_NO_SUCH_CALL');
    expect(codeOf(() => engine.callEnded('a1', 'c1'))).toBe('CTI_ERR_INVALID_STATE');
  });
});

describe('AcdEngine queue', () => {
  it('enqueue of a callId still known is a conflict', () => {
    const { engine } = newEngine();
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    expect(codeOf(() => engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' }))).toBe('CTI_ERR_CONFLICT');
  });

  it('rejects an unknown language', () => {
    const { engine } = newEngine();
    expect(codeOf(() => engine.enqueue({ callId: 'c1', line: '12345', language: 'english' as never }))).toBe('CTI_ERR_VALIDATION');
  });

  it('queue() lists higher priority first, then FIFO, with position and waitSeconds', () => {
    const { engine, clock } = newEngine();
    engine.enqueue({ callId: 'low-old', line: '12345', language: 'mandarin' });
    clock.advance(1000);
    engine.enqueue({ callId: 'high', line: '12345', language: 'mandarin', priority: 5 });
    clock.advance(1000);
    engine.enqueue({ callId: 'low-new', line: '12345', language: 'tibetan' });
    expect(engine.queue().map((c) => [c.callId, c.position, c.waitSeconds])).toEqual([
      ['high', 1, 1],
      ['low-old', 2, 2],
      ['low-new', 3, 0],
    ]);
  });

  it('waitingCount counts waiting calls but not reserved ones', () => {
    const { engine, clock } = newEngine();
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.enqueue({ callId: 'c2', line: '12345', language: 'mandarin' });
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.assign();
    expect(engine.waitingCount()).toBe(1);
    expect(engine.findCall('c1')).toMatchObject({ position: 0 });
    expect(engine.findCall('c2')).toMatchObject({ position: 1 });
  });

  it('equal enqueuedAt is ordered by insertion', () => {
    const { engine } = newEngine();
    for (const id of ['x', 'y', 'z']) engine.enqueue({ callId: id, line: '12345', language: 'mandarin', enqueuedAt: 5 });
    expect(engine.queue().map((c) => c.callId)).toEqual(['x', 'y', 'z']);
  });

  it('priority ageing lets a long-waiting low-priority call overtake a newer high-priority one', () => {
    const { engine, clock } = newEngine({ priorityAgeingPerSecond: 0.1 });
    engine.enqueue({ callId: 'old', line: '12345', language: 'mandarin', priority: 0 });
    clock.advance(60_000); // old's effective priority: 6
    engine.enqueue({ callId: 'vip', line: '12345', language: 'mandarin', priority: 5 });
    expect(engine.queue().map((c) => c.callId)).toEqual(['old', 'vip']);
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    expect(engine.assign().map((a) => a.callId)).toEqual(['old']);
  });

  it('setLanguage keeps the call in its place and changes who may take it', () => {
    const { engine, clock } = newEngine();
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    clock.advance(1);
    engine.enqueue({ callId: 'c2', line: '12345', language: 'mandarin' });
    engine.setLanguage('c1', 'tibetan');
    expect(engine.queue().map((c) => [c.callId, c.language])).toEqual([
      ['c1', 'tibetan'],
      ['c2', 'mandarin'],
    ]);
    readyAgents(engine, clock, [mandarinAgent('m1')]);
    expect(engine.assign().map((a) => a.callId)).toEqual(['c2']);
    expect(codeOf(() => engine.setLanguage('nope', 'tibetan'))).toBe('CTI_ERR_NO_SUCH_CALL');
    expect(codeOf(() => engine.setLanguage('c2', 'tibetan'))).toBe('CTI_ERR_INVALID_STATE');
  });

  it('removeCall of a waiting call returns its view and takes it out of the queue', () => {
    const { engine, clock } = newEngine();
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.enqueue({ callId: 'c2', line: '12345', language: 'mandarin' });
    clock.advance(3000);
    expect(engine.removeCall('c2')).toMatchObject({ callId: 'c2', position: 2, waitSeconds: 3 });
    expect(engine.queue().map((c) => c.callId)).toEqual(['c1']);
    expect(engine.removeCall('c2')).toBeUndefined();
  });

  it('removeCall of a ringing call frees the agent back to ready', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    expect(engine.removeCall('c1')).toMatchObject({ callId: 'c1', position: 0 });
    expect(engine.getAgent('a1')).toMatchObject({ state: 'ready', missesInRow: 0 });
    expect(engine.getAgent('a1').currentCallId).toBeUndefined();
  });

  it('removeCall of a ringing call applies the agent\'s pending pause', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.pause('a1', 'meal');
    engine.removeCall('c1');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: 'meal' });
  });

  it('removeCall leaves a connected call alone: it ends through callEnded', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.connected('a1', 'c1');
    expect(engine.removeCall('c1')).toBeUndefined();
    expect(engine.getAgent('a1').state).toBe('on_call');
  });
});

describe('AcdEngine ring-no-answer', () => {
  it('returns the call to its original position and offers it to another agent first', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    clock.advance(1);
    engine.enqueue({ callId: 'c2', line: '12345', language: 'mandarin' });
    expect(engine.assign()).toEqual([{ callId: 'c1', agentId: 'a1', seat: 'seat-a1' }]);
    readyAgents(engine, clock, [mandarinAgent('a2')]);
    engine.ringNoAnswer('a1', 'c1');
    expect(engine.queue().map((c) => c.callId)).toEqual(['c1', 'c2']);
    expect(engine.getAgent('a1')).toMatchObject({ state: 'ready', missesInRow: 1 });
    // a1 is longest idle, but c1 goes to a2; c2 then goes to a1.
    expect(engine.assign()).toEqual([
      { callId: 'c1', agentId: 'a2', seat: 'seat-a2' },
      { callId: 'c2', agentId: 'a1', seat: 'seat-a1' },
    ]);
  });

  it('offers the call again to the agent who missed it when nobody else is eligible', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.ringNoAnswer('a1', 'c1');
    expect(engine.assign()).toEqual([{ callId: 'c1', agentId: 'a1', seat: 'seat-a1' }]);
  });

  it('auto-pauses the agent with reason ring_no_answer after maxRingNoAnswer misses in a row', () => {
    const { engine, clock } = newEngine({ maxRingNoAnswer: 2 });
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    engine.assign();
    engine.ringNoAnswer('a1', 'c1');
    engine.assign();
    engine.ringNoAnswer('a1', 'c1');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: 'ring_no_answer', missesInRow: 2 });
    expect(engine.assign()).toEqual([]);
    expect(engine.queue().map((c) => c.callId)).toEqual(['c1']);
    engine.ready('a1');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'ready', missesInRow: 0 });
  });
});

describe('AcdEngine calls an agent places themself (click-to-dial)', () => {
  it('reserves the agent for the call without queueing it, and returns a paused agent to their pause after the call', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.pause('a1', 'callback_work');
    expect(engine.reserveFor('a1', { callId: 'cb1', line: 'callback', language: 'mandarin' })).toEqual({ callId: 'cb1', agentId: 'a1', seat: 'seat-a1' });
    expect(engine.getAgent('a1')).toMatchObject({ state: 'reserved', currentCallId: 'cb1' });
    expect(engine.queue()).toEqual([]);
    // A citizen calling meanwhile waits: the agent is taken.
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    expect(engine.assign()).toEqual([]);
    engine.connected('a1', 'cb1');
    engine.callEnded('a1', 'cb1');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: 'callback_work' });
    expect(engine.assign()).toEqual([]);
  });

  it('frees a ready agent whose seat did not answer their own call, without queueing that call', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.reserveFor('a1', { callId: 'cb1', line: 'callback', language: 'mandarin' });
    engine.removeCall('cb1');
    expect(engine.getAgent('a1')).toMatchObject({ state: 'ready', missesInRow: 0 });
    expect(engine.queue()).toEqual([]);
  });

  it('refuses an agent who is ringing, talking or logged out, and a call id it already knows', () => {
    const { engine, clock } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1'), mandarinAgent('a2')]);
    engine.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
    const [offer] = engine.assign();
    expect(codeOf(() => engine.reserveFor(offer?.agentId as string, { callId: 'cb1', line: 'callback', language: 'mandarin' }))).toBe('CTI_ERR_INVALID_STATE');
    const other = offer?.agentId === 'a1' ? 'a2' : 'a1';
    expect(codeOf(() => engine.reserveFor(other, { callId: 'c1', line: 'callback', language: 'mandarin' }))).toBe('CTI_ERR_CONFLICT');
    engine.logout(other);
    expect(codeOf(() => engine.reserveFor(other, { callId: 'cb2', line: 'callback', language: 'mandarin' }))).toBe('CTI_ERR_INVALID_STATE');
  });

  it('keeps a reserved call of the agent’s own making across a snapshot and restore', () => {
    const { engine, clock, config } = newEngine();
    readyAgents(engine, clock, [mandarinAgent('a1')]);
    engine.reserveFor('a1', { callId: 'cb1', line: 'callback', language: 'mandarin' });
    const restored = AcdEngine.restore(config, clock, engine.snapshot());
    expect(restored.getAgent('a1')).toMatchObject({ state: 'reserved', currentCallId: 'cb1' });
    restored.connected('a1', 'cb1');
    expect(restored.getAgent('a1').state).toBe('on_call');
  });
});

describe('AcdEngine config', () => {
  it('rejects an unknown strategy and negative durations with CTI_ERR_VALIDATION', () => {
    const clock = { now: () => 0 };
    expect(codeOf(() => new AcdEngine(testConfig({ defaultStrategy: 'random' as never }), clock))).toBe('CTI_ERR_VALIDATION');
    expect(codeOf(() => new AcdEngine(testConfig({ wrapUpSeconds: -1 }), clock))).toBe('CTI_ERR_VALIDATION');
    expect(codeOf(() => new AcdEngine(testConfig({ lines: { '12345': { strategy: 'nope' as never } } }), clock))).toBe('CTI_ERR_VALIDATION');
  });
});
