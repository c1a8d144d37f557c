import { describe, expect, it } from 'vitest';
import { callFixture, channel, settle } from './call.fixtures.test.js';

describe('CallService: queue and offer', () => {
  it('dials a queued call to the ready agent’s seat with Stasis args [agent, callId], the caller only ringing meanwhile', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-03');
    await f.service.inbound(channel('c1'), 'primary', '12345');

    // No prompt to play and an agent free at once: not answered yet (the dialplan's 180 goes on) until the agent answers.
    expect(f.telephony.argsOf('answer')).toEqual([]);
    expect(f.telephony.argsOf('startMoh')).toEqual([]);
    expect(f.telephony.argsOf('dial')).toEqual([
      [{ channelId: 'c1-leg1', endpoint: 'PJSIP/seat-03', callerNumber: '13800001234', timeoutSeconds: 15, appArgs: ['agent', 'c1'], role: 'seat', owner: 'c1' }],
    ]);
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', agentId: 'a1', seat: 'seat-03', agentChannelId: 'c1-leg1', offers: 1 });
    expect(f.acd.getAgent('a1').state).toBe('reserved');
  });

  it('keeps a call waiting with music on hold while no agent is ready, and offers it once one is', async () => {
    const f = callFixture();
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.telephony.argsOf('dial')).toEqual([]);
    expect(f.acd.queue().map((c) => c.callId)).toEqual(['c1']);

    f.readyAgent('a1', 'seat-01');
    f.service.dispatch();
    expect(f.telephony.argsOf('dial')).toHaveLength(1);
    expect(f.service.findCall('c1')?.phase).toBe('ringing');
  });

  it('ignores a second StasisStart for a call it already handles', async () => {
    const f = callFixture();
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.telephony.argsOf('answer')).toHaveLength(1);
    expect(f.acd.queue()).toHaveLength(1);
  });
});

describe('CallService: answer and bridge', () => {
  it('answers a caller who was only ringing and bridges them with the agent leg when it enters Stasis', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    f.clock.advance(4_000);
    await f.service.agentAnswered('c1-leg1', 'c1');

    expect(f.telephony.argsOf('answer')).toEqual([['c1']]);
    expect(f.telephony.argsOf('stopMoh')).toEqual([]);
    // The bridge was made on arrival; connecting is one addChannel.
    expect(f.telephony.argsOf('createBridge')).toEqual([['bridge-c1']]);
    expect(f.telephony.argsOf('addToBridge')).toEqual([['bridge-c1', ['c1', 'c1-leg1']]]);
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'connected', answeredAt: 1_004_000, bridgeId: 'bridge-c1' });
    expect(f.acd.getAgent('a1').state).toBe('on_call');
    expect(f.events.map((e) => e.type)).toEqual(['call.queued', 'call.offered', 'call.connected']);
  });

  it('dials the seat before asking for the call’s bridge, and connects the agent once the bridge is made', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    const bridgeMade = f.telephony.holdOn('createBridge');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.telephony.calls.map((c) => c.method).filter((m) => m === 'dial' || m === 'createBridge')).toEqual(['dial', 'createBridge']);
    expect(f.service.findCall('c1')?.bridgeId).toBeUndefined();

    const connecting = f.service.agentAnswered('c1-leg1', 'c1');
    await settle();
    expect(f.telephony.argsOf('addToBridge')).toEqual([]);
    bridgeMade();
    await connecting;
    expect(f.telephony.argsOf('addToBridge')).toEqual([['bridge-c1', ['c1', 'c1-leg1']]]);
    expect(f.telephony.argsOf('bridge')).toEqual([]);
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'connected', bridgeId: 'bridge-c1' });
  });

  it('destroys a bridge made in advance when the caller hung up before it existed', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    const bridgeMade = f.telephony.holdOn('createBridge');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    f.service.channelGone('c1');
    expect(f.telephony.argsOf('destroyBridge')).toEqual([]);
    bridgeMade();
    await settle();
    expect(f.telephony.argsOf('destroyBridge')).toEqual([['bridge-c1']]);
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });

  it('hangs up an agent leg that answers a call it no longer owns', async () => {
    const f = callFixture();
    await f.service.agentAnswered('stale-leg', 'gone-call');
    expect(f.telephony.argsOf('hangup')).toEqual([['stale-leg']]);
    expect(f.telephony.argsOf('bridge')).toEqual([]);
  });
});

describe('CallService: hang-ups', () => {
  it('records an abandoned call and empties the ACD queue when the caller hangs up while queued', async () => {
    const f = callFixture();
    await f.service.inbound(channel('c1'), 'primary', '12345');
    f.clock.advance(30_000);
    f.service.channelGone('c1');

    expect(f.acd.queue()).toEqual([]);
    expect(f.acd.findCall('c1')).toBeUndefined();
    expect(f.service.liveCalls()).toEqual([]);
    expect(f.sink.records).toHaveLength(1);
    expect(f.sink.records[0]).toMatchObject({ linkedId: 'c1', outcome: 'abandoned', endedBy: 'caller', queuedAt: 1_000_000, endedAt: 1_030_000, offers: 0 });
    expect(f.sink.records[0]).not.toHaveProperty('agentId');
  });

  it('hangs up the ringing agent leg and makes the agent ready again when the caller hangs up while ringing', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    f.service.channelGone('c1');

    expect(f.telephony.argsOf('hangup')).toEqual([['c1-leg1']]);
    expect(f.acd.getAgent('a1').state).toBe('ready');
    expect(f.sink.records).toHaveLength(1);
    expect(f.sink.records[0]).toMatchObject({ outcome: 'abandoned', offers: 1, offeredAt: 1_000_000 });
  });

  it('offers the call to the next agent when the first seat’s leg is destroyed before answering (ring-no-answer)', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    f.clock.advance(1_000);
    f.readyAgent('a2', 'seat-02');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.service.findCall('c1')?.agentId).toBe('a1');

    f.clock.advance(15_000);
    f.service.channelGone('c1-leg1');

    const dials = f.telephony.argsOf('dial').map(([o]) => o as { channelId: string; endpoint: string });
    expect(dials.map((d) => [d.channelId, d.endpoint])).toEqual([
      ['c1-leg1', 'PJSIP/seat-01'],
      ['c1-leg2', 'PJSIP/seat-02'],
    ]);
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', agentId: 'a2', offers: 2, offeredAt: 1_001_000 });
    expect(f.acd.getAgent('a1')).toMatchObject({ state: 'ready', missesInRow: 1 });
    expect(f.sink.records).toEqual([]);
  });

  it('treats a seat that cannot be dialled as ring-no-answer and offers the call to the next agent', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    f.clock.advance(1_000);
    f.readyAgent('a2', 'seat-02');
    f.telephony.failOn('dial');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await settle();
    const endpoints = f.telephony.argsOf('dial').map(([o]) => (o as { endpoint: string }).endpoint);
    expect(endpoints.slice(0, 2)).toEqual(['PJSIP/seat-01', 'PJSIP/seat-02']);
  });

  it('hangs up the agent leg, destroys the bridge and records one answered call when the caller hangs up while connected', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    f.clock.advance(5_000);
    await f.service.agentAnswered('c1-leg1', 'c1');
    f.clock.advance(60_000);
    f.service.channelGone('c1');

    expect(f.telephony.argsOf('hangup')).toEqual([['c1-leg1']]);
    expect(f.telephony.argsOf('destroyBridge')).toEqual([['bridge-c1']]);
    expect(f.sink.records).toHaveLength(1);
    expect(f.sink.records[0]).toMatchObject({ outcome: 'answered', agentId: 'a1', seat: 'seat-01', answeredAt: 1_005_000, endedAt: 1_065_000, endedBy: 'caller' });
    expect(f.acd.getAgent('a1')).toMatchObject({ state: 'ready', callsAnswered: 1, talkMs: 60_000 });
  });

  it('hangs up the caller, destroys the bridge and records one answered call when the agent hangs up while connected', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.agentAnswered('c1-leg1', 'c1');
    f.service.channelGone('c1-leg1');

    expect(f.telephony.argsOf('hangup')).toEqual([['c1']]); // not the agent's leg, which is gone already
    expect(f.telephony.argsOf('destroyBridge')).toEqual([['bridge-c1']]);
    expect(f.sink.records).toHaveLength(1);
    expect(f.sink.records[0]).toMatchObject({ outcome: 'answered', agentId: 'a1', answeredAt: 1_000_000, endedBy: 'agent' });
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });

  it('produces one record when StasisEnd and ChannelDestroyed both arrive for both legs', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.agentAnswered('c1-leg1', 'c1');
    for (const id of ['c1', 'c1', 'c1-leg1', 'c1-leg1']) f.service.channelGone(id);
    expect(f.sink.records).toHaveLength(1);
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });

  it('gives the freed agent the next waiting call as soon as a connected call ends', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.agentAnswered('c1-leg1', 'c1');
    await f.service.inbound(channel('c2'), 'primary', '12345');
    expect(f.service.findCall('c2')?.phase).toBe('queued');
    f.service.channelGone('c1');
    expect(f.service.findCall('c2')).toMatchObject({ phase: 'ringing', agentId: 'a1' });
  });
});

describe('CallService: failures send the caller to the dialplan fallback', () => {
  it('continues the caller in cti-fallback at its DID, priority 1, when answer() rejects', async () => {
    const f = callFixture();
    f.telephony.failOn('answer');
    await f.service.inbound(channel('c1'), 'primary', '12399');

    expect(f.telephony.argsOf('continueInDialplan')).toEqual([['c1', 'cti-fallback', '12399', 1]]);
    expect(f.service.findCall('c1')).toBeUndefined();
    expect(f.acd.queue()).toEqual([]);
    expect(f.telephony.argsOf('dial')).toEqual([]);
  });

  it('sends the caller to the fallback and frees the agent when answering at connect fails', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12399');
    f.telephony.failOn('answer');
    await f.service.agentAnswered('c1-leg1', 'c1');
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([['c1', 'cti-fallback', '12399', 1]]);
    expect(f.telephony.argsOf('hangup')).toContainEqual(['c1-leg1']);
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });

  it('continues the caller in the fallback when hold music cannot start', async () => {
    const f = callFixture();
    f.telephony.failOn('startMoh');
    await f.service.inbound(channel('c1'), 'backup', '12345');
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([['c1', 'cti-fallback', '12345', 1]]);
  });

  it('creates the bridge when connecting if it could not be made on arrival', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    f.telephony.failOn('createBridge');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.agentAnswered('c1-leg1', 'c1');
    expect(f.telephony.argsOf('bridge')).toEqual([['bridge-c1', ['c1', 'c1-leg1']]]);
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'connected' });
  });

  it('sends the caller to the fallback and frees the agent when bridging fails', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    f.telephony.failOn('addToBridge');
    await f.service.agentAnswered('c1-leg1', 'c1');

    expect(f.telephony.argsOf('continueInDialplan')).toEqual([['c1', 'cti-fallback', '12345', 1]]);
    expect(f.telephony.argsOf('hangup')).toContainEqual(['c1-leg1']);
    expect(f.telephony.argsOf('hangup')).not.toContainEqual(['c1']);
    expect(f.service.findCall('c1')).toBeUndefined();
    expect(f.acd.getAgent('a1').state).toBe('ready');
    expect(f.acd.findCall('c1')).toBeUndefined();
  });

  it('does not hand a caller who hung up during answer() to the fallback', async () => {
    const f = callFixture();
    let release: (() => void) | undefined;
    f.telephony.answer = async () => new Promise<void>((r) => (release = r));
    const arriving = f.service.inbound(channel('c1'), 'primary', '12345');
    while (!release) await settle(); // nobody is free: the caller is queued, then answered to wait
    f.service.channelGone('c1');
    release();
    await arriving;
    expect(f.acd.queue()).toEqual([]);
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([]);
    expect(f.sink.records).toHaveLength(1);
    // Queued before it was answered (nobody free): a caller who hangs up then has abandoned the queue.
    expect(f.sink.records[0]).toMatchObject({ outcome: 'abandoned' });
  });
});

describe('CallService.reconcile', () => {
  it('ends sessions whose channels vanished and adopts unknown inbound calls in creation order', async () => {
    const f = callFixture();
    await f.service.inbound(channel('gone'), 'primary', '12345');
    await f.service.inbound(channel('kept'), 'primary', '12345');
    f.telephony.channels = [
      channel('kept'),
      channel('late', { name: 'PJSIP/trunk-backup-00000002', createdAt: 900, exten: '12399' }),
      channel('early', { name: 'PJSIP/trunk-primary-00000001', createdAt: 800, exten: '' }),
      channel('orphan-seat', { name: 'PJSIP/seat-05-00000003', createdAt: 700 }),
      channel('bridged-seat', { name: 'PJSIP/seat-06-00000004', createdAt: 600 }),
    ];
    f.telephony.vars.set('late', { CTI_ROLE: 'inbound', CTI_TRUNK: 'backup' });
    f.telephony.vars.set('early', { CTI_ROLE: 'inbound', CTI_TRUNK: 'primary' });
    f.telephony.vars.set('orphan-seat', { CTI_ROLE: 'seat', CTI_OWNER: 'long-gone' });
    f.telephony.bridges = [{ id: 'b', channels: ['bridged-seat'] }];
    await f.service.reconcile();

    expect(f.sink.records.map((r) => [r.linkedId, r.outcome])).toEqual([['gone', 'abandoned']]);
    // Adopted callers keep their wait since arrival (800, 900), so they go ahead of one queued later.
    expect(f.acd.queue().map((c) => c.callId)).toEqual(['early', 'late', 'kept']);
    expect(f.service.findCall('early')).toMatchObject({ trunk: 'primary', did: '12345', arrivedAt: 800 });
    expect(f.service.findCall('late')).toMatchObject({ trunk: 'backup', did: '12399' });
    // Legs nobody owns are hung up, bridged or not.
    expect(f.telephony.argsOf('hangup').sort()).toEqual([['bridged-seat'], ['orphan-seat']]);
  });

  it('leaves alone a caller who arrives while the reconcile’s lists are on their way (not in them, yet there)', async () => {
    const f = callFixture();
    await f.service.inbound(channel('known'), 'primary', '12345');
    f.telephony.channels = [channel('known')];
    const list = f.telephony.listAppChannels.bind(f.telephony);
    // The StasisStart of a new caller is handled between the request for the channels and its answer.
    f.telephony.listAppChannels = async () => {
      const answer = [...(await list())];
      await f.service.inbound(channel('newcomer'), 'primary', '12345');
      return answer;
    };
    await f.service.reconcile();
    expect(f.sink.records).toEqual([]);
    expect(f.service.findCall('newcomer')).toBeDefined();
    expect(f.telephony.argsOf('hangup')).toEqual([]);
    // Both wait, in their order of arrival; the first ready agent gets the first of them.
    expect(f.acd.queue().map((c) => c.callId)).toEqual(['known', 'newcomer']);
    f.readyAgent('a1', 'seat-01');
    f.service.dispatch();
    expect(f.service.findCall('known')).toMatchObject({ phase: 'ringing', agentId: 'a1' });
  });

  it('never takes a leg the gateway placed on a trunk for a caller: a partner leg left after its call ended is hung up, no seat is rung', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    // The leg a 119 linkage placed over the backup trunk: on a trunk, in Stasis, dialplan extension `s`.
    f.telephony.channels = [channel('C9-lkleg7', { name: 'PJSIP/trunk-backup-0000001a', state: 'Up', callerNumber: '*2345', exten: 's', args: [] })];
    f.telephony.vars.set('C9-lkleg7', { CTI_ROLE: 'partner', CTI_OWNER: 'C9' });
    await f.service.reconcile();
    expect(f.service.liveCalls()).toEqual([]);
    expect(f.acd.queue()).toEqual([]);
    expect(f.telephony.argsOf('dial')).toEqual([]);
    expect(f.telephony.argsOf('hangup')).toEqual([['C9-lkleg7']]);
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });

  it('hangs up, and never adopts, a trunk channel without the inbound tag', async () => {
    const f = callFixture();
    f.telephony.channels = [channel('x1', { name: 'PJSIP/trunk-primary-0000001b', args: [] })];
    await f.service.reconcile();
    expect(f.service.liveCalls()).toEqual([]);
    expect(f.telephony.argsOf('hangup')).toEqual([['x1']]);
  });

  it('keeps every kind of leg of a live call and hangs them up when the call ends; the same legs without a live call are hung up at once', async () => {
    const roles = ['seat', 'transfer', 'partner', 'callback-seat', 'callback-citizen', 'supervisor-seat', 'snoop'];
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('C1'), 'primary', '12345');
    await f.service.agentAnswered('C1-leg1', 'C1');
    f.telephony.channels = [channel('C1'), channel('C1-leg1', { name: 'PJSIP/seat-01-1' })];
    f.telephony.bridges = [{ id: 'bridge-C1', channels: ['C1', 'C1-leg1'] }];
    for (const role of roles) {
      f.telephony.channels.push(channel(`${role}-of-C1`, { name: `PJSIP/x-${role}`, args: [] }), channel(`${role}-of-C0`, { name: `PJSIP/y-${role}`, args: [] }));
      f.telephony.vars.set(`${role}-of-C1`, { CTI_ROLE: role, CTI_OWNER: 'C1' });
      f.telephony.vars.set(`${role}-of-C0`, { CTI_ROLE: role, CTI_OWNER: 'C0' });
    }
    await f.service.reconcile();
    expect(f.service.liveCalls().map((c) => c.callId)).toEqual(['C1']);
    expect(f.telephony.argsOf('hangup').map((a) => a[0]).sort()).toEqual(roles.map((r) => `${r}-of-C0`).sort());
    f.telephony.calls.length = 0;
    f.service.channelGone('C1');
    expect(f.telephony.argsOf('hangup').map((a) => a[0]).sort()).toEqual(['C1-leg1', ...roles.map((r) => `${r}-of-C1`)].sort());
    expect(f.acd.getAgent('a1').state).not.toBe('on_call');
  });

  it('keeps an untagged snoop on a live call’s seat leg (the gateway died before tagging it) and ends it with the call; an untagged snoop on no live call is hung up', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('C1'), 'primary', '12345');
    await f.service.agentAnswered('C1-leg1', 'C1');
    f.telephony.channels = [
      channel('C1'),
      channel('C1-leg1', { name: 'PJSIP/seat-01-1' }),
      channel('sv-C1-1-snoop2', { name: 'Snoop/C1-leg1-0000001c', args: [] }),
      channel('sv-C0-1-snoop2', { name: 'Snoop/C0-leg1-0000001d', args: [] }),
    ];
    f.telephony.bridges = [{ id: 'bridge-C1', channels: ['C1', 'C1-leg1'] }];
    await f.service.reconcile();
    expect(f.telephony.argsOf('hangup')).toEqual([['sv-C0-1-snoop2']]);
    f.telephony.calls.length = 0;
    f.service.channelGone('C1');
    expect(f.telephony.argsOf('hangup').map((a) => a[0]).sort()).toEqual(['C1-leg1', 'sv-C1-1-snoop2']);
  });

  it('ends a connected call whose caller vanished and hangs up its seat leg once, as the call’s leg, not as an unknown one', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('C2'), 'primary', '12345');
    await f.service.agentAnswered('C2-leg1', 'C2');
    f.telephony.channels = [channel('C2-leg1', { name: 'PJSIP/seat-01-1', args: [] })];
    f.telephony.vars.set('C2-leg1', { CTI_ROLE: 'seat', CTI_OWNER: 'C2' });
    await f.service.reconcile();
    expect(f.sink.records.map((r) => r.linkedId)).toEqual(['C2']);
    expect(f.telephony.argsOf('hangup')).toEqual([['C2-leg1']]);
    expect(f.telephony.argsOf('getVar')).toEqual([]);
  });

  it('leaves a citizen talking in a bridge no live call owns, and ends that bridge when a party leaves', async () => {
    const f = callFixture();
    f.telephony.channels = [channel('C5', { state: 'Up' }), channel('C5-lkleg2', { name: 'PJSIP/trunk-primary-2', args: [] })];
    f.telephony.vars.set('C5', { CTI_ROLE: 'inbound', CTI_TRUNK: 'primary' });
    f.telephony.vars.set('C5-lkleg2', { CTI_ROLE: 'partner', CTI_OWNER: 'C5' });
    f.telephony.bridges = [{ id: 'bridge-C5', channels: ['C5', 'C5-lkleg2'] }];
    await f.service.reconcile();
    expect(f.telephony.argsOf('hangup')).toEqual([]);
    expect(f.service.liveCalls()).toEqual([]);
    f.service.channelGone('C5');
    expect(f.telephony.argsOf('hangup')).toEqual([['C5-lkleg2']]);
    expect(f.telephony.argsOf('destroyBridge')).toEqual([['bridge-C5']]);
  });

  it('hangs up a seat that was ringing while ARI was away and offers the call again from its original place', async () => {
    const f = callFixture();
    f.readyAgent('a1', 'seat-01');
    f.clock.advance(1_000);
    f.readyAgent('a2', 'seat-02');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    f.telephony.channels = [channel('c1')];
    await f.service.reconcile();
    expect(f.telephony.argsOf('hangup')).toContainEqual(['c1-leg1']);
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', agentChannelId: 'c1-leg2' });
    // No miss is counted against the agent whose seat was ringing: events were lost, not the agent's fault.
    expect(f.acd.getAgent('a1').missesInRow).toBe(0);
  });

  it('queues a restored caller whose admission had not reached the queue when the state was saved, at their place', async () => {
    const f = callFixture();
    await f.service.inbound(channel('c1'), 'primary', '12345');
    f.clock.advance(300);
    await f.service.inbound(channel('c2'), 'primary', '12345');
    const g = callFixture();
    g.service.restore(JSON.parse(JSON.stringify(f.service.snapshot())));
    // Only c2 made it into the saved queue: c1's admission was still waiting on Redis when the process died.
    const [, second] = f.acd.queue();
    g.acd.enqueue({ callId: 'c2', line: '12345', language: 'mandarin', enqueuedAt: second!.enqueuedAt });
    g.telephony.channels = [channel('c1'), channel('c2')];
    await g.service.reconcile();
    expect(g.acd.queue().map((c) => c.callId)).toEqual(['c1', 'c2']);
    g.readyAgent('a1', 'seat-01');
    g.service.dispatch();
    expect(g.service.findCall('c1')).toMatchObject({ phase: 'ringing', agentId: 'a1' });
    expect(g.sink.records).toEqual([]);
  });

  it('rings no seat for restored callers until the first reconcile has finished, then rings them in order', async () => {
    const f = callFixture();
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.inbound(channel('c2'), 'primary', '12345');
    const g = callFixture();
    g.service.restore(JSON.parse(JSON.stringify(f.service.snapshot())));
    for (const c of f.acd.queue()) g.acd.enqueue({ callId: c.callId, line: '12345', language: 'mandarin', enqueuedAt: c.enqueuedAt });
    g.telephony.channels = [channel('c1'), channel('c2')];
    // An agent becomes ready (an API call) before ARI is back: nothing is rung yet.
    g.readyAgent('a1', 'seat-01');
    g.service.dispatch();
    expect(g.telephony.argsOf('dial')).toEqual([]);
    expect(g.service.isRouting()).toBe(false); // what /healthz reports as routing: 'held'
    // Nor while the reconcile waits for Asterisk's channel list: a seat answered meanwhile would look like a vanished leg.
    const listed = g.telephony.holdOn('listAppChannels');
    const reconciling = g.service.reconcile();
    g.readyAgent('a2', 'seat-02');
    g.service.dispatch();
    expect(g.telephony.argsOf('dial')).toEqual([]);
    expect(g.service.isRouting()).toBe(false);
    listed();
    await reconciling;
    expect(g.service.isRouting()).toBe(true);
    expect(g.telephony.argsOf('dial').map((a) => (a[0] as { channelId: string }).channelId.split('-')[0])).toEqual(['c1', 'c2']);
    expect(g.sink.records).toEqual([]); // nobody was ended by the reconcile
  });
});

describe('CallService.languageChosen', () => {
  it('routes a caller who pressed 2 to a Tibetan-speaking agent', async () => {
    const f = callFixture();
    f.readyAgent('t1', 'seat-09', { tibetan: 5 });
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.telephony.argsOf('dial')).toEqual([]);
    f.service.languageChosen('c1', 'tibetan');
    expect(f.service.findCall('c1')).toMatchObject({ language: 'tibetan', phase: 'ringing', agentId: 't1' });
  });
});
