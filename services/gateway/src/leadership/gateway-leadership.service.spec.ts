import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { leaseTerms } from '@cti/domain';
import { GatewayLeadership, LEADERSHIP_LOST_EXIT_CODE } from './gateway-leadership.service.js';
import type { AcquireResult, HeartbeatLoss, LeaderHeartbeat, LeaderLeaseStore, LeaseObservation, RenewResult } from './leadership.ports.js';

/** The lease as the Lua scripts keep it (leader-lease.redis.ts), in memory; `away` makes every call reject. */
class FakeLease implements LeaderLeaseStore {
  holder: string | null = null;
  epoch = 0;
  heartbeat: string | null = null;
  standbyWatching = false;
  away = false;
  released: string[] = [];

  async acquire(instanceId: string, _leaseMs: number, takeOverFrom?: string): Promise<AcquireResult> {
    this.check();
    if (this.holder !== null && this.holder !== takeOverFrom) return { won: false, holder: this.holder };
    this.epoch++;
    this.holder = `${this.epoch}:${instanceId}`;
    this.heartbeat = null;
    return { won: true, epoch: this.epoch, holder: this.holder };
  }

  async renew(holder: string, epoch: number, _leaseMs: number, heartbeat: string | null): Promise<RenewResult> {
    this.check();
    if (this.holder !== holder && !(this.holder === null && this.epoch === epoch)) return { renewed: false, holder: this.holder };
    this.holder = holder;
    if (heartbeat !== null) this.heartbeat = heartbeat;
    return { renewed: true, standbyWatching: this.standbyWatching };
  }

  async release(holder: string): Promise<boolean> {
    this.check();
    if (this.holder !== holder) return false;
    this.released.push(holder);
    this.holder = null;
    return true;
  }

  async observe(): Promise<LeaseObservation> {
    this.check();
    return { holder: this.holder, heartbeat: this.holder === null ? null : this.heartbeat };
  }

  private check(): void {
    if (this.away) throw new Error('Connection is closed.');
  }
}

/** Heartbeat connections a test ends by hand. */
class FakeHeartbeat implements LeaderHeartbeat {
  listening: string | undefined;
  connected = 0;
  readonly watches: Array<{ address: string; lose(how: HeartbeatLoss): void; stopped: boolean }> = [];

  async listen(host: string, port: number): Promise<string> {
    this.listening = `${host}:${port}`;
    return this.listening;
  }

  watchers(): number {
    return this.connected;
  }

  watch(address: string, onLost: (how: HeartbeatLoss) => void): () => void {
    const w = { address, lose: onLost, stopped: false };
    this.watches.push(w);
    return () => void (w.stopped = true);
  }

  async close(): Promise<void> {
    this.listening = undefined;
  }

  /** The open watch (the one a standby holds now). */
  current() {
    return this.watches.filter((w) => !w.stopped).at(-1);
  }
}

const TERMS = leaseTerms(1500); // renew every 500 ms, retry every 150, safety 300, poll every 150

function leadershipOf(lease: FakeLease, instanceId: string, heartbeatAt?: { host: string; port: number }) {
  const heartbeat = new FakeHeartbeat();
  const logs: Array<[string, Record<string, unknown>]> = [];
  const exits: number[] = [];
  const note = (o: object, msg: string) => void logs.push([msg, o as Record<string, unknown>]);
  const leadership = new GatewayLeadership({
    lease,
    heartbeat,
    terms: TERMS,
    clock: { now: () => Date.now() },
    instanceId,
    ...(heartbeatAt && { heartbeatAt }),
    log: { info: note, warn: note, error: note },
    // The real exit never returns; recording it lets a test see what follows.
    exit: (code) => void exits.push(code) as never,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  return { leadership, heartbeat, logs, exits, messages: () => logs.map(([m]) => m) };
}

/** Runs `promise` while fake time passes in poll-sized steps, until it settles (or `maxMs` passed). */
async function settle<T>(promise: Promise<T>, maxMs = 10_000): Promise<T> {
  let done = false;
  void promise.then(() => (done = true), () => (done = true));
  for (let t = 0; t < maxMs && !done; t += 10) await vi.advanceTimersByTimeAsync(10);
  return promise;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('GatewayLeadership as standby', () => {
  it('becomes active at once when nobody holds the lease (a single gateway starts as before)', async () => {
    const lease = new FakeLease();
    const { leadership, logs } = leadershipOf(lease, 'gw-a');
    expect(await settle(leadership.acquire())).toEqual({ epoch: 1, detected: 'free', waitedMs: 0, from: null });
    expect(logs).toEqual([['gateway took over', { epoch: 1, waitedMs: 0, detected: 'free', instanceId: 'gw-a', from: null }]]);
    expect(leadership.status()).toEqual({ role: 'active', epoch: 1, detected: 'free', standbyWatching: false });
  });

  it('serves as a standby (onWait) only when the first look does not give it the lease', async () => {
    const lease = new FakeLease();
    let waited = 0;
    const first = leadershipOf(lease, 'gw-a');
    await settle(first.leadership.acquire(async () => void waited++));
    expect(waited).toBe(0); // a lone gateway takes the lease at once and never opens the standby's port
    const second = leadershipOf(lease, 'gw-b');
    const acquired = second.leadership.acquire(async () => void waited++);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(waited).toBe(1); // once, however many looks it takes
    lease.holder = null;
    await settle(acquired);
    expect(waited).toBe(1);
  });

  it('waits as standby while another holds the lease, and acquires it once the lease expired', async () => {
    const lease = new FakeLease();
    await lease.acquire('gw-a', 1500);
    const { leadership, messages, logs } = leadershipOf(lease, 'gw-b');
    const acquired = leadership.acquire();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(messages()).toEqual(['gateway standby']);
    expect(leadership.status()).toEqual({ role: 'standby', leader: { epoch: 1, instanceId: 'gw-a' } });
    lease.holder = null; // the lease expired
    // It names the holder it last saw, so the incident of the takeover says whom it replaced.
    expect(await settle(acquired)).toMatchObject({ epoch: 2, detected: 'lease-expired', from: '1:gw-a' });
    const tookOver = logs.find(([m]) => m === 'gateway took over')?.[1];
    expect(tookOver).toMatchObject({ epoch: 2, detected: 'lease-expired' });
    expect(tookOver?.waitedMs).toBeGreaterThanOrEqual(1_000);
  });

  it('takes over from the holder at once when its heartbeat connection closes, without waiting out the lease', async () => {
    const lease = new FakeLease();
    await lease.acquire('gw-a', 1500);
    lease.heartbeat = '127.0.0.1:8490';
    const { leadership, heartbeat } = leadershipOf(lease, 'gw-b', { host: '127.0.0.1', port: 8491 });
    const acquired = leadership.acquire();
    await vi.advanceTimersByTimeAsync(500);
    expect(heartbeat.current()?.address).toBe('127.0.0.1:8490');
    heartbeat.current()?.lose('closed'); // gw-a's process died; its lease is still in the store
    expect(await settle(acquired)).toMatchObject({ epoch: 2, detected: 'heartbeat', from: '1:gw-a' });
    expect(lease.holder).toBe('2:gw-b');
    expect(heartbeat.watches).toHaveLength(1); // the active watches nobody
  });

  it('takes over at once from a holder whose heartbeat address refuses connections (a restart after a kill)', async () => {
    const lease = new FakeLease();
    await lease.acquire('gw-old', 1500);
    lease.heartbeat = '127.0.0.1:8490';
    const { leadership, heartbeat } = leadershipOf(lease, 'gw-new');
    const acquired = leadership.acquire();
    await vi.advanceTimersByTimeAsync(0);
    heartbeat.current()?.lose('refused');
    expect(await settle(acquired)).toMatchObject({ epoch: 2, detected: 'heartbeat' });
  });

  it('keeps waiting when the heartbeat address cannot be reached (a frozen host), and connects again', async () => {
    const lease = new FakeLease();
    await lease.acquire('gw-a', 1500);
    lease.heartbeat = '10.0.0.9:8490';
    const { leadership, heartbeat } = leadershipOf(lease, 'gw-b');
    void leadership.acquire();
    await vi.advanceTimersByTimeAsync(0);
    heartbeat.current()?.lose('unreachable');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lease.holder).toBe('1:gw-a');
    expect(heartbeat.watches.length).toBe(2);
    expect(leadership.status().role).toBe('standby');
  });

  it('ignores the lost heartbeat of a holder another standby already replaced', async () => {
    const lease = new FakeLease();
    await lease.acquire('gw-a', 1500);
    lease.heartbeat = '127.0.0.1:8490';
    const { leadership, heartbeat } = leadershipOf(lease, 'gw-c');
    void leadership.acquire();
    await vi.advanceTimersByTimeAsync(0);
    await lease.acquire('gw-b', 1500, '1:gw-a'); // another standby was quicker
    heartbeat.current()?.lose('closed');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lease.holder).toBe('2:gw-b');
    expect(leadership.status()).toEqual({ role: 'standby', leader: { epoch: 2, instanceId: 'gw-b' } });
  });

  it('waits while the store is away, saying so once, and acquires when it is back', async () => {
    const lease = new FakeLease();
    lease.away = true;
    const { leadership, messages } = leadershipOf(lease, 'gw-a');
    const acquired = leadership.acquire();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(messages()).toEqual(['leader lease not reachable (Redis); waiting as standby']);
    lease.away = false;
    expect(await settle(acquired)).toMatchObject({ epoch: 1, detected: 'free' });
    expect(messages()).toEqual(['leader lease not reachable (Redis); waiting as standby', 'leader lease reachable again', 'gateway took over']);
  });
});

describe('GatewayLeadership: an acquisition whose answer was lost', () => {
  /** A store that carries out the first acquisition but whose answer never arrives (a timeout on a loaded host). */
  class LosingFirstAnswer extends FakeLease {
    lost = 0;
    override async acquire(instanceId: string, leaseMs: number, takeOverFrom?: string): Promise<AcquireResult> {
      const got = await super.acquire(instanceId, leaseMs, takeOverFrom);
      if (this.lost++ === 0) throw new Error('Command timed out');
      return got;
    }
  }

  it('takes up the lease the lost acquisition won, with its epoch, instead of waiting it out and taking another', async () => {
    const lease = new LosingFirstAnswer();
    lease.holder = '4:gw-old';
    lease.epoch = 4;
    lease.heartbeat = '127.0.0.1:8490';
    const { leadership, heartbeat, messages } = leadershipOf(lease, 'gw-b');
    const acquired = leadership.acquire();
    await vi.advanceTimersByTimeAsync(500);
    heartbeat.current()?.lose('closed'); // gw-old died; gw-b's take-over is carried out but its answer is lost
    const took = await settle(acquired);
    // Epoch 5 is the one the lost answer carried: no second acquisition moved the epoch on.
    expect(took).toMatchObject({ epoch: 5, detected: 'heartbeat', from: '4:gw-old' });
    expect(lease.epoch).toBe(5);
    expect(messages()).toContain('an acquisition whose answer was lost had taken the lease: taking it up');
    await leadership.hold();
    expect(lease.holder).toBe('5:gw-b');
    expect(leadership.epoch()).toBe(5);
  });
});

describe('GatewayLeadership as the active gateway', () => {
  async function active(lease = new FakeLease(), heartbeatAt?: { host: string; port: number }) {
    const l = leadershipOf(lease, 'gw-a', heartbeatAt);
    await settle(l.leadership.acquire());
    await l.leadership.hold();
    return { ...l, lease };
  }

  it('advertises its heartbeat address with an immediate renewal, and renews every third of the lease', async () => {
    const { lease, heartbeat, leadership } = await active(new FakeLease(), { host: '127.0.0.1', port: 8490 });
    expect(heartbeat.listening).toBe('127.0.0.1:8490');
    expect(lease.heartbeat).toBe('127.0.0.1:8490');
    const renew = vi.spyOn(lease, 'renew');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(renew).toHaveBeenCalledTimes(10);
    leadership.assertActive(); // still held: does not end the process
  });

  it('ends the process when its renewal is refused: another gateway holds the lease', async () => {
    const { lease, exits, logs } = await active();
    lease.holder = '2:gw-b';
    await vi.advanceTimersByTimeAsync(500);
    expect(exits).toEqual([LEADERSHIP_LOST_EXIT_CODE]);
    expect(logs.filter(([m]) => m === 'gateway lost leadership')).toEqual([
      ['gateway lost leadership', { reason: 'renewal refused: the lease is 2:gw-b', epoch: 1, instanceId: 'gw-a' }],
    ]);
  });

  it('ends the process when it could not renew before the lease minus its margin while a standby was watching', async () => {
    const { lease, exits, leadership } = await active();
    lease.standbyWatching = true;
    await vi.advanceTimersByTimeAsync(500); // a renewal that sees the standby
    lease.away = true;
    await vi.advanceTimersByTimeAsync(1_100);
    expect(exits).toEqual([]);
    leadership.assertActive();
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(200); // 1 200 ms after the last granted renewal was sent
    expect(exits).toEqual([LEADERSHIP_LOST_EXIT_CODE]);
  });

  it('counts a standby connected to its heartbeat as watching', async () => {
    const { lease, heartbeat, exits } = await active(new FakeLease(), { host: '127.0.0.1', port: 8490 });
    heartbeat.connected = 1;
    await vi.advanceTimersByTimeAsync(500);
    lease.away = true;
    await vi.advanceTimersByTimeAsync(1_500);
    expect(exits).toEqual([LEADERSHIP_LOST_EXIT_CODE]);
  });

  it('keeps serving alone through a store outage, and holds the lease again when the store is back', async () => {
    const { lease, exits, leadership } = await active();
    lease.away = true;
    await vi.advanceTimersByTimeAsync(30_000);
    leadership.assertActive();
    expect(exits).toEqual([]);
    lease.holder = null; // the lease lapsed meanwhile; nobody took it
    lease.away = false;
    await vi.advanceTimersByTimeAsync(200);
    expect(lease.holder).toBe('1:gw-a');
    expect(exits).toEqual([]);
  });

  it('ends the process at its first ARI request after a freeze longer than the lease while watched', async () => {
    const { lease, exits, leadership } = await active();
    lease.standbyWatching = true;
    await vi.advanceTimersByTimeAsync(500);
    // SIGSTOP: no timer runs; the clock goes on.
    vi.setSystemTime(Date.now() + 5_000);
    leadership.assertActive();
    expect(exits).toEqual([LEADERSHIP_LOST_EXIT_CODE]);
  });

  it('ends the process when ARI replaced one of its applications, or a fenced state write was refused', async () => {
    const a = await active();
    a.leadership.applicationReplaced('cti12345-1');
    expect(a.exits).toEqual([LEADERSHIP_LOST_EXIT_CODE]);
    expect(a.logs.at(-1)).toEqual(['gateway lost leadership', { reason: 'ARI application cti12345-1 replaced by another connection', epoch: 1, instanceId: 'gw-a' }]);
    const b = await active();
    b.leadership.stateWriteRefused();
    expect(b.exits).toEqual([LEADERSHIP_LOST_EXIT_CODE]);
    expect(b.logs.at(-1)?.[1]).toMatchObject({ reason: 'fenced state write refused: another gateway took over' });
  });

  it('releases its own lease and closes its heartbeat on a graceful stop, and renews no more', async () => {
    const { lease, heartbeat, leadership, exits } = await active(new FakeLease(), { host: '127.0.0.1', port: 8490 });
    await leadership.release();
    expect(lease.released).toEqual(['1:gw-a']);
    expect(heartbeat.listening).toBeUndefined();
    const renew = vi.spyOn(lease, 'renew');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(renew).not.toHaveBeenCalled();
    expect(exits).toEqual([]);
  });

  it('gives its epoch as the fencing token only while active', async () => {
    const standby = leadershipOf(new FakeLease(), 'gw-a').leadership;
    expect(() => standby.epoch()).toThrow('not active');
    const { leadership } = await active();
    expect(leadership.epoch()).toBe(1);
  });
});
