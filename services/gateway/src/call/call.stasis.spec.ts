import { describe, expect, it, vi } from 'vitest';
import { HANGUP_CAUSE_NO_MEDIA } from '@cti/domain';
import type { RecordingEnd } from '@cti/asterisk';
import { CallStasisHandler } from './call.stasis.js';
import type { CallService } from './call.service.js';
import { callFixture, channel, settle, silentLogger } from './call.fixtures.test.js';

/** Caller c1 talking with agent a1 (seat-01, leg c1-leg1), both having entered Stasis through the handler. */
async function talkingCall() {
  const f = callFixture();
  f.readyAgent('a1', 'seat-01');
  const handler = new CallStasisHandler(f.service, f.log);
  handler.stasisStart(channel('c1'));
  await settle();
  handler.stasisStart(channel('c1-leg1', { name: 'PJSIP/seat-01-00000001', args: ['agent', 'c1'] }));
  await settle();
  return { f, handler };
}

describe('CallStasisHandler', () => {
  it('starts an inbound call with trunk and DID from the Stasis arguments', async () => {
    const f = callFixture();
    const handler = new CallStasisHandler(f.service, f.log);
    handler.stasisStart(channel('c1', { args: ['inbound', 'backup', '12399'] }));
    await settle();
    expect(f.service.findCall('c1')).toMatchObject({ trunk: 'backup', did: '12399', phase: 'queued' });
  });

  it('bridges an agent leg that enters Stasis with [agent, callId]', async () => {
    const { f, handler } = await talkingCall();
    expect(f.telephony.argsOf('addToBridge')).toEqual([['bridge-c1', ['c1', 'c1-leg1']]]);
  });

  it('sets the caller’s language to Tibetan on DTMF 2 and back to Mandarin on 3', async () => {
    const f = callFixture();
    const handler = new CallStasisHandler(f.service, f.log);
    handler.stasisStart(channel('c1'));
    await settle();
    handler.dtmf('c1', '2');
    expect(f.service.findCall('c1')?.language).toBe('tibetan');
    expect(f.acd.findCall('c1')?.language).toBe('tibetan');
    handler.dtmf('c1', '3');
    expect(f.service.findCall('c1')?.language).toBe('mandarin');
    handler.dtmf('c1', '7');
    expect(f.service.findCall('c1')?.language).toBe('mandarin');
  });

  it('records one call when StasisEnd and ChannelDestroyed both arrive', async () => {
    const f = callFixture();
    const handler = new CallStasisHandler(f.service, f.log);
    handler.stasisStart(channel('c1'));
    await settle();
    handler.stasisEnd('c1');
    handler.channelDestroyed('c1');
    expect(f.sink.records).toHaveLength(1);
  });

  it('records a talking caller who vanished (no RTP) with the cause of the ChannelDestroyed after StasisEnd, and frees the agent', async () => {
    const { f, handler } = await talkingCall();
    handler.stasisEnd('c1');
    expect(f.acd.getAgent('a1').state).toBe('ready');
    expect(f.sink.records).toHaveLength(0); // held for the cause that follows
    handler.channelDestroyed('c1', HANGUP_CAUSE_NO_MEDIA);
    handler.channelDestroyed('c1-leg1', 16);
    expect(f.sink.records).toEqual([expect.objectContaining({ linkedId: 'c1', outcome: 'answered', endedBy: 'caller', hangupCause: HANGUP_CAUSE_NO_MEDIA })]);
  });

  it('records a seat that vanished on a talking call as ended by the agent, with its leg’s cause', async () => {
    const { f, handler } = await talkingCall();
    handler.stasisEnd('c1-leg1');
    handler.channelDestroyed('c1-leg1', HANGUP_CAUSE_NO_MEDIA);
    handler.stasisEnd('c1');
    handler.channelDestroyed('c1', 16);
    expect(f.sink.records).toEqual([expect.objectContaining({ linkedId: 'c1', endedBy: 'agent', hangupCause: HANGUP_CAUSE_NO_MEDIA })]);
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });

  it('records a waiting caller who vanished and takes them out of the queue', async () => {
    const f = callFixture();
    const handler = new CallStasisHandler(f.service, f.log);
    handler.stasisStart(channel('c1'));
    await settle();
    expect(f.acd.queue()).toHaveLength(1);
    handler.stasisEnd('c1');
    handler.channelDestroyed('c1', HANGUP_CAUSE_NO_MEDIA);
    expect(f.acd.queue()).toHaveLength(0);
    expect(f.sink.records).toEqual([expect.objectContaining({ outcome: 'abandoned', endedBy: 'caller', hangupCause: HANGUP_CAUSE_NO_MEDIA })]);
  });

  it('publishes a held record without a cause when no ChannelDestroyed follows, and at shutdown', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const f = callFixture();
      const handler = new CallStasisHandler(f.service, f.log);
      handler.stasisStart(channel('c1'));
      handler.stasisStart(channel('c2'));
      await settle();
      handler.stasisEnd('c1');
      handler.stasisEnd('c2');
      expect(f.sink.records).toHaveLength(0);
      vi.advanceTimersByTime(1_000);
      expect(f.sink.records.map((r) => [r.linkedId, r.hangupCause])).toEqual([['c1', undefined], ['c2', undefined]]);
      handler.stasisStart(channel('c3'));
      await settle();
      handler.stasisEnd('c3');
      f.service.flushAwaitingCauses();
      expect(f.sink.records.map((r) => r.linkedId)).toEqual(['c1', 'c2', 'c3']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not tell the call service of a channel an extension claims, but still tells every extension', async () => {
    const f = callFixture();
    const gone: string[] = [];
    const claimer = { kinds: ['xfer'], start: () => undefined, claimsGone: (id: string) => id === 'c1', channelGone: (id: string) => void gone.push(id) };
    const handler = new CallStasisHandler(f.service, f.log, () => undefined, [claimer]);
    handler.stasisStart(channel('c1'));
    handler.stasisStart(channel('c2'));
    await settle();
    handler.stasisEnd('c1');
    handler.stasisEnd('c2');
    expect(f.service.findCall('c1')?.phase).toBe('queued');
    expect(f.service.findCall('c2')).toBeUndefined();
    expect(gone).toEqual(['c1', 'c2']);
  });

  it('tells the recording listeners how each recording ended, and logs a listener that throws', async () => {
    const f = callFixture();
    const heard: string[] = [];
    const listener = { recordingFinished: (r: RecordingEnd) => void heard.push(`finished ${r.name}`), recordingFailed: (r: RecordingEnd) => void heard.push(`failed ${r.name} ${r.cause}`) };
    const broken = {
      recordingFinished: () => undefined,
      recordingFailed: () => {
        throw new Error('boom');
      },
    };
    const handler = new CallStasisHandler(f.service, f.log, () => undefined, [], [broken, listener]);
    handler.recordingFinished({ name: '2026/01/02/c1', format: 'wav', target: 'bridge:bridge-c1' });
    expect(() => handler.recordingFailed({ name: '2026/01/02/c2', format: 'wav', target: 'bridge:bridge-c2', cause: 'Disk full' })).not.toThrow();
    expect(heard).toEqual(['finished 2026/01/02/c1', 'failed 2026/01/02/c2 Disk full']);
    expect(f.log.error).toHaveBeenCalledWith({ event: 'RecordingFailed', channelId: undefined, err: 'boom' }, 'ARI event handling failed');
  });

  it('reconciles on every ARI (re)connect and reports the connection state', async () => {
    const f = callFixture();
    const seen: boolean[] = [];
    const handler = new CallStasisHandler(f.service, f.log, (up) => seen.push(up));
    handler.connection(true);
    handler.connection(false);
    handler.connection(true);
    await settle();
    expect(seen).toEqual([true, false, true]);
    expect(f.telephony.argsOf('listAppChannels')).toHaveLength(2);
  });

  it('never throws and logs instead when the service throws or rejects', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    const reject = () => Promise.reject(new Error('boom'));
    const service = {
      inbound: reject,
      agentAnswered: reject,
      reconcile: reject,
      channelGone: boom,
      languageChosen: boom,
    } as unknown as CallService;
    const log = silentLogger();
    const handler = new CallStasisHandler(service, log, boom);
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      expect(() => handler.stasisStart(channel('c1'))).not.toThrow();
      expect(() => handler.stasisStart(channel('c1-leg1', { args: ['agent', 'c1'] }))).not.toThrow();
      expect(() => handler.stasisEnd('c1')).not.toThrow();
      expect(() => handler.channelDestroyed('c1')).not.toThrow();
      expect(() => handler.dtmf('c1', '2')).not.toThrow();
      expect(() => handler.connection(true)).not.toThrow();
      await settle();
      await settle();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    expect(unhandled).not.toHaveBeenCalled();
    expect(vi.mocked(log.error).mock.calls.length).toBeGreaterThanOrEqual(7);
  });
});
