import { describe, expect, it } from 'vitest';
import type { Assignment } from '@cti/domain';
import { defaultCallerWaitPrompts, positionAnnouncement, type LanguageMemory } from './caller-wait.js';
import type { OutboundWork, VirtualHoldRequest } from './outbound-work.port.js';
import { callFixture, channel, promptWait, settle } from './call.fixtures.test.js';

const wait = promptWait;

class FakeOutbound implements OutboundWork {
  readonly taken: VirtualHoldRequest[] = [];
  readonly assignments: Assignment[] = [];
  owns(callId: string) {
    return this.taken.some((t) => t.callId === callId);
  }
  assigned(a: Assignment) {
    this.assignments.push(a);
  }
  takeVirtualHold(r: VirtualHoldRequest) {
    this.taken.push(r);
  }
}

describe('the caller’s wait', () => {
  it('greets a waiting caller of a merged line with the line’s own greeting, then hold music; 12345 goes straight to music', async () => {
    const f = callFixture(undefined, undefined, undefined, (did) => (did === '12315' ? 'custom/line-12315' : undefined));
    await f.service.inbound(channel('c1'), 'primary', '12315');
    expect(f.telephony.argsOf('play')).toEqual([['c1', 'c1-pb1', ['sound:custom/line-12315']]]);
    expect(f.telephony.argsOf('startMoh')).toEqual([]);
    expect(f.service.findCall('c1')).toMatchObject({ lineGreeting: 'playing', callerAnswered: true });
    f.service.playbackFinished('c1-pb1');
    expect(f.telephony.argsOf('startMoh')).toEqual([['c1']]);
    expect(f.service.findCall('c1')?.lineGreeting).toBe('played');
    await f.service.inbound(channel('c2'), 'primary', '12345');
    expect(f.telephony.argsOf('play')).toHaveLength(1);
    expect(f.telephony.argsOf('startMoh').map(([id]) => id)).toContain('c2');
    expect(f.service.findCall('c2')?.lineGreeting).toBeUndefined();
    // A greeting Asterisk could not play (its sound missing) is said so; one a ringing seat cuts short is said so too.
    await f.service.inbound(channel('c3'), 'primary', '12315');
    f.service.playbackFinished('c3-pb2', true);
    expect(f.service.findCall('c3')?.lineGreeting).toBe('failed');
    const g = callFixture(undefined, undefined, undefined, () => 'custom/line-12315');
    await g.service.inbound(channel('c4'), 'primary', '12315');
    g.readyAgent('a1', 'seat-01');
    g.service.dispatch();
    expect(g.service.findCall('c4')).toMatchObject({ phase: 'ringing', lineGreeting: 'cut' });
    expect(g.telephony.argsOf('stopPlayback')).toEqual([['c4-pb1']]);
  });

  it('plays a merged line’s greeting before the language prompt, and starts the language window when it ends', async () => {
    const f = callFixture(wait, undefined, undefined, (did) => (did === '12315' ? 'custom/line-12315' : undefined));
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12315');
    expect(f.telephony.argsOf('play')).toEqual([['c1', 'c1-pb1', ['sound:custom/line-12315', ...defaultCallerWaitPrompts.language]]]);
    // A long greeting: the 3 s window has not started yet.
    f.clock.advance(10_000);
    f.service.tick();
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'queued', lineGreeting: 'playing' });
    f.service.playbackFinished('c1-pb1');
    expect(f.service.findCall('c1')?.lineGreeting).toBe('played');
    f.clock.advance(2_000);
    f.service.tick();
    expect(f.telephony.argsOf('dial')).toEqual([]);
    f.clock.advance(1_000);
    f.service.tick();
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', language: 'mandarin', agentId: 'a1' });
    // Never heard of its end (a reconnect): the window starts 30 s after the call came in at the latest.
    await f.service.inbound(channel('c2'), 'primary', '12315');
    f.clock.advance(32_000);
    f.service.tick();
    expect(f.service.findCall('c2')?.languagePendingUntil).toBeDefined();
    f.clock.advance(1_000);
    f.service.tick();
    expect(f.service.findCall('c2')?.languagePendingUntil).toBeUndefined();
  });

  it('plays the language prompt and queues a silent caller as Mandarin when the window has passed', async () => {
    const f = callFixture(wait);
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.telephony.argsOf('play')).toEqual([['c1', 'c1-pb1', defaultCallerWaitPrompts.language]]);
    expect(f.telephony.argsOf('dial')).toEqual([]);
    f.clock.advance(2_000);
    f.service.tick();
    expect(f.telephony.argsOf('dial')).toEqual([]);
    f.clock.advance(1_000);
    f.service.tick();
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', language: 'mandarin', agentId: 'a1' });
  });

  it('queues at once as Tibetan when the caller presses 2 during the prompt, and remembers it', async () => {
    const remembered: Array<[string, string]> = [];
    const memory: LanguageMemory = { find: async () => undefined, remember: async (n, l) => void remembered.push([n, l]) };
    const f = callFixture(wait, memory);
    f.readyAgent('m1', 'seat-01');
    f.readyAgent('t1', 'seat-25', { mandarin: 5, tibetan: 8 });
    await f.service.inbound(channel('c1', { callerNumber: '13800001234' }), 'primary', '12345');
    f.service.languageChosen('c1', 'tibetan');
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', agentId: 't1', language: 'tibetan' });
    expect(remembered).toEqual([['13800001234', 'tibetan']]);
  });

  it('routes a caller remembered as Tibetan straight to a bilingual agent without the window', async () => {
    const memory: LanguageMemory = { find: async () => 'tibetan', remember: async () => undefined };
    const f = callFixture(wait, memory);
    f.readyAgent('m1', 'seat-01');
    f.readyAgent('t1', 'seat-25', { mandarin: 5, tibetan: 8 });
    await f.service.inbound(channel('c1', { callerNumber: '13800001234' }), 'primary', '12345');
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', agentId: 't1', language: 'tibetan' });
  });

  it('tells the desk with the offer whether the language was remembered from the number or chosen on this call', async () => {
    const memory: LanguageMemory = { find: async (n) => (n === '13800001234' ? 'tibetan' : undefined), remember: async () => undefined };
    const f = callFixture(wait, memory);
    f.readyAgent('t1', 'seat-25', { mandarin: 5, tibetan: 8 });
    await f.service.inbound(channel('c1', { callerNumber: '13800001234' }), 'primary', '12345');
    f.readyAgent('t2', 'seat-26', { mandarin: 5, tibetan: 8 });
    await f.service.inbound(channel('c2', { callerNumber: '13900005678' }), 'primary', '12345');
    f.service.languageChosen('c2', 'tibetan');
    const offers = f.events.filter((e) => e.type === 'call.offered').map((e) => [e.callId, e.language, e.languageRemembered]);
    expect(offers).toEqual([['c1', 'tibetan', true], ['c2', 'tibetan', false]]);
  });

  it('offers the callback after the configured wait, and pressing 1 hands the same queue place to the callback service', async () => {
    const outbound = new FakeOutbound();
    const f = callFixture(wait, undefined, outbound);
    await f.service.inbound(channel('c0'), 'primary', '12345');
    f.clock.advance(10);
    await f.service.inbound(channel('c1', { callerNumber: '13800001234' }), 'primary', '12345');
    for (const [, playbackId] of f.telephony.argsOf('play')) f.service.playbackFinished(String(playbackId)); // the prompts end
    f.clock.advance(3_000);
    f.service.tick();
    f.service.callbackRequested('c1'); // too early: no offer yet
    expect(outbound.taken).toEqual([]);
    f.clock.advance(60_000);
    f.service.tick();
    await settle();
    expect(f.telephony.argsOf('play').map((a) => a[2])).toContainEqual(defaultCallerWaitPrompts.callbackOffer);
    f.service.callbackRequested('c1');
    expect(outbound.taken).toMatchObject([{ callId: 'c1', callerNumber: '13800001234' }]);
    expect(f.sink.records).toMatchObject([{ linkedId: 'c1', outcome: 'abandoned' }]);
    expect(f.sink.records[0]?.callbackRequestedAt).toBeDefined();
    // The place is kept: still second in the queue, now owned by the callback service.
    expect(f.acd.queue().map((c) => c.callId)).toEqual(['c0', 'c1']);
    f.readyAgent('a1', 'seat-01');
    f.service.dispatch();
    f.readyAgent('a2', 'seat-02');
    f.service.dispatch();
    expect(outbound.assignments.map((a) => a.callId)).toEqual(['c1']);
    await settle();
  });

  it('announces position and estimated wait at the interval', async () => {
    const f = callFixture({ ...wait, languageWindowSeconds: 0 });
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.inbound(channel('c2'), 'primary', '12345');
    f.clock.advance(30_000);
    f.service.tick();
    await settle();
    const plays = f.telephony.argsOf('play').map((a) => [a[0], a[2]]);
    expect(plays).toContainEqual(['c1', positionAnnouncement(1, undefined)]);
    expect(plays).toContainEqual(['c2', positionAnnouncement(2, undefined)]);
    // The hold music comes back when the announcement ends.
    const moh = f.telephony.argsOf('startMoh').length;
    f.service.playbackFinished(String(f.telephony.argsOf('play').at(-1)?.[1]));
    expect(f.telephony.argsOf('startMoh').length).toBe(moh + 1);
  });

  it('offers the callback to everyone at once in a surge', async () => {
    const f = callFixture({ ...wait, languageWindowSeconds: 0, surgeWaitingCalls: 2 }, undefined, new FakeOutbound());
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.inbound(channel('c2'), 'primary', '12345');
    f.service.tick();
    await settle();
    const offers = f.telephony.argsOf('play').filter((a) => JSON.stringify(a[2]) === JSON.stringify([...defaultCallerWaitPrompts.surge, ...defaultCallerWaitPrompts.callbackOffer]));
    expect(offers.map((a) => a[0])).toEqual(['c1', 'c2']);
  });

  it('round-trips its state through snapshot and restore', async () => {
    const f = callFixture(wait);
    await f.service.inbound(channel('c1'), 'primary', '12345');
    const snap = JSON.parse(JSON.stringify(f.service.snapshot()));
    const g = callFixture(wait);
    g.service.restore(snap);
    expect(g.service.findCall('c1')).toMatchObject({ callId: 'c1', phase: 'queued', languagePendingUntil: expect.any(Number) });
  });

  it('queues restored callers whose language window passed while the gateway was down as soon as routing resumes, in arrival order, before any tick', async () => {
    // The gateway died between queueing callers and saving that: the saved state still has them in the language window.
    const f = callFixture(wait);
    for (const id of ['c1', 'c2', 'c3']) await f.service.inbound(channel(id), 'primary', '12345');
    const snap = JSON.parse(JSON.stringify(f.service.snapshot()));
    const g = callFixture(wait);
    g.clock.advance(10_000); // the restart took longer than the window
    g.service.restore(snap);
    g.telephony.channels = [channel('c1'), channel('c2'), channel('c3')];
    await g.service.reconcile();
    expect(g.service.isRouting()).toBe(true);
    // What /api/v1/queue shows the moment /healthz says routing is on: every caller waits, in the order they came.
    expect(g.acd.queue().map((w) => w.callId)).toEqual(['c1', 'c2', 'c3']);
  });
});
