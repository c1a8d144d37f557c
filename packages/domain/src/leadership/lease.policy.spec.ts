import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { HeldLease, StandbyWatch, holderValue, leaseTerms, parseHolder } from './lease.policy.js';

describe('leaseTerms', () => {
  it('renews every third of the lease, retries every tenth, stops a fifth before expiry, and polls every tenth within 50–200 ms', () => {
    expect(leaseTerms(2000)).toEqual({ leaseMs: 2000, renewEveryMs: 666, retryEveryMs: 200, safetyMs: 400, standbyPollMs: 200 });
    expect(leaseTerms(1000).standbyPollMs).toBe(100);
    expect(leaseTerms(300).standbyPollMs).toBe(50);
    expect(leaseTerms(60_000).standbyPollMs).toBe(200);
  });

  it('refuses a lease too short to renew', () => {
    expect(() => leaseTerms(10)).toThrow(RangeError);
    expect(() => leaseTerms(Number.NaN)).toThrow(RangeError);
  });
});

describe('holder values', () => {
  it('are `<epoch>:<instanceId>` and read back, an instance id may hold colons', () => {
    expect(holderValue({ epoch: 7, instanceId: 'gw-a:123' })).toBe('7:gw-a:123');
    expect(parseHolder('7:gw-a:123')).toEqual({ epoch: 7, instanceId: 'gw-a:123' });
    expect(parseHolder('gw-a')).toBeUndefined();
    expect(parseHolder('x:gw-a')).toBeUndefined();
  });
});

describe('HeldLease', () => {
  const terms = leaseTerms(1500); // renew every 500, retry every 150, safety 300

  it('is held until the lease minus the safety margin, counted from when the granted request was sent', () => {
    const clock = new ManualClock(10_000);
    const lease = new HeldLease(terms, clock, 9_990, true);
    clock.set(9_990 + 1_199);
    expect(lease.standing()).toBe('held');
    clock.set(9_990 + 1_200);
    expect(lease.standing()).toBe('lost');
  });

  it('is due for renewal a third of the lease after the last granted request was sent', () => {
    const clock = new ManualClock(0);
    const lease = new HeldLease(terms, clock, 0, false);
    expect(lease.renewalDueAt()).toBe(500);
    clock.set(520);
    lease.granted(510, false);
    expect(lease.renewalDueAt()).toBe(1_010);
  });

  it('extends its validity with each renewal, so a holder that keeps renewing stays held', () => {
    const clock = new ManualClock(0);
    const lease = new HeldLease(terms, clock, 0, true);
    for (let t = 500; t <= 10_000; t += 500) {
      clock.set(t);
      lease.granted(t, true);
      expect(lease.standing()).toBe('held');
    }
    clock.set(10_000 + 1_199);
    expect(lease.standing()).toBe('held');
  });

  it('retries a failed renewal after a tenth of the lease, keeping the validity it had', () => {
    const clock = new ManualClock(500);
    const lease = new HeldLease(terms, clock, 0, true);
    lease.failed();
    expect(lease.renewalDueAt()).toBe(650);
    clock.set(1_100);
    lease.failed();
    expect(lease.renewalDueAt()).toBe(1_250);
    expect(lease.standing()).toBe('held');
    clock.set(1_200);
    expect(lease.standing()).toBe('lost');
  });

  it('must stop once it cannot renew in time while a standby is watching', () => {
    const clock = new ManualClock(0);
    const lease = new HeldLease(terms, clock, 0, false);
    clock.set(400);
    lease.granted(400, true); // a standby showed up
    clock.set(400 + 1_200);
    expect(lease.standing()).toBe('lost');
  });

  it('keeps serving alone past its validity when no standby was watching at its last grant (a store outage)', () => {
    const clock = new ManualClock(0);
    const lease = new HeldLease(terms, clock, 0, true);
    clock.set(500);
    lease.granted(500, false); // the standby went away
    clock.set(60_000);
    expect(lease.standing()).toBe('held-alone');
    lease.granted(60_000, false); // the store came back and renewed (or reclaimed) the lease
    expect(lease.standing()).toBe('held');
  });

  it('is lost for good once the store refused it, whatever the clock says', () => {
    const clock = new ManualClock(0);
    const lease = new HeldLease(terms, clock, 0, false);
    lease.refused('renewal refused: 8:gw-b');
    lease.refused('fenced state write refused');
    expect(lease.standing()).toBe('lost');
    lease.granted(0, false);
    expect(lease.standing()).toBe('lost');
    expect(lease.refusal()).toBe('renewal refused: 8:gw-b');
  });

  it('does not let a late answer to an older renewal shorten the validity a newer one granted', () => {
    const clock = new ManualClock(1_000);
    const lease = new HeldLease(terms, clock, 1_000, true);
    lease.granted(400, true);
    clock.set(1_000 + 1_199);
    expect(lease.standing()).toBe('held');
  });
});

describe('StandbyWatch', () => {
  it('acquires a lease nobody holds and says it was free when it never saw a holder', () => {
    expect(new StandbyWatch().observe(null)).toEqual({ kind: 'acquire', detected: 'free' });
  });

  it('waits while a holder holds the lease, and says it expired once the key is gone', () => {
    const watch = new StandbyWatch();
    expect(watch.observe('3:gw-a')).toEqual({ kind: 'wait' });
    expect(watch.observe('3:gw-a')).toEqual({ kind: 'wait' });
    expect(watch.observe(null)).toEqual({ kind: 'acquire', detected: 'lease-expired' });
  });

  it('takes over from exactly the holder whose heartbeat was lost, without waiting out the lease', () => {
    const watch = new StandbyWatch();
    expect(watch.observe('3:gw-a')).toEqual({ kind: 'wait' });
    expect(watch.observe('3:gw-a', '3:gw-a')).toEqual({ kind: 'take-over', detected: 'heartbeat', holder: '3:gw-a' });
  });

  it('says the heartbeat told of the end when the last holder’s connection closed and its key lapsed before the standby looked again', () => {
    const watch = new StandbyWatch();
    expect(watch.observe('3:gw-a')).toEqual({ kind: 'wait' });
    expect(watch.observe(null, '3:gw-a')).toEqual({ kind: 'acquire', detected: 'heartbeat' });
    // Another holder's lost heartbeat says nothing of how the last one's lease ended.
    const other = new StandbyWatch();
    expect(other.observe('4:gw-b')).toEqual({ kind: 'wait' });
    expect(other.observe(null, '3:gw-a')).toEqual({ kind: 'acquire', detected: 'lease-expired' });
  });

  it('ignores a lost heartbeat of an earlier holder', () => {
    const watch = new StandbyWatch();
    expect(watch.observe('4:gw-c', '3:gw-a')).toEqual({ kind: 'wait' });
  });
});
