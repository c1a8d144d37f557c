import { describe, expect, it } from 'vitest';
import { AcdEngine, ManualClock, defaultAcdConfig } from '@cti/domain';
import type { CallRatingJob } from '@cti/contracts';
import { createCallService } from '../call/call.service.js';
import { FakeSink, FakeTelephony, channel, settle, silentLogger } from '../call/call.fixtures.test.js';
import { CallerRatingExtension, RATING_CONTEXT } from './caller-rating.stasis.js';

function fixture(ratingContext?: string) {
  const clock = new ManualClock(1_000_000);
  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: 0 }, clock);
  const telephony = new FakeTelephony();
  const sink = new FakeSink();
  const service = createCallService({
    telephony, acd, sink, notifier: { publish: () => undefined }, clock, log: silentLogger(),
    settings: { ringTimeoutSeconds: 15, fallbackContext: 'cti-fallback', ...(ratingContext && { ratingContext }) },
  });
  acd.login({ agentId: 'a1', seat: 'seat-01', skills: { mandarin: 5 } });
  acd.ready('a1');
  return { telephony, sink, service };
}

describe('the caller’s rating after the agent ends the call', () => {
  it('sends the caller to the rating prompt instead of hanging up, and records the call as ended by the agent', async () => {
    const f = fixture(RATING_CONTEXT);
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.agentAnswered('c1-leg1', 'c1');
    f.service.channelGone('c1-leg1');
    await settle();
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([['c1', 'cti-rating', '12345', 1]]);
    expect(f.telephony.argsOf('hangup')).toEqual([]);
    expect(f.sink.records).toHaveLength(1);
    expect(f.sink.records[0]).toMatchObject({ outcome: 'answered', endedBy: 'agent' });
  });

  it('hangs the caller up when the prompt cannot be reached, and never asks a caller who hung up first', async () => {
    const f = fixture(RATING_CONTEXT);
    f.telephony.failOn('continueInDialplan');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.agentAnswered('c1-leg1', 'c1');
    f.service.channelGone('c1-leg1');
    await settle();
    await settle();
    expect(f.telephony.argsOf('hangup')).toEqual([['c1']]);

    const g = fixture(RATING_CONTEXT);
    await g.service.inbound(channel('c2'), 'primary', '12345');
    await g.service.agentAnswered('c2-leg1', 'c2');
    g.service.channelGone('c2');
    await settle();
    expect(g.telephony.argsOf('continueInDialplan')).toEqual([]);
  });

  it('hangs up as before when rating is off', async () => {
    const f = fixture();
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.agentAnswered('c1-leg1', 'c1');
    f.service.channelGone('c1-leg1');
    await settle();
    expect(f.telephony.argsOf('continueInDialplan')).toEqual([]);
    expect(f.telephony.argsOf('hangup')).toEqual([['c1']]);
  });

  it('publishes a key of 1–5 for the call and thanks the caller; another key is not stored', async () => {
    const published: CallRatingJob[] = [];
    const telephony = new FakeTelephony();
    const ext = new CallerRatingExtension({ publish: async (r) => void published.push(r) }, telephony, () => 2_000_000, silentLogger());
    await ext.start(channel('c1', { args: ['rating', '4'], exten: '12345' }));
    expect(published).toEqual([{ linkedId: 'c1', rating: 4, ratedAt: 2_000_000 }]);
    expect(telephony.argsOf('continueInDialplan')).toEqual([['c1', 'cti-rating', '12345', 100]]);
    await ext.start(channel('c2', { args: ['rating', '9'], exten: '12345' }));
    await ext.start(channel('c3', { args: ['rating'], exten: '12345' }));
    expect(published).toHaveLength(1);
    telephony.failOn('continueInDialplan');
    await ext.start(channel('c4', { args: ['rating', '5'], exten: '12345' }));
    expect(telephony.argsOf('hangup')).toEqual([['c4']]);
  });
});
