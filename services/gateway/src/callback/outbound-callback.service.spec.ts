import { describe, expect, it } from 'vitest';
import { AcdEngine, ManualClock, defaultAcdConfig, type OutboundCallbackRecord } from '@cti/domain';
import { FakeTelephony, channel, settle, silentLogger } from '../call/call.fixtures.test.js';
import { OutboundCallbackService, type MissedCallTaskSource } from './outbound-callback.service.js';

function fixture(tasks: MissedCallTaskSource = { claimNext: async () => undefined, claim: async () => undefined, release: async () => undefined }, primaryUp = true, dialGuard?: (n: string) => Promise<string>) {
  const clock = new ManualClock(1_000_000);
  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: 0 }, clock);
  const telephony = new FakeTelephony();
  const results: OutboundCallbackRecord[] = [];
  const events: Array<{ type: string }> = [];
  // What CallService.dispatch does for work it does not own.
  const routing = {
    dispatch: () => {
      for (const a of acd.assign()) service.assigned(a);
    },
  };
  const service = new OutboundCallbackService(telephony, acd, { publish: async (r) => void results.push(r) }, tasks, { publish: (e) => void events.push(e) }, clock, silentLogger(), {
    ringTimeoutSeconds: 15,
    citizenRingSeconds: 30,
    outboundPrefix: '0',
    presentedNumber: '12345',
    callbackSkill: 'callback',
    isTrunkUp: (t) => t === 'backup' || primaryUp,
    ...(dialGuard && { dialGuard: { authorize: (r: { number: string }) => dialGuard(r.number) } }),
  }, routing);
  return { clock, acd, telephony, results, events, service, routing };
}

/** Caller c1 chose a callback keeping their place; agent a1 at seat-01 becomes ready and the queue reaches the job. */
function virtualHoldReachesAgent(f: ReturnType<typeof fixture>, requestedAt: number): void {
  f.acd.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
  f.service.takeVirtualHold({ callId: 'c1', callerNumber: '13800001234', did: '12345', language: 'mandarin', trunk: 'primary', requestedAt });
  f.acd.login({ agentId: 'a1', seat: 'seat-01', skills: { mandarin: 5 } });
  f.acd.ready('a1');
  f.routing.dispatch();
}

describe('OutboundCallbackService', () => {
  it('rings the agent first, then the citizen over the primary trunk, falls back to the backup, and bridges on answer', async () => {
    const f = fixture();
    virtualHoldReachesAgent(f, 1_000_000);
    const [agentDial] = f.telephony.argsOf('dial') as Array<[{ channelId: string; endpoint: string; appArgs: string[] }]>;
    expect(agentDial?.[0]).toMatchObject({ endpoint: 'PJSIP/seat-01', appArgs: ['cb-agent', 'c1'] });

    await f.service.start(channel(agentDial![0].channelId, { args: ['cb-agent', 'c1'] }));
    const citizenPrimary = (f.telephony.argsOf('dial')[1] as [{ channelId: string; endpoint: string }])[0];
    expect(citizenPrimary).toMatchObject({ endpoint: 'PJSIP/013800001234@trunk-primary' });

    f.service.channelGone(citizenPrimary.channelId); // the primary trunk failed the leg
    await settle();
    const citizenBackup = (f.telephony.argsOf('dial')[2] as [{ channelId: string; endpoint: string }])[0];
    expect(citizenBackup).toMatchObject({ endpoint: 'PJSIP/013800001234@trunk-backup' });

    await f.service.start(channel(citizenBackup.channelId, { args: ['cb-citizen', 'c1'] }));
    expect(f.telephony.argsOf('bridge')).toEqual([['bridge-vh-c1', [agentDial![0].channelId, citizenBackup.channelId]]]);

    f.clock.advance(60_000);
    f.service.channelGone(citizenBackup.channelId);
    expect(f.results).toMatchObject([{ id: 'vh-c1', kind: 'virtual_hold', result: 'reached', trunk: 'backup', agentId: 'a1' }]);
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });

  it('dials the citizen over the backup trunk at once when the primary is known to be down', async () => {
    const f = fixture(undefined, false);
    virtualHoldReachesAgent(f, 1);
    const agentLeg = (f.telephony.argsOf('dial')[0] as [{ channelId: string }])[0].channelId;
    await f.service.start(channel(agentLeg, { args: ['cb-agent', 'c1'] }));
    expect((f.telephony.argsOf('dial')[1] as [{ endpoint: string }])[0].endpoint).toBe('PJSIP/013800001234@trunk-backup');
  });

  it('records an unreachable citizen when both trunks fail, and frees the agent', async () => {
    const f = fixture();
    virtualHoldReachesAgent(f, 1);
    const agentLeg = (f.telephony.argsOf('dial')[0] as [{ channelId: string }])[0].channelId;
    await f.service.start(channel(agentLeg, { args: ['cb-agent', 'c1'] }));
    f.service.channelGone((f.telephony.argsOf('dial')[1] as [{ channelId: string }])[0].channelId);
    await settle();
    f.service.channelGone((f.telephony.argsOf('dial')[2] as [{ channelId: string }])[0].channelId);
    expect(f.results).toMatchObject([{ result: 'unreachable', trunk: 'backup' }]);
    expect(f.telephony.argsOf('hangup')).toContainEqual([agentLeg]);
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });

  it('works missed-call tasks only when nobody waits and an agent with the callback skill is ready', async () => {
    let claims = 0;
    const f = fixture({
      claimNext: async () => (++claims, { id: '7', caller_number: '13800001234', linked_id: 'old', created_at: new Date(5) }),
      claim: async () => undefined,
      release: async () => undefined,
    });
    f.acd.login({ agentId: 'm1', seat: 'seat-01', skills: { mandarin: 5 } });
    f.acd.ready('m1');
    expect(await f.service.pollMissedCalls()).toBe(false); // no callback skill among ready agents
    f.acd.login({ agentId: 'cb1', seat: 'seat-02', skills: { mandarin: 5, callback: 5 } });
    f.acd.enqueue({ callId: 'inbound', line: '12345', language: 'mandarin' });
    expect(await f.service.pollMissedCalls()).toBe(false); // a citizen is waiting
    f.acd.removeCall('inbound');
    f.acd.ready('cb1');
    expect(await f.service.pollMissedCalls()).toBe(true);
    expect(claims).toBe(1);
    const dial = (f.telephony.argsOf('dial')[0] as [{ endpoint: string; appArgs: string[] }])[0];
    expect(dial.endpoint).toBe('PJSIP/seat-02'); // only the callback-skilled agent
    expect(dial.appArgs[0]).toBe('cb-agent');
  });
});

describe('OutboundCallbackService: the agent dials from the desk (click-to-dial)', () => {
  function deskFixture(guard?: (n: string) => Promise<string>) {
    const claimed: string[] = [];
    const released: string[] = [];
    const open = new Set(['7']);
    const tasks: MissedCallTaskSource = {
      claimNext: async () => undefined,
      claim: async (id) => (open.delete(id) ? (claimed.push(id), { id, caller_number: '13800001234', linked_id: 'missed-1', created_at: new Date(5) }) : undefined),
      release: async (id) => void (released.push(id), open.add(id)),
    };
    const f = fixture(tasks, true, guard);
    f.acd.login({ agentId: 'a1', seat: 'seat-01', skills: { mandarin: 5 } });
    f.acd.pause('a1', 'callback_work');
    return { ...f, claimed, released };
  }

  it('rings only the agent’s seat for a missed-call task they picked, then the citizen, and returns them to their pause', async () => {
    const f = deskFixture();
    const job = await f.service.dialFor('a1', { kind: 'missed_call', taskId: '7' }, { role: 'agent', id: 'a1' });
    expect(f.claimed).toEqual(['7']);
    expect(f.acd.queue()).toEqual([]);
    const agentDial = (f.telephony.argsOf('dial')[0] as [{ channelId: string; endpoint: string }])[0];
    expect(agentDial.endpoint).toBe('PJSIP/seat-01');
    expect(f.events.find((e) => e.type === 'call.offered')).toMatchObject({ callId: job.acdCallId, agentId: 'a1', callback: 'missed_call', caller: '*******1234' });
    await f.service.start(channel(agentDial.channelId, { args: ['cb-agent', job.acdCallId] }));
    const citizen = (f.telephony.argsOf('dial')[1] as [{ channelId: string; endpoint: string }])[0];
    expect(citizen.endpoint).toBe('PJSIP/013800001234@trunk-primary');
    await f.service.start(channel(citizen.channelId, { args: ['cb-citizen', job.acdCallId] }));
    expect(f.events.find((e) => e.type === 'callback.connected')).toMatchObject({ callId: job.acdCallId, agentId: 'a1' });
    f.service.channelGone(citizen.channelId);
    expect(f.results).toMatchObject([{ kind: 'missed_call', taskId: '7', linkedId: 'missed-1', result: 'reached', agentId: 'a1' }]);
    expect(f.acd.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: 'callback_work' });
  });

  it('puts the task back when the agent’s seat does not answer, and refuses a task another agent has (409)', async () => {
    const f = deskFixture();
    const job = await f.service.dialFor('a1', { kind: 'missed_call', taskId: '7' }, { role: 'agent', id: 'a1' });
    await expect(f.service.dialFor('a1', { kind: 'missed_call', taskId: '7' }, { role: 'agent', id: 'a1' })).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    const agentLeg = (f.telephony.argsOf('dial')[0] as [{ channelId: string }])[0].channelId;
    f.service.channelGone(agentLeg);
    expect(f.results).toMatchObject([{ id: job.recordId, result: 'agent_unavailable', taskId: '7' }]);
    expect(f.acd.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: 'callback_work' });
    expect(f.acd.queue()).toEqual([]);
    expect(f.service.list()).toEqual([]);
  });

  it('asks the dial policy before the seat rings: a refused number rings nobody and the task goes back', async () => {
    const f = deskFixture(async () => {
      throw Object.assign(new Error('number refused by the dial policy'), { code: 'CTI_ERR_FORBIDDEN' });
    });
    await expect(f.service.dialFor('a1', { kind: 'missed_call', taskId: '7' }, { role: 'agent', id: 'a1' })).rejects.toMatchObject({ code: 'CTI_ERR_FORBIDDEN' });
    expect(f.telephony.argsOf('dial')).toEqual([]);
    expect(f.released).toEqual(['7']);
    expect(f.acd.getAgent('a1').state).toBe('paused');
  });

  it('dials a ticket’s result callback (回访) with the number the policy allowed, recorded as ticket_callback', async () => {
    const f = deskFixture(async (n) => n.replace(/^\+86/, ''));
    const job = await f.service.dialFor('a1', { kind: 'ticket_callback', ticketId: '42', callerNumber: '+8613900005678' }, { role: 'callback', id: 'a1' });
    const agentLeg = (f.telephony.argsOf('dial')[0] as [{ channelId: string }])[0].channelId;
    await f.service.start(channel(agentLeg, { args: ['cb-agent', job.acdCallId] }));
    expect((f.telephony.argsOf('dial')[1] as [{ endpoint: string }])[0].endpoint).toBe('PJSIP/013900005678@trunk-primary');
    f.service.channelGone(agentLeg); // the agent hangs up while it rings
    expect(f.results).toMatchObject([{ kind: 'ticket_callback', linkedId: 'ticket-42', result: 'cancelled' }]);
    expect(f.results[0]?.taskId).toBeUndefined();
  });
});
