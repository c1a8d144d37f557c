import { describe, expect, it } from 'vitest';
import { AriRestError, AriUnansweredError } from '@cti/asterisk';
import { callFixture, channel, promptWait, settle } from './call.fixtures.test.js';

// Overload (docs/domain.md §23): Asterisk slow past the ARI timeout must make callers wait longer, never lose them.

const slow = (what: string) => new AriUnansweredError(`ARI POST /channels/c1/${what} timed out after 10000 ms`);

const withPrompt = promptWait;

describe('a caller Asterisk is too slow for keeps their place', () => {
  it('keeps a caller whose answer for hold music went unanswered in the queue, and answers them when a seat takes them', async () => {
    const f = callFixture();
    f.telephony.failWith('answer', slow('answer'), 1);
    await f.service.inbound(channel('c1'), 'primary', '12345'); // nobody is free: queued, then answered to wait
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([]);
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'queued', callerAnswered: false });
    expect(f.acd.findCall('c1')).toMatchObject({ callId: 'c1' });
    expect(f.events.filter((e) => e.type === 'call.wait_degraded')).toEqual([{ type: 'call.wait_degraded', at: expect.any(Number), callId: 'c1', reason: 'ARI POST /channels/c1/answer timed out after 10000 ms' }]);

    f.readyAgent('a1', 'seat-01');
    f.service.dispatch();
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', agentId: 'a1' });
    await f.service.agentAnswered('c1-leg1', 'c1');
    // The connect answers the caller it does not know to be answered, then bridges.
    expect(f.telephony.argsOf('answer')).toEqual([['c1'], ['c1']]);
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'connected', callerAnswered: true });
  });

  it('queues at once a caller whose answer for the language prompt went unanswered, in their remembered language if any', async () => {
    const f = callFixture(withPrompt);
    f.telephony.failWith('answer', slow('answer'), 1);
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([]);
    expect(f.telephony.argsOf('play')).toEqual([]); // no prompt to a caller who is not answered
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'queued', callerAnswered: false, bridgeId: 'bridge-c1' });
    expect(f.service.findCall('c1')?.languagePendingUntil).toBeUndefined();
    expect(f.acd.findCall('c1')).toMatchObject({ callId: 'c1' });
    expect(f.events.map((e) => e.type)).toEqual(expect.arrayContaining(['call.wait_degraded', 'call.queued']));
  });

  it('leaves a caller whose language prompt could not be played waiting for the window, which then queues them', async () => {
    const f = callFixture(withPrompt);
    f.telephony.failWith('play', slow('play'), 1);
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([]);
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'queued', callerAnswered: true });
    expect(f.acd.findCall('c1')).toBeUndefined();
    f.clock.advance(3_000);
    f.service.tick();
    expect(f.acd.findCall('c1')).toMatchObject({ callId: 'c1' });
  });

  it('keeps a caller whose seat did not answer in the queue when Asterisk does not answer the hold request', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345'); // rung at once, not answered
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', agentId: 'a1' });
    f.telephony.failWith('answer', slow('answer'), 1);
    // The seat stops ringing each time it is offered, until its agent is paused for not answering: the caller waits.
    for (let i = 0; i < 10 && f.service.findCall('c1')?.phase === 'ringing'; i++) f.service.channelGone(f.service.findCall('c1')?.agentChannelId as string);
    expect(f.acd.getAgent('a1').state).toBe('paused');
    await settle();
    expect(f.telephony.argsOf('answer')).toEqual([['c1']]);
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([]);
    expect(f.service.findCall('c1')).toMatchObject({ callerAnswered: false });
    expect(f.events.some((e) => e.type === 'call.wait_degraded')).toBe(true);
  });

  it('still hands the caller to the fallback queue for a fault of our own (not Asterisk’s)', async () => {
    const f = callFixture();
    f.telephony.failWith('answer', new TypeError('cannot read properties of undefined'));
    await f.service.inbound(channel('c1'), 'primary', '12399');
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([['c1', 'cti-fallback', '12399', 1]]);
    expect(f.events.filter((e) => e.type === 'call.fallback')).toEqual([{ type: 'call.fallback', at: expect.any(Number), callId: 'c1', handedOver: true }]);
  });
});

describe('the fallback queue when Asterisk is slow', () => {
  /** A caller the gateway fails to connect (bridging refused): they go to the fallback queue. */
  async function failedConnect(f: ReturnType<typeof callFixture>) {
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    f.telephony.failOn('addToBridge');
    await f.service.agentAnswered('c1-leg1', 'c1');
  }

  it('asks again until Asterisk takes the caller there', async () => {
    const f = callFixture();
    f.telephony.failWith('continueInDialplan', slow('continue'), 2);
    await failedConnect(f);
    expect(f.telephony.argsOf('continueInDialplan')).toHaveLength(3);
    expect(f.telephony.argsOf('hangup')).not.toContainEqual(['c1']);
    expect(f.events.filter((e) => e.type === 'call.fallback')).toEqual([expect.objectContaining({ callId: 'c1', handedOver: true })]);
  });

  it('counts a 409 after an unanswered request as handed over: the first one went through late', async () => {
    const f = callFixture();
    f.telephony.failWith('continueInDialplan', slow('continue'), 1);
    f.telephony.failWith('continueInDialplan', new AriRestError(409, '409 Channel not in Stasis application'), 1);
    await failedConnect(f);
    expect(f.telephony.argsOf('continueInDialplan')).toHaveLength(2);
    expect(f.telephony.argsOf('hangup')).not.toContainEqual(['c1']);
    expect(f.events.filter((e) => e.type === 'call.fallback')).toEqual([expect.objectContaining({ handedOver: true })]);
  });

  it('stops at once for a caller who is gone (404)', async () => {
    const f = callFixture();
    f.telephony.failWith('continueInDialplan', new AriRestError(404, '404 Channel not found'));
    await failedConnect(f);
    expect(f.telephony.argsOf('continueInDialplan')).toHaveLength(1);
    expect(f.telephony.argsOf('hangup')).not.toContainEqual(['c1']);
    expect(f.events.filter((e) => e.type === 'call.fallback')).toEqual([]);
  });

  it('hangs the caller up, counted, after the last try rather than leaving them in Stasis with nobody serving them', async () => {
    const f = callFixture(); // three pauses in the fixture: four tries
    f.telephony.failWith('continueInDialplan', slow('continue'));
    await failedConnect(f);
    expect(f.telephony.argsOf('continueInDialplan')).toHaveLength(4);
    expect(f.telephony.argsOf('hangup')).toContainEqual(['c1']);
    expect(f.events.filter((e) => e.type === 'call.fallback')).toEqual([expect.objectContaining({ callId: 'c1', handedOver: false })]);
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });
});
