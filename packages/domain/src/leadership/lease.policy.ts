import type { Clock } from '../clock.js';

/**
 * One active gateway among any number of processes: the rules of its lease, by the clock of the process that applies
 * them (docs/domain.md §20). The store (Redis) only keeps the key and its time to live; everything decided here.
 */

/** How long a lease lasts and what follows from it (all in milliseconds). */
export interface LeaseTerms {
  /** Time to live of the lease in the store. */
  leaseMs: number;
  /** The holder renews this long after its last renewal was sent (a third of the lease: two may fail before it lapses). */
  renewEveryMs: number;
  /** After a failed renewal, the next is sent this much later. */
  retryEveryMs: number;
  /**
   * The holder stops acting this long before the lease would expire by its own clock: room for an ARI request already
   * on its way to land before another process can be active.
   */
  safetyMs: number;
  /** A standby looks at the lease this often. */
  standbyPollMs: number;
}

/** The terms of a lease of `leaseMs`. */
export function leaseTerms(leaseMs: number): LeaseTerms {
  if (!Number.isFinite(leaseMs) || leaseMs < 30) throw new RangeError(`a lease must last at least 30 ms (got ${leaseMs})`);
  return {
    leaseMs,
    renewEveryMs: Math.floor(leaseMs / 3),
    retryEveryMs: Math.max(10, Math.floor(leaseMs / 10)),
    safetyMs: Math.floor(leaseMs / 5),
    standbyPollMs: Math.min(200, Math.max(50, Math.floor(leaseMs / 10))),
  };
}

/** Who holds a lease: the epoch its acquisition gave it and the process. */
export interface LeaseHolder {
  epoch: number;
  instanceId: string;
}

/** The value the store keeps for a holder: `<epoch>:<instanceId>`. */
export function holderValue(holder: LeaseHolder): string {
  return `${holder.epoch}:${holder.instanceId}`;
}

/** The holder a stored value names, or undefined for a value that is not `<epoch>:<instanceId>`. */
export function parseHolder(value: string): LeaseHolder | undefined {
  const m = /^(\d+):(.+)$/.exec(value);
  return m ? { epoch: Number(m[1]), instanceId: m[2] as string } : undefined;
}

/**
 * Where the holder stands: `held` while its last grant is valid with the safety margin; past that, `held-alone` when
 * no standby was watching at its last grant (nobody can take over without first showing up, so a lone gateway rides
 * through a store outage), `lost` when one was watching, or once the store refused it.
 */
export type LeaseStanding = 'held' | 'held-alone' | 'lost';

/** The active process's own account of its lease. */
export class HeldLease {
  private validUntil: number;
  private watched: boolean;
  private nextAttemptAt: number;
  private refusedBy: string | undefined;

  /** `sentAt`: when the request the store granted was sent (the store set the expiry later, never earlier). */
  constructor(
    private readonly terms: LeaseTerms,
    private readonly clock: Clock,
    sentAt: number,
    watched: boolean,
  ) {
    this.validUntil = sentAt + terms.leaseMs;
    this.watched = watched;
    this.nextAttemptAt = sentAt + terms.renewEveryMs;
  }

  /** A renewal sent at `sentAt` was granted; `watched`: a standby was watching then. */
  granted(sentAt: number, watched: boolean): void {
    // A late answer to an older request never shortens what a newer one granted.
    this.validUntil = Math.max(this.validUntil, sentAt + this.terms.leaseMs);
    this.watched = watched;
    this.nextAttemptAt = sentAt + this.terms.renewEveryMs;
  }

  /** A renewal could not be done (the store away or slow); the grant stands as it was, and the next try comes sooner. */
  failed(): void {
    this.nextAttemptAt = this.clock.now() + this.terms.retryEveryMs;
  }

  /** The store refused the lease (another holder, or a moved epoch): it is lost for good. */
  refused(reason: string): void {
    this.refusedBy ??= reason;
  }

  /** When the next renewal is due. */
  renewalDueAt(): number {
    return this.nextAttemptAt;
  }

  /** Whether a standby was watching at the last grant. */
  isWatched(): boolean {
    return this.watched;
  }

  /** Why the lease was refused, if it was. */
  refusal(): string | undefined {
    return this.refusedBy;
  }

  /** Where the holder stands now (see LeaseStanding). */
  standing(): LeaseStanding {
    if (this.refusedBy !== undefined) return 'lost';
    if (this.clock.now() < this.validUntil - this.terms.safetyMs) return 'held';
    return this.watched ? 'lost' : 'held-alone';
  }
}

/** How a standby saw that it may become active. */
export type TakeoverDetection = 'free' | 'lease-expired' | 'heartbeat';

/** What a standby does after a look at the lease. */
export type StandbyMove =
  | { kind: 'wait' }
  /** Acquire the lease, which nobody holds. */
  | { kind: 'acquire'; detected: TakeoverDetection }
  /** Take the lease over from `holder`, whose process is gone, only if it still names that holder. */
  | { kind: 'take-over'; detected: 'heartbeat'; holder: string };

/**
 * A standby's decisions on what it observes of the lease and of the holder's heartbeat connection. The heartbeat only
 * counts for the holder it was opened to: a stale address or a closed connection to an earlier holder decides nothing.
 */
export class StandbyWatch {
  /** The last holder seen (null: none yet). */
  private lastHolder: string | null = null;

  /**
   * `holder`: the stored value, or null when no one holds the lease. `heartbeatLostOf`: the holder whose heartbeat
   * connection closed or was refused, if one did.
   */
  observe(holder: string | null, heartbeatLostOf?: string): StandbyMove {
    if (holder === null) {
      // The last holder's heartbeat connection closed before its key lapsed: the heartbeat told of its end first (a
      // standby starved of CPU for longer than the lease finds both when it runs again, in either order).
      if (heartbeatLostOf !== undefined && heartbeatLostOf === this.lastHolder) return { kind: 'acquire', detected: 'heartbeat' };
      return { kind: 'acquire', detected: this.lastHolder !== null ? 'lease-expired' : 'free' };
    }
    this.lastHolder = holder;
    if (heartbeatLostOf !== undefined && heartbeatLostOf === holder) return { kind: 'take-over', detected: 'heartbeat', holder };
    return { kind: 'wait' };
  }
}
