import { HeldLease, StandbyWatch, parseHolder, type Clock, type LeaseTerms, type TakeoverDetection } from '@cti/domain';
import type { HeartbeatLoss, LeaderHeartbeat, LeaderLeaseStore } from './leadership.ports.js';

/** Exit code of a gateway that ended itself because another one is (or may be) active; its supervisor starts it again. */
export const LEADERSHIP_LOST_EXIT_CODE = 3;

/** The slice of a logger the leadership uses (pino fits). */
export interface LeadershipLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

/** What the leadership is built from. */
export interface LeadershipDeps {
  lease: LeaderLeaseStore;
  heartbeat: LeaderHeartbeat;
  terms: LeaseTerms;
  /** Monotonic milliseconds (a wall clock may jump; the lease's validity must not). */
  clock: Clock;
  /** This process, unique among all gateway processes ever started against the lease. */
  instanceId: string;
  /** Where the active listens for its standbys' heartbeat connections; none: standbys wait out the lease. */
  heartbeatAt?: { host: string; port: number };
  log: LeadershipLog;
  /** Ends the process at once (production: process.exit). */
  exit(code: number): never;
  /** Waits `ms` (production: a timer). */
  sleep(ms: number): Promise<void>;
}

/** How this process became active. */
export interface Takeover {
  epoch: number;
  detected: TakeoverDetection;
  /** From the first look at the lease to holding it. */
  waitedMs: number;
  /** The holder (`<epoch>:<instanceId>`) this process last saw active before it took the lease; null when it saw none. */
  from: string | null;
}

/** What /healthz and /metrics say about the leadership. */
export type LeadershipStatus =
  | { role: 'standby'; leader: { epoch: number; instanceId: string } | null }
  | { role: 'active'; epoch: number; detected: TakeoverDetection; standbyWatching: boolean };

/**
 * Exactly one active gateway (docs/domain.md §20): acquire() waits as standby until this process holds the lease;
 * hold() keeps it (renewals, the heartbeat listener); assertActive() — called before every ARI request — and the
 * refusals (a renewal, a fenced state write, an ARI application replaced) end the process at once when it is lost.
 */
export class GatewayLeadership {
  private held: HeldLease | undefined;
  private holder = '';
  private epochNo = 0;
  private detected: TakeoverDetection = 'free';
  private heartbeatAddress: string | null = null;
  private renewTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private observed: string | null = null;
  private watching: { holder: string; address: string; stop: () => void } | undefined;
  private heartbeatLostOf: string | undefined;
  private wake: (() => void) | undefined;
  private wakeRequested = false;

  constructor(private readonly d: LeadershipDeps) {}

  /**
   * Waits as standby until this process holds the lease (a store that is away is waited for too). `onWait` runs once,
   * when the first look did not give the lease: a process that takes it at once (a lone gateway starting or
   * restarting) never serves as a standby.
   */
  async acquire(onWait?: () => Promise<void>): Promise<Takeover> {
    const { clock, terms, lease, log, instanceId } = this.d;
    const startedAt = clock.now();
    const watch = new StandbyWatch();
    let announced = false;
    let storeAway = false;
    let lastSeen: string | null = null;
    /** An acquisition whose answer never came (timed out on a loaded host): Redis may have carried it out. */
    let unanswered: { detected: TakeoverDetection; sentAt: number } | undefined;
    for (;;) {
      try {
        const seen = await lease.observe(instanceId, terms.leaseMs);
        if (storeAway) log.info({}, 'leader lease reachable again');
        storeAway = false;
        const mine = seen.holder === null ? undefined : parseHolder(seen.holder);
        if (mine?.instanceId === instanceId && unanswered) {
          // It did: this process holds the lease and its epoch. Counted from when that acquisition was sent (the key
          // was set no earlier), so the rules stop it before the key can expire; hold() renews it at once.
          log.warn({ epoch: mine.epoch }, 'an acquisition whose answer was lost had taken the lease: taking it up');
          return this.becameActive(mine.epoch, seen.holder as string, unanswered.sentAt, unanswered.detected, clock.now() - startedAt, lastSeen);
        }
        this.observed = seen.holder;
        if (seen.holder !== null) lastSeen = seen.holder;
        this.keepWatching(seen.holder, seen.heartbeat);
        const move = watch.observe(seen.holder, this.heartbeatLostOf);
        if (move.kind !== 'wait') {
          const sentAt = clock.now();
          unanswered = { detected: move.detected, sentAt };
          const got = await lease.acquire(instanceId, terms.leaseMs, move.kind === 'take-over' ? move.holder : undefined);
          unanswered = undefined;
          if (got.won) return this.becameActive(got.epoch, got.holder, sentAt, move.detected, clock.now() - startedAt, lastSeen);
          this.observed = got.holder; // another process was quicker
          lastSeen = got.holder;
        }
        if (!announced && this.observed !== null) {
          announced = true;
          log.info({ leader: this.observed, heartbeat: seen.heartbeat }, 'gateway standby');
        }
      } catch (err) {
        if (!storeAway) log.warn({ err: (err as Error).message }, 'leader lease not reachable (Redis); waiting as standby');
        storeAway = true;
      }
      if (onWait) {
        const waiting = onWait;
        onWait = undefined;
        await waiting();
      }
      await this.nap(terms.standbyPollMs);
    }
  }

  /**
   * Holds the lease from now on: listens for the standbys' heartbeat connections (when configured), advertises the
   * address with an immediate renewal, and renews on schedule. Call once, after acquire().
   */
  async hold(): Promise<void> {
    const at = this.d.heartbeatAt;
    if (at) {
      try {
        this.heartbeatAddress = await this.d.heartbeat.listen(at.host, at.port);
      } catch (err) {
        this.d.log.warn({ err: (err as Error).message, port: at.port }, 'leader heartbeat not listening; standbys will wait out the lease');
      }
    }
    await this.renew();
  }

  /** Ends the process at once unless it still holds the lease (see HeldLease.standing); called before every ARI request. */
  assertActive(): void {
    const held = this.held;
    if (!held) return this.lost('not holding the lease');
    if (held.standing() === 'lost') this.lost(held.refusal() ?? 'lease not renewed in time while a standby was watching');
  }

  /** ARI handed one of this gateway's applications to another connection: another gateway is active. */
  applicationReplaced(application: string): never {
    return this.lost(`ARI application ${application} replaced by another connection`);
  }

  /** A fenced state write was refused: another gateway took over. */
  stateWriteRefused(): never {
    this.held?.refused('fenced state write refused');
    return this.lost('fenced state write refused: another gateway took over');
  }

  /** This process's epoch (the fencing token of its writes); only while active. */
  epoch(): number {
    if (!this.held) throw new Error('not active: no epoch');
    return this.epochNo;
  }

  /** Gives the lease up on a graceful stop, after the last state write: a standby takes over without waiting. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    this.stopWatching();
    try {
      if (this.held) await this.d.lease.release(this.holder);
      // From here on another gateway may be active: any ARI request after this ends the process instead.
      this.held?.refused('lease released at shutdown');
    } catch (err) {
      this.d.log.warn({ err: (err as Error).message }, 'leader lease not released (Redis away); it lapses by itself');
    }
    await this.d.heartbeat.close();
  }

  /** Whether a standby was watching at the last renewal (false while standby). */
  standbyWatching(): boolean {
    return this.held?.isWatched() ?? false;
  }

  status(): LeadershipStatus {
    if (this.held) return { role: 'active', epoch: this.epochNo, detected: this.detected, standbyWatching: this.held.isWatched() };
    const leader = this.observed === null ? undefined : parseHolder(this.observed);
    return { role: 'standby', leader: leader ?? null };
  }

  /** Logs why and ends the process: another gateway is, or may be, active. */
  private lost(reason: string): never {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    this.d.log.error({ reason, epoch: this.epochNo, instanceId: this.d.instanceId }, 'gateway lost leadership');
    return this.d.exit(LEADERSHIP_LOST_EXIT_CODE);
  }

  private becameActive(epoch: number, holder: string, sentAt: number, detected: TakeoverDetection, waitedMs: number, from: string | null): Takeover {
    this.stopWatching();
    this.held = new HeldLease(this.d.terms, this.d.clock, sentAt, false);
    this.holder = holder;
    this.epochNo = epoch;
    this.detected = detected;
    this.d.log.info({ epoch, waitedMs: Math.round(waitedMs), detected, instanceId: this.d.instanceId, from }, 'gateway took over');
    return { epoch, detected, waitedMs, from };
  }

  /** One renewal, then the next one scheduled; ends the process when the lease is lost. */
  private async renew(): Promise<void> {
    const held = this.held;
    if (this.stopped || !held) return;
    this.assertActive();
    if (this.stopped) return;
    const sentAt = this.d.clock.now();
    try {
      const r = await this.d.lease.renew(this.holder, this.epochNo, this.d.terms.leaseMs, this.heartbeatAddress);
      if (r.renewed) held.granted(sentAt, r.standbyWatching || this.d.heartbeat.watchers() > 0);
      else held.refused(`renewal refused: the lease is ${r.holder ?? 'gone and the epoch moved on'}`);
    } catch (err) {
      if (held.standing() === 'held') this.d.log.warn({ err: (err as Error).message }, 'leader lease not renewed (Redis away or slow); retrying');
      held.failed();
    }
    if (this.stopped) return;
    this.assertActive();
    this.renewTimer = setTimeout(() => void this.renew(), Math.max(0, held.renewalDueAt() - this.d.clock.now()));
  }

  /** A standby keeps one heartbeat connection, to the current holder's advertised address. */
  private keepWatching(holder: string | null, address: string | null): void {
    if (this.watching && (this.watching.holder !== holder || this.watching.address !== address)) this.stopWatching();
    if (this.watching || holder === null || address === null || holder === this.heartbeatLostOf) return;
    const watching = {
      holder,
      address,
      stop: this.d.heartbeat.watch(address, (how: HeartbeatLoss) => {
        if (this.watching !== watching) return;
        this.watching = undefined;
        if (how === 'unreachable') return; // says nothing: connect again at the next look
        this.heartbeatLostOf = holder;
        this.wakeRequested = true;
        this.wake?.();
      }),
    };
    this.watching = watching;
  }

  private stopWatching(): void {
    this.watching?.stop();
    this.watching = undefined;
  }

  /** Waits a poll interval, or not at all once the heartbeat reported the holder gone (since the last look, too). */
  private nap(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.wakeRequested) return resolve();
      this.wake = resolve;
      void this.d.sleep(ms).then(resolve);
    }).finally(() => {
      this.wake = undefined;
      this.wakeRequested = false;
    });
  }
}
