import { describe, expect, it } from 'vitest';
import { AcdEngine, ManualClock, defaultAcdConfig } from '@cti/domain';
import { createCallService } from '../call/call.service.js';
import { FakeSink, FakeTelephony, channel, silentLogger } from '../call/call.fixtures.test.js';
import { SEAT_UNREACHABLE_PAUSE_REASON, SeatReachability } from './seat-reachability.js';

function fixture() {
  const clock = new ManualClock(1_000_000);
  // main.ts adds the reason to the configured ones the same way.
  const acd = new AcdEngine({ ...defaultAcdConfig, wrapUpSeconds: 0, pauseReasons: [...defaultAcdConfig.pauseReasons, SEAT_UNREACHABLE_PAUSE_REASON] }, clock);
  const telephony = new FakeTelephony();
  const service = createCallService({ telephony, acd, sink: new FakeSink(), notifier: { publish: () => undefined }, clock, log: silentLogger(), settings: { ringTimeoutSeconds: 15, fallbackContext: 'cti-fallback' } });
  const readyAgent = (agentId: string, seat: string) => {
    acd.login({ agentId, seat, skills: { mandarin: 5 } });
    acd.ready(agentId);
  };
  const f = { clock, acd, telephony, service, readyAgent };
  let changes = 0;
  const seats = new SeatReachability(f.acd, silentLogger(), () => {
    changes++;
    f.service.dispatch();
  });
  // What the seat monitor reports when the seat's phone stops or starts answering.
  const seatDown = (seat: string) => seats.seatChanged(seat, false);
  const seatUp = (seat: string) => seats.seatChanged(seat, true);
  return { ...f, seats, seatDown, seatUp, changes: () => changes };
}

describe('SeatReachability', () => {
  it('offers no call to an agent whose seat is unreachable, and offers again once it answers', async () => {
    const f = fixture();
    f.readyAgent('a1', 'seat-01');
    f.seatDown('seat-01');
    expect(f.acd.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: SEAT_UNREACHABLE_PAUSE_REASON });
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.telephony.argsOf('dial')).toEqual([]);
    f.seatUp('seat-01');
    expect(f.telephony.argsOf('dial').map(([o]) => (o as { endpoint: string }).endpoint)).toEqual(['PJSIP/seat-01']);
  });

  it('routes to the agent at a reachable seat instead', async () => {
    const f = fixture();
    f.readyAgent('a1', 'seat-01');
    f.clock.advance(1_000);
    f.readyAgent('a2', 'seat-02');
    f.seatDown('seat-01'); // a1 has been idle longest but their phone is gone
    await f.service.inbound(channel('c1'), 'primary', '12345');
    expect(f.service.findCall('c1')).toMatchObject({ phase: 'ringing', agentId: 'a2' });
  });

  it('leaves an agent on a break of their own alone, both ways', () => {
    const f = fixture();
    f.readyAgent('a1', 'seat-01');
    f.acd.pause('a1', 'meal');
    f.seatDown('seat-01');
    f.seatUp('seat-01');
    expect(f.acd.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: 'meal' });
  });

  it('pauses an agent on a call once the call ends, and cancels that if the seat answers again first', async () => {
    const f = fixture();
    f.readyAgent('a1', 'seat-01');
    await f.service.inbound(channel('c1'), 'primary', '12345');
    await f.service.agentAnswered('c1-leg1', 'c1');
    f.seatDown('seat-01');
    expect(f.acd.getAgent('a1')).toMatchObject({ state: 'on_call', pendingPauseReason: SEAT_UNREACHABLE_PAUSE_REASON });
    f.seatUp('seat-01');
    f.service.channelGone('c1');
    expect(f.acd.getAgent('a1').state).toBe('ready');

    await f.service.inbound(channel('c2'), 'primary', '12345');
    await f.service.agentAnswered('c2-leg2', 'c2');
    f.seatDown('seat-01');
    f.service.channelGone('c2');
    expect(f.acd.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: SEAT_UNREACHABLE_PAUSE_REASON });
    f.seatUp('seat-01');
    expect(f.acd.getAgent('a1').state).toBe('ready');
  });

  it('pauses an agent who logs in and gets ready at a seat already known unreachable', () => {
    const f = fixture();
    f.seatDown('seat-01');
    f.readyAgent('a1', 'seat-01');
    f.seats.enforce();
    expect(f.acd.getAgent('a1')).toMatchObject({ state: 'paused', pauseReason: SEAT_UNREACHABLE_PAUSE_REASON });
  });
});
