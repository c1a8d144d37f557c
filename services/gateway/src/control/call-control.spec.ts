import { describe, expect, it } from 'vitest';
import { ManualClock, type AgentView } from '@cti/domain';
import { FakeTelephony, channel, settle, silentLogger } from '../call/call.fixtures.test.js';
import type { CallSession } from '../call/call-session.js';
import { CallControlService } from './call-control.service.js';
import type { AgentAvailability, ControlledCalls } from './control.ports.js';

function fixture() {
  const telephony = new FakeTelephony();
  const call: CallSession = { callId: 'C1', trunk: 'primary', callerNumber: '13800001234', did: '12345', language: 'mandarin', phase: 'connected', arrivedAt: 0, answeredAt: 1_000, agentId: 'a01', seat: 'seat-01', agentChannelId: 'C1-leg1', bridgeId: 'bridge-C1', offers: 1 };
  const log: string[] = [];
  const calls: ControlledCalls = {
    findCall: (id) => (id === call.callId ? call : undefined),
    findCallByAgent: (a) => (call.agentId === a && call.agentChannelId ? call : undefined),
    liveCalls: () => [call],
    noteRecording: () => undefined,
    releaseAgent: () => {
      const leg = call.agentChannelId;
      if (!leg) return undefined;
      call.agentChannelId = undefined;
      log.push(`released ${call.agentId}`);
      return { agentId: call.agentId as string, legId: leg };
    },
    attachAgentLeg: (_id, a) => {
      Object.assign(call, { agentId: a.agentId, seat: a.seat, agentChannelId: a.legId });
      log.push(`attached ${a.agentId} ${a.legId}`);
      return true;
    },
    requeue: async () => {
      log.push('requeued');
      return true;
    },
    handOff: () => undefined,
  };
  const agentStates = new Map<string, string>([['a02', 'ready']]);
  const agents: AgentAvailability = {
    findAgent: (id) => (agentStates.has(id) ? ({ agentId: id, seat: 'seat-02', state: agentStates.get(id), pauseReason: 'transfer' } as unknown as AgentView) : undefined),
    pause: (id) => void agentStates.set(id, 'paused'),
    ready: (id) => void agentStates.set(id, 'ready'),
  };
  // A loose view of each event (the tests read fields of several types at once).
  const events: Array<{ type: string; [k: string]: unknown }> = [];
  const service = new CallControlService(telephony, calls, agents, { publish: (e) => void events.push({ ...e }) }, new ManualClock(5_000), silentLogger(), { ringTimeoutSeconds: 15 });
  return { telephony, call, log, events, service };
}

describe('CallControlService: the first agent hangs up during an attended transfer', () => {
  it('completes a consultation: the target joins the caller’s bridge and becomes the call’s agent', async () => {
    const f = fixture();
    const t = await f.service.toAgent('a01', 'a02', 'attended');
    await f.service.start(channel(t.toLeg, { args: ['xfer', t.id] }));
    expect(f.service.findTransfer('C1')?.phase).toBe('consulting');

    expect(f.service.claimsGone('C1-leg1')).toBe(true);
    await settle();
    expect(f.log).toEqual(['released a01', `attached a02 ${t.toLeg}`]);
    expect(f.telephony.argsOf('destroyBridge')).toContainEqual([t.consultBridgeId]);
    expect(f.telephony.argsOf('addToBridge').at(-1)).toEqual(['bridge-C1', [t.toLeg]]);
    expect(f.telephony.argsOf('bridgeMoh').at(-1)).toEqual(['bridge-C1', false]);
    expect(f.events.at(-1)).toMatchObject({ type: 'transfer.completed', toAgentId: 'a02', by: 'first_agent_hangup' });
    expect(f.service.findTransfer('C1')).toBeUndefined();
    // The second event for the same leg (ChannelDestroyed after StasisEnd) is no longer claimed.
    expect(f.service.claimsGone('C1-leg1')).toBe(false);
  });

  it('turns a transfer whose target still rings into a blind one: the target answers straight into the caller’s bridge', async () => {
    const f = fixture();
    const t = await f.service.toAgent('a01', 'a02', 'attended');
    expect(f.service.claimsGone('C1-leg1')).toBe(true);
    expect(f.log).toEqual(['released a01']);
    expect(f.service.findTransfer('C1')).toMatchObject({ kind: 'blind', phase: 'ringing' });
    await f.service.start(channel(t.toLeg, { args: ['xfer', t.id] }));
    expect(f.log).toEqual(['released a01', `attached a02 ${t.toLeg}`]);
    expect(f.telephony.argsOf('addToBridge').at(-1)).toEqual(['bridge-C1', [t.toLeg]]);
  });

  it('queues the caller again when the target cannot take them', async () => {
    const f = fixture();
    const t = await f.service.toAgent('a01', 'a02', 'attended');
    await f.service.start(channel(t.toLeg, { args: ['xfer', t.id] }));
    f.telephony.failOn('addToBridge', 'Channel not in Stasis application');
    expect(f.service.claimsGone('C1-leg1')).toBe(true);
    await settle();
    await settle();
    expect(f.log).toEqual(['released a01', 'requeued']);
  });

  it('claims nothing but the first agent’s leg of an attended transfer', async () => {
    const f = fixture();
    expect(f.service.claimsGone('C1-leg1')).toBe(false); // no transfer
    await f.service.toAgent('a01', 'a02', 'blind');
    expect(f.service.claimsGone('C1-leg1')).toBe(false);
    expect(f.service.claimsGone('C1')).toBe(false);
  });
});

describe('CallControlService: transfer events name both agents', () => {
  it('tells the target’s desk who is calling (masked) and both desks every step, so each can follow the transfer', async () => {
    const f = fixture();
    const t = await f.service.toAgent('a01', 'a02', 'attended');
    await f.service.start(channel(t.toLeg, { args: ['xfer', t.id] }));
    await f.service.cancel('a01');
    expect(f.events.map((e) => [e.type, e.fromAgentId, e.toAgentId])).toEqual([
      ['transfer.ringing', 'a01', 'a02'],
      ['transfer.consulting', 'a01', 'a02'],
      ['transfer.cancelled', 'a01', 'a02'],
    ]);
    expect(f.events[0]).toMatchObject({ caller: '*******1234', kind: 'attended' });
  });
});

describe('CallControlService across a restart or takeover', () => {
  /** A second service (the new process) restored from the first's snapshot, with what Asterisk still has. */
  function carriedOver(from: ReturnType<typeof fixture>, channels: string[]) {
    const next = fixture();
    Object.assign(next.call, from.call);
    next.service.restore(JSON.parse(JSON.stringify(from.service.snapshot())));
    next.telephony.channels = [];
    next.telephony.outsideApp = channels;
    return next;
  }

  it('carries a hold on: the call is still held and resuming brings the agent back into the bridge', async () => {
    const f = fixture();
    await f.service.hold('a01', true);
    const next = carriedOver(f, ['C1', 'C1-leg1']);
    await next.service.reconcile();
    expect(next.service.isHeld('C1')).toBe(true);
    await next.service.hold('a01', false);
    expect(next.telephony.argsOf('addToBridge').at(-1)).toEqual(['bridge-C1', ['C1-leg1']]);
    expect(next.service.isHeld('C1')).toBe(false);
  });

  it('carries a consultation on: the first agent can complete it, and the target becomes the call’s agent', async () => {
    const f = fixture();
    const t = await f.service.toAgent('a01', 'a02', 'attended');
    await f.service.start(channel(t.toLeg, { args: ['xfer', t.id] }));
    const next = carriedOver(f, ['C1', 'C1-leg1', t.toLeg]);
    await next.service.reconcile();
    expect(next.service.findTransfer('C1')).toMatchObject({ id: t.id, phase: 'consulting', toAgentId: 'a02' });
    await next.service.complete('a01');
    expect(next.log).toEqual(['released a01', `attached a02 ${t.toLeg}`]);
    expect(next.telephony.argsOf('addToBridge').at(-1)).toEqual(['bridge-C1', [t.toLeg]]);
    // Transfer ids go on from where the old process left them, so no id is given twice.
    expect(next.service.snapshot().seq).toBe(1);
  });

  it('lets a target who answers after the restart join as the old process would have let them', async () => {
    const f = fixture();
    const t = await f.service.toAgent('a01', 'a02', 'attended');
    const next = carriedOver(f, ['C1', 'C1-leg1', t.toLeg]);
    await next.service.reconcile();
    await next.service.start(channel(t.toLeg, { args: ['xfer', t.id] }));
    expect(next.service.findTransfer('C1')?.phase).toBe('consulting');
    expect(next.telephony.argsOf('addToBridge').at(-1)).toEqual([t.consultBridgeId, [t.toLeg]]);
  });

  it('ends what ended while no gateway listened: a target gone fails the transfer back to the first agent', async () => {
    const f = fixture();
    const t = await f.service.toAgent('a01', 'a02', 'attended');
    const next = carriedOver(f, ['C1', 'C1-leg1']);
    await next.service.reconcile();
    await settle();
    expect(next.service.findTransfer('C1')).toBeUndefined();
    expect(next.events.at(-1)).toMatchObject({ type: 'transfer.failed', transferId: t.id, toAgentId: 'a02' });
    expect(next.telephony.argsOf('addToBridge').at(-1)).toEqual(['bridge-C1', ['C1-leg1']]);
  });

  it('ends what ended while no gateway listened: a caller gone clears the transfer and the hold, hanging up the legs left', async () => {
    const f = fixture();
    await f.service.hold('a01', true);
    await f.service.hold('a01', false);
    await f.service.hold('a01', true);
    const held = carriedOver(f, ['C1-leg1']);
    await held.service.reconcile();
    expect(held.service.isHeld('C1')).toBe(false);

    const g = fixture();
    const t = await g.service.toAgent('a01', 'a02', 'attended');
    const next = carriedOver(g, ['C1-leg1', t.toLeg]);
    await next.service.reconcile();
    await settle();
    expect(next.service.findTransfer('C1')).toBeUndefined();
    expect(next.telephony.argsOf('hangup')).toEqual(expect.arrayContaining([[t.toLeg], ['C1-leg1']]));
  });

  it('keeps nothing and asks Asterisk nothing when there was nothing in progress', async () => {
    const f = fixture();
    const next = carriedOver(f, []);
    await next.service.reconcile();
    expect(next.telephony.argsOf('listChannelIds')).toEqual([]);
    expect(f.service.snapshot()).toEqual({ seq: 0, held: [], transfers: [], borrowed: [] });
  });
});
