import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock, type LinkageRecord } from '@cti/domain';
import { FakeTelephony, silentLogger } from '../call/call.fixtures.test.js';
import type { CallSession } from '../call/call-session.js';
import type { GatewayEvent } from '../events/event-bus.js';
import type { ControlledCalls } from './control.ports.js';
import { LinkageService } from './linkage.service.js';
import { PartnerDirectory } from './partner.directory.js';
import { RecordingService } from './recording.service.js';
import { SNOOP_DIRECTIONS, SupervisionService } from './supervision.service.js';

const session: CallSession = { callId: 'C1', trunk: 'primary', callerNumber: '13800001234', did: '12345', language: 'mandarin', phase: 'connected', arrivedAt: 0, answeredAt: 1_000, agentId: 'a01', seat: 'seat-01', agentChannelId: 'C1-leg1', bridgeId: 'bridge-C1', offers: 1 };

function fakeCalls(): ControlledCalls & { handedOff: string[]; recordings: string[] } {
  const live = new Map([[session.callId, { ...session }]]);
  const handedOff: string[] = [];
  const recordings: string[] = [];
  return {
    handedOff,
    recordings,
    findCall: (id) => live.get(id),
    findCallByAgent: (a) => [...live.values()].find((s) => s.agentId === a),
    liveCalls: () => [...live.values()],
    noteRecording: (_id, name) => void recordings.push(name),
    releaseAgent: () => ({ agentId: 'a01', legId: 'C1-leg1' }),
    attachAgentLeg: () => true,
    requeue: async () => true,
    handOff: (id) => {
      handedOff.push(id);
      const s = live.get(id);
      live.delete(id);
      return s;
    },
  };
}

function linkageFixture(trunks: Record<string, { status: 'up' | 'down' | 'unknown' }> = {}) {
  const telephony = new FakeTelephony();
  const calls = fakeCalls();
  const records: LinkageRecord[] = [];
  const events: GatewayEvent[] = [];
  const clock = new ManualClock(10_000);
  const service = new LinkageService(telephony, calls, PartnerDirectory.fromConfig(30), { snapshot: () => trunks }, { publish: async (r) => void records.push(r) }, { publish: (e) => void events.push(e) }, clock, silentLogger(), { presentedNumber: '12345', transferPrefix: '0', externalRingTimeoutS: 25 });
  return { telephony, calls, records, events, clock, service };
}

describe('LinkageService', () => {
  it('carries a linkage over a takeover: the new gateway’s service hands off, and the record is written once with the saved times', async () => {
    const old = linkageFixture();
    const l = await old.service.begin('a01', { partner: '110', mode: 'transfer' });
    await old.service.start({ id: l.legId, name: 'PJSIP/trunk-primary-1', state: 'Up', callerNumber: '', args: ['linkage', l.id], exten: '', createdAt: 0 });
    const saved = JSON.parse(JSON.stringify(old.service.snapshot())) as ReturnType<typeof old.service.snapshot>;
    const f = linkageFixture();
    f.clock.advance(3_000);
    f.service.restore(saved);
    f.telephony.channels = [{ id: 'C1', name: 'PJSIP/trunk-primary-0', state: 'Up', callerNumber: '', args: [], exten: '', createdAt: 0 }];
    f.telephony.outsideApp = [l.legId, 'C1-leg1'];
    await f.service.reconcile();
    expect(f.service.list().map((x) => [x.id, x.phase])).toEqual([[l.id, 'connected']]);
    await f.service.handOff('a01');
    f.service.channelGone('C1');
    expect(f.records).toEqual([expect.objectContaining({ id: l.id, partner: '110', result: 'answered', dialledAt: 10_000, answeredAt: 10_000, agentLeftAt: 13_000, endedAt: 13_000 })]);
    expect(old.records).toEqual([]);
    // A linkage started after the restore gets an id of its own.
    expect(f.service.snapshot().seq).toBeGreaterThanOrEqual(saved.seq);
  });

  it('ends a restored linkage whose partner leg stopped ringing, or whose caller left, while no gateway listened', async () => {
    const old = linkageFixture();
    const l = await old.service.begin('a01', { partner: '119', mode: 'three_way' });
    const saved = old.service.snapshot();
    const ringing = linkageFixture();
    ringing.service.restore(saved);
    ringing.telephony.channels = [{ id: 'C1', name: 'PJSIP/trunk-primary-0', state: 'Up', callerNumber: '', args: [], exten: '', createdAt: 0 }];
    await ringing.service.reconcile();
    // Gone without a cause: not a trunk failure, so not answered (the agent may try again).
    expect(ringing.records).toEqual([expect.objectContaining({ id: l.id, result: 'no_answer' })]);
    expect(ringing.events.map((e) => e.type)).toContain('linkage.failed');
    const callerLeft = linkageFixture();
    callerLeft.service.restore(saved);
    callerLeft.telephony.outsideApp = [l.legId];
    await callerLeft.service.reconcile();
    expect(callerLeft.records).toEqual([expect.objectContaining({ id: l.id, result: 'cancelled' })]);
    expect(callerLeft.telephony.argsOf('hangup')).toContainEqual([l.legId]);
  });

  it('dials the partner over the primary trunk while the caller stays bridged with the agent', async () => {
    const f = linkageFixture();
    const l = await f.service.begin('a01', { partner: '110', mode: 'transfer' });
    expect(f.telephony.argsOf('dial')[0]?.[0]).toMatchObject({ endpoint: 'PJSIP/110@trunk-primary', appArgs: ['linkage', l.id], timeoutSeconds: 30 });
    expect(f.telephony.argsOf('removeFromBridge')).toEqual([]);
    expect(f.telephony.argsOf('bridgeMoh')).toEqual([]);
  });

  it('puts the partner in the call bridge on answer, and on hand-off leaves caller and partner together', async () => {
    const f = linkageFixture();
    const l = await f.service.begin('a01', { partner: '110', mode: 'transfer' });
    await f.service.start({ id: l.legId, name: 'PJSIP/trunk-primary-1', state: 'Up', callerNumber: '', args: ['linkage', l.id], exten: '', createdAt: 0 });
    expect(f.telephony.argsOf('addToBridge')).toEqual([['bridge-C1', [l.legId]]]);
    f.clock.advance(5_000);
    await f.service.handOff('a01');
    expect(f.calls.handedOff).toEqual(['C1']);
    expect(f.telephony.argsOf('removeFromBridge')).toEqual([['bridge-C1', ['C1-leg1']]]);
    f.clock.advance(5_000);
    f.service.channelGone('C1');
    expect(f.records[0]).toMatchObject({ partner: '110', mode: 'transfer', trunk: 'primary', result: 'answered', dialledAt: 10_000, answeredAt: 10_000, agentLeftAt: 15_000, endedAt: 20_000 });
    expect(f.telephony.argsOf('destroyBridge')).toEqual([['bridge-C1']]);
  });

  it('retries on the backup trunk when the primary fails the leg (congestion), not when the partner does not answer', async () => {
    const f = linkageFixture();
    const l = await f.service.begin('a01', { partner: '119', mode: 'three_way' });
    const first = l.legId;
    f.service.channelGone(first, 34);
    expect(f.telephony.argsOf('dial')[1]?.[0]).toMatchObject({ endpoint: 'PJSIP/119@trunk-backup' });
    f.service.channelGone(l.legId, 19);
    expect(f.records[0]).toMatchObject({ result: 'no_answer', trunk: 'backup' });
    expect(f.events.some((e) => e.type === 'linkage.failed')).toBe(true);
    expect(f.calls.handedOff).toEqual([]); // the caller still talks with the agent
  });

  it('blind-transfers to an outside number: dialled with the prefix over the primary trunk, the agent leaves when it answers', async () => {
    const f = linkageFixture();
    const l = await f.service.beginExternal('a01', '13900001111', true);
    expect(f.telephony.argsOf('dial')[0]?.[0]).toMatchObject({ endpoint: 'PJSIP/013900001111@trunk-primary', timeoutSeconds: 25 });
    await f.service.start({ id: l.legId, name: 'PJSIP/trunk-primary-1', state: 'Up', callerNumber: '', args: ['linkage', l.id], exten: '', createdAt: 0 });
    expect(f.calls.handedOff).toEqual(['C1']);
    f.service.channelGone('C1');
    expect(f.records[0]).toMatchObject({ partner: 'external', number: '013900001111', mode: 'transfer', result: 'answered' });
  });

  it('ends the partner leg in every mode when the call ends, on either trunk, and writes the record once', async () => {
    const answered = (f: ReturnType<typeof linkageFixture>, l: { id: string; legId: string }) =>
      f.service.start({ id: l.legId, name: 'PJSIP/trunk-x-1', state: 'Up', callerNumber: '', args: ['linkage', l.id], exten: '', createdAt: 0 });
    for (const mode of ['ringing', 'three_way', 'handed_off', 'cancelled', 'backup_three_way'] as const) {
      const f = linkageFixture();
      const l = await f.service.begin('a01', { partner: '119', mode: mode === 'handed_off' ? 'transfer' : 'three_way' });
      if (mode === 'backup_three_way') f.service.channelGone(l.legId, 34); // the primary failed the leg
      if (mode !== 'ringing' && mode !== 'cancelled') await answered(f, l);
      if (mode === 'handed_off') await f.service.handOff('a01');
      if (mode === 'cancelled') await f.service.cancel('a01');
      await Promise.resolve();
      f.service.channelGone('C1'); // the caller hangs up
      f.service.channelGone('C1'); // StasisEnd and ChannelDestroyed both come
      f.service.channelGone(l.legId);
      await new Promise((resolve) => setImmediate(resolve));
      expect(f.telephony.argsOf('hangup').map((a) => a[0]), mode).toContain(l.legId);
      expect(f.records, mode).toHaveLength(1);
      expect(f.service.list(), mode).toEqual([]);
    }
  });

  it('hangs up a partner leg whose originate was still on its way when the call ended, once it returns', async () => {
    const f = linkageFixture();
    const release = f.telephony.holdOn('dial');
    const beginning = f.service.begin('a01', { partner: '110', mode: 'three_way' });
    await Promise.resolve();
    const l = f.service.list()[0];
    f.service.channelGone('C1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(f.telephony.argsOf('hangup')).toEqual([]); // not before Asterisk has the channel
    release();
    await beginning;
    await new Promise((resolve) => setImmediate(resolve));
    expect(f.telephony.argsOf('hangup')).toEqual([[l?.legId]]);
    expect(f.records).toHaveLength(1);
  });

  it('starts on the backup trunk when the primary is known down', async () => {
    const f = linkageFixture({ 'trunk-primary': { status: 'down' }, 'trunk-backup': { status: 'up' } });
    await f.service.begin('a01', { partner: '120', mode: 'three_way' });
    expect(f.telephony.argsOf('dial')[0]?.[0]).toMatchObject({ endpoint: 'PJSIP/120@trunk-backup' });
  });

  it('refuses a second linkage on the same call and an agent without a call', async () => {
    const f = linkageFixture();
    await f.service.begin('a01', { partner: '110', mode: 'transfer' });
    await expect(f.service.begin('a01', { partner: '119', mode: 'transfer' })).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    await expect(f.service.begin('a09', { partner: '119', mode: 'transfer' })).rejects.toMatchObject({ code: 'CTI_ERR_NO_SUCH_CALL' });
  });
});

describe('PartnerDirectory', () => {
  it('merges the JSON file over the defaults and rejects unknown lines', () => {
    const d = PartnerDirectory.fromConfig(30, JSON.stringify({ water: { numbers: ['0836123'], ringTimeoutS: 20, fallbackTrunk: null } }));
    expect(d.get('water')).toMatchObject({ numbers: ['0836123'], ringTimeoutS: 20, preferredTrunk: 'primary', fallbackTrunk: null });
    expect(d.get('110')).toMatchObject({ numbers: ['110'], ringTimeoutS: 30, fallbackTrunk: 'backup' });
    expect(() => d.get('999')).toThrow(/unknown partner/);
    expect(() => PartnerDirectory.fromConfig(30, JSON.stringify({ '999': {} }))).toThrow();
  });
});

describe('RecordingService', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cti-rec-'));
  mkdirSync(join(dir, '2026/01/02'), { recursive: true });
  writeFileSync(join(dir, '2026/01/02/C1.wav'), 'RIFF');
  const outside = mkdtempSync(join(tmpdir(), 'cti-out-'));
  writeFileSync(join(outside, 'secret.wav'), 'x');
  symlinkSync(join(outside, 'secret.wav'), join(dir, '2026/01/02/link.wav'));
  const service = new RecordingService(new FakeTelephony(), fakeCalls(), new ManualClock(0), silentLogger(), { enabled: true, directory: dir, utcOffsetMinutes: 480 }, { publish: () => undefined });

  it('names recordings by Beijing date and call id', () => {
    expect(service.nameFor('1795.12', Date.UTC(2026, 0, 1, 17, 0))).toBe('2026/01/02/1795.12');
  });

  it('resolves a recording inside the directory', async () => {
    expect(await service.resolveFile('2026/01/02/C1.wav')).toMatchObject({ size: 4 });
  });

  it.each(['../etc/passwd', '/etc/passwd', '2026/01/02/../../../x.wav', '2026/01/02/C1.wav\0', '2026\\01\\02\\C1.wav', 'x.wav'])('rejects %j as invalid', async (name) => {
    await expect(service.resolveFile(name)).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
  });

  it('rejects a symlink leading outside and reports a missing file as not found', async () => {
    await expect(service.resolveFile('2026/01/02/link.wav')).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    await expect(service.resolveFile('2026/01/02/none.wav')).rejects.toMatchObject({ code: 'CTI_ERR_NOT_FOUND' });
  });

  it('records a connected call once and notes the name for the call record', async () => {
    const telephony = new FakeTelephony();
    const calls = fakeCalls();
    const rec = new RecordingService(telephony, calls, new ManualClock(0), silentLogger(), { enabled: true, directory: dir, utcOffsetMinutes: 480 }, { publish: () => undefined });
    await rec.startFor('C1');
    await rec.startFor('C1');
    expect(telephony.argsOf('recordBridge')).toEqual([['bridge-C1', '1970/01/01/C1', 'wav']]);
    expect(calls.recordings).toEqual(['1970/01/01/C1.wav']);
  });

  it('logs a failed recording as an error with its call and name, publishes it, and does not record the call again', async () => {
    const telephony = new FakeTelephony();
    const calls = fakeCalls();
    const log = silentLogger();
    const events: GatewayEvent[] = [];
    const rec = new RecordingService(telephony, calls, new ManualClock(7_000), log, { enabled: true, directory: dir, utcOffsetMinutes: 480 }, { publish: (e) => void events.push(e) });
    await rec.startFor('C1');
    rec.recordingFailed({ name: '1970/01/01/C1', format: 'wav', target: 'bridge:bridge-C1', cause: 'Disk full' });
    expect(log.error).toHaveBeenCalledWith({ callId: 'C1', recording: '1970/01/01/C1.wav', cause: 'Disk full', target: 'bridge:bridge-C1' }, 'call recording failed');
    expect(events).toEqual([{ type: 'recording.failed', at: 7_000, callId: 'C1', recording: '1970/01/01/C1.wav', cause: 'Disk full' }]);
    // A transfer answers the call again: a second recording would overwrite what the failed one kept.
    rec.onEvent({ type: 'call.connected', at: 8_000, callId: 'C1', agentId: 'a02', seat: 'seat-02', transferred: true });
    await rec.startFor('C1');
    expect(telephony.argsOf('recordBridge')).toHaveLength(1);
  });

  it('names the call of a failed recording it did not start (before a restart) from the recording name, cause or not', () => {
    const log = silentLogger();
    const events: GatewayEvent[] = [];
    const rec = new RecordingService(new FakeTelephony(), fakeCalls(), new ManualClock(7_000), log, { enabled: true, directory: dir, utcOffsetMinutes: 480 }, { publish: (e) => void events.push(e) });
    rec.recordingFailed({ name: '2026/01/02/1733475600.42', format: 'wav', target: 'bridge:bridge-1733475600.42' });
    expect(log.error).toHaveBeenCalledWith({ callId: '1733475600.42', recording: '2026/01/02/1733475600.42.wav', cause: null, target: 'bridge:bridge-1733475600.42' }, 'call recording failed');
    expect(events).toEqual([{ type: 'recording.failed', at: 7_000, callId: '1733475600.42', recording: '2026/01/02/1733475600.42.wav', cause: null }]);
  });

  it('logs a finished recording with its call and length, and publishes nothing', async () => {
    const log = silentLogger();
    const events: GatewayEvent[] = [];
    const rec = new RecordingService(new FakeTelephony(), fakeCalls(), new ManualClock(0), log, { enabled: true, directory: dir, utcOffsetMinutes: 480 }, { publish: (e) => void events.push(e) });
    await rec.startFor('C1');
    rec.recordingFinished({ name: '1970/01/01/C1', format: 'wav', target: 'bridge:bridge-C1', durationSeconds: 42 });
    expect(log.info).toHaveBeenCalledWith({ callId: 'C1', recording: '1970/01/01/C1.wav', durationSeconds: 42 }, 'call recording finished');
    expect(log.error).not.toHaveBeenCalled();
    expect(events).toEqual([]);
  });
});

describe('SupervisionService', () => {
  it('uses spy both for every mode, whisper out (agent only) for whisper and both for barge', () => {
    expect(SNOOP_DIRECTIONS).toEqual({ monitor: { spy: 'both', whisper: 'none' }, whisper: { spy: 'both', whisper: 'out' }, barge: { spy: 'both', whisper: 'both' } });
  });

  it('rings the supervisor seat, snoops the agent leg on answer, and replaces the snoop on a mode switch', async () => {
    const telephony = new FakeTelephony();
    const sv = new SupervisionService(telephony, fakeCalls(), { publish: () => undefined }, new ManualClock(0), silentLogger(), { ringTimeoutSeconds: 15 });
    const s = await sv.begin({ agentId: 'a01', supervisor: 'lead', seat: 'seat-27', mode: 'monitor' });
    expect(telephony.argsOf('dial')[0]?.[0]).toMatchObject({ endpoint: 'PJSIP/seat-27', appArgs: ['sv-seat', s.id] });
    await sv.start({ id: s.seatLeg, name: 'PJSIP/seat-27-1', state: 'Up', callerNumber: '', args: ['sv-seat', s.id], exten: '', createdAt: 0 });
    expect(telephony.argsOf('snoop')[0]).toEqual(['C1-leg1', { snoopId: s.snoopId, spy: 'both', whisper: 'none', appArgs: ['sv-snoop', s.id], owner: 'C1' }]);
    const first = s.snoopId;
    await sv.switchMode(s.id, 'whisper');
    expect(telephony.argsOf('snoop')[1]?.[1]).toMatchObject({ spy: 'both', whisper: 'out' });
    expect(telephony.argsOf('hangup')).toContainEqual([first]);
    sv.stop(s.id);
    expect(sv.list()).toEqual([]);
  });

  it('carries a barge over a takeover: the new gateway’s service stops it and hangs up the supervisor’s seat and the snoop', async () => {
    const first = new FakeTelephony();
    const old = new SupervisionService(first, fakeCalls(), { publish: () => undefined }, new ManualClock(0), silentLogger(), { ringTimeoutSeconds: 15 });
    const s = await old.begin({ agentId: 'a01', supervisor: 'lead', seat: 'seat-27', mode: 'barge' });
    await old.start({ id: s.seatLeg, name: 'PJSIP/seat-27-1', state: 'Up', callerNumber: '', args: ['sv-seat', s.id], exten: '', createdAt: 0 });
    const saved = JSON.parse(JSON.stringify(old.snapshot())) as ReturnType<typeof old.snapshot>;
    const telephony = new FakeTelephony();
    const events: GatewayEvent[] = [];
    const sv = new SupervisionService(telephony, fakeCalls(), { publish: (e) => void events.push(e) }, new ManualClock(5_000), silentLogger(), { ringTimeoutSeconds: 15 });
    sv.restore(saved);
    telephony.outsideApp = ['C1-leg1', s.seatLeg, s.snoopId as string];
    await sv.reconcile();
    expect(sv.get(s.id)).toMatchObject({ mode: 'barge', phase: 'active', snoopId: s.snoopId });
    sv.stop(s.id);
    expect(telephony.argsOf('hangup')).toEqual([[s.seatLeg], [s.snoopId]]);
    expect(telephony.argsOf('destroyBridge')).toEqual([[s.bridgeId]]);
    expect(events.map((e) => e.type)).toEqual(['supervision.ended']);
    // Its channels are known by the restored service: the seat hanging up later is no news.
    sv.channelGone(s.seatLeg);
    expect(events).toHaveLength(1);
  });

  it('ends a restored session whose agent’s call ended while no gateway listened', async () => {
    const first = new FakeTelephony();
    const old = new SupervisionService(first, fakeCalls(), { publish: () => undefined }, new ManualClock(0), silentLogger(), { ringTimeoutSeconds: 15 });
    const s = await old.begin({ agentId: 'a01', supervisor: 'lead', seat: 'seat-27', mode: 'monitor' });
    const telephony = new FakeTelephony();
    const events: GatewayEvent[] = [];
    const sv = new SupervisionService(telephony, fakeCalls(), { publish: (e) => void events.push(e) }, new ManualClock(0), silentLogger(), { ringTimeoutSeconds: 15 });
    sv.restore(old.snapshot());
    telephony.outsideApp = [s.seatLeg];
    await sv.reconcile();
    expect(sv.list()).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ type: 'supervision.ended', reason: 'call_ended' })]);
    expect(telephony.argsOf('hangup')).toEqual([[s.seatLeg]]);
  });
});
