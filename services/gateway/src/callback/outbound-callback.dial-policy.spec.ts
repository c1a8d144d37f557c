// The citizen's caller ID reaches a dial string only as digits the dial policy allows (toll fraud, issue 12 §3).
import { describe, expect, it } from 'vitest';
import { AcdEngine, ManualClock, defaultAcdConfig, type OutboundCallbackRecord } from '@cti/domain';
import { FakeTelephony, channel, silentLogger } from '../call/call.fixtures.test.js';
import { OutboundCallbackService, type OutboundCallbackSettings } from './outbound-callback.service.js';

function fixture(callerNumber: string, dialGuard?: OutboundCallbackSettings['dialGuard']) {
  const clock = new ManualClock(1_000_000);
  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: 0 }, clock);
  const telephony = new FakeTelephony();
  const results: OutboundCallbackRecord[] = [];
  const routing = {
    dispatch: () => {
      for (const a of acd.assign()) service.assigned(a);
    },
  };
  const service = new OutboundCallbackService(telephony, acd, { publish: async (r) => void results.push(r) }, { claimNext: async () => undefined, claim: async () => undefined, release: async () => undefined }, { publish: () => undefined }, clock, silentLogger(), {
    ringTimeoutSeconds: 15,
    citizenRingSeconds: 30,
    outboundPrefix: '0',
    presentedNumber: '12345',
    callbackSkill: 'callback',
    ...(dialGuard && { dialGuard }),
  }, routing);
  acd.enqueue({ callId: 'c1', line: '12345', language: 'mandarin' });
  service.takeVirtualHold({ callId: 'c1', callerNumber, did: '12345', language: 'mandarin', trunk: 'primary', requestedAt: 1_000_000 });
  acd.login({ agentId: 'a1', seat: 'seat-01', skills: { mandarin: 5 } });
  acd.ready('a1');
  routing.dispatch();
  return { acd, telephony, results, service };
}

/** The agent answers the callback's seat leg; resolves when the citizen leg was dialled (or refused). */
async function agentAnswers(f: ReturnType<typeof fixture>): Promise<void> {
  const [agentDial] = f.telephony.argsOf('dial') as Array<[{ channelId: string }]>;
  await f.service.start(channel(agentDial![0].channelId, { args: ['cb-agent', 'c1'] }));
}

const endpoints = (f: ReturnType<typeof fixture>) => (f.telephony.argsOf('dial') as Array<[{ endpoint: string }]>).map(([d]) => d.endpoint);

describe('OutboundCallbackService and the dial policy', () => {
  it('dials a caller ID written with +86 and separators as national digits', async () => {
    const f = fixture('+86 138-0000-1234');
    await agentAnswers(f);
    expect(endpoints(f)).toEqual(['PJSIP/seat-01', 'PJSIP/013800001234@trunk-primary']);
  });

  it.each(['138*0000', '1380000@evil', '13800001234;x=y', 'anonymous', '138/0000'])(
    'never dials caller ID %j: the callback ends cancelled and the agent is free',
    async (callerNumber) => {
      const f = fixture(callerNumber);
      await agentAnswers(f);
      expect(endpoints(f)).toEqual(['PJSIP/seat-01']);
      expect(f.results).toMatchObject([{ id: 'vh-c1', result: 'cancelled', agentId: 'a1' }]);
      expect(f.acd.getAgent('a1').state).toBe('ready');
    },
  );

  it('asks the guard before dialling and dials only the digits it returns; a refusal dials nothing', async () => {
    const asked: Array<{ purpose: string; number: string; callId?: string }> = [];
    const allowed = fixture('13800001234', { authorize: async (r) => (asked.push(r), '13800001234') });
    await agentAnswers(allowed);
    expect(endpoints(allowed)).toEqual(['PJSIP/seat-01', 'PJSIP/013800001234@trunk-primary']);
    expect(asked).toMatchObject([{ purpose: 'callback', number: '13800001234', callId: 'c1', actorId: 'a1' }]);

    const refused = fixture('0012125550100', { authorize: async () => Promise.reject(new Error('refused')) });
    await agentAnswers(refused);
    expect(endpoints(refused)).toEqual(['PJSIP/seat-01']);
    expect(refused.results).toMatchObject([{ result: 'cancelled' }]);
  });

  it('dials nobody when the agent hung up while the policy was being checked', async () => {
    let release: (digits: string) => void = () => undefined;
    const f = fixture('13800001234', { authorize: () => new Promise<string>((r) => (release = r)) });
    const [agentDial] = f.telephony.argsOf('dial') as Array<[{ channelId: string }]>;
    const answering = f.service.start(channel(agentDial![0].channelId, { args: ['cb-agent', 'c1'] }));
    await new Promise((r) => setImmediate(r));
    f.service.channelGone(agentDial![0].channelId);
    release('13800001234');
    await answering;
    expect(endpoints(f)).toEqual(['PJSIP/seat-01']);
    expect(f.results).toMatchObject([{ result: 'cancelled' }]);
  });
});
