import type { AcdSnapshot } from '@cti/domain';
import type { CallRegistrySnapshot } from '../call/call.registry.js';
import type { CallbackJob } from '../callback/outbound-callback.service.js';
import type { Logger } from '../logger.js';

/** Everything a restarted gateway needs to carry on: queue order, agent states, reservations, live calls. */
export interface GatewayState {
  version: 1;
  savedAt: number;
  acd: AcdSnapshot;
  calls: CallRegistrySnapshot;
  callbacks: CallbackJob[];
}

/**
 * Where the state is kept (Redis). Writes are fenced: only the active gateway's epoch may write (leader-lease.redis.ts,
 * docs/domain.md §20), so a gateway another one replaced cannot overwrite the state the new one carries on from.
 */
export interface GatewayStateStorage {
  /** The saved JSON, or null when there is none; rejects when Redis is away. */
  read(): Promise<string | null>;
  /** Writes the JSON unless another gateway took over ('refused': nothing written); rejects when Redis is away. */
  write(json: string): Promise<'written' | 'refused'>;
}

/** How the store measures serialising time and waits (injected in tests). */
export interface SavePacing {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Longest wait between two saves of a large state (ms). */
const MAX_GAP_MS = 100;
/**
 * Shortest wait between two saves while changes keep coming (ms): at 100 calls/s the state changes every few
 * milliseconds, and saving after every Redis round trip cost the gateway (and Redis) more than routing did. A gateway
 * killed mid-load then misses at most the last ~20 ms of changes, which reconcile() recovers from Asterisk (callers
 * in the application are adopted in arrival order, seats ringing for unknown legs are hung up).
 */
const MIN_GAP_MS = 20;

/**
 * Keeps the gateway's state in Redis. Saves are coalesced (at most one in flight, the newest state wins) so a
 * burst of call events costs one write; when Redis is away the state stays in memory and calls go on.
 * A change after a quiet spell is saved at once; while changes keep coming, saves are 20 ms apart, or four times the
 * serialising time for a large state (hundreds of callers waiting at a peak), never more than 100 ms apart, so that
 * serialising takes at most a fifth of the gateway's time instead of all the time between call events.
 * A write the storage refuses (another gateway took over) is the last: `refused` is told, and nothing is written again.
 */
export class GatewayStateStore {
  private pending: (() => GatewayState) | undefined;
  private writing: Promise<void> | undefined;
  private busy = false;
  private refusedOnce = false;

  constructor(
    private readonly storage: GatewayStateStorage,
    private readonly log: Logger,
    /** A write was refused: another gateway is active (production: the leadership ends the process). */
    private readonly refused: () => void,
    private readonly pace: SavePacing = { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  ) {}

  /** The last saved state, or undefined (none, unreadable, or Redis away). */
  async load(): Promise<GatewayState | undefined> {
    try {
      const raw = await this.storage.read();
      if (!raw) return undefined;
      const state = JSON.parse(raw) as GatewayState;
      return state.version === 1 ? state : undefined;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'saved gateway state unavailable; starting empty');
      return undefined;
    }
  }

  /** Schedules a save of the state `take()` returns when the write happens. */
  save(take: () => GatewayState): void {
    this.pending = take;
    this.start();
  }

  /** Resolves once the pending state is written (or Redis refused it); used at shutdown. */
  async flush(): Promise<void> {
    this.start();
    await this.writing;
  }

  private start(): void {
    if (this.busy || !this.pending || this.refusedOnce) return;
    this.busy = true; // before drain() runs: a save() from inside take() must not start a second writer
    this.writing = this.drain().finally(() => {
      this.busy = false;
      this.writing = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const take = this.pending;
      this.pending = undefined;
      const started = this.pace.now();
      const json = JSON.stringify(take());
      const gap = Math.min(MAX_GAP_MS, Math.max(MIN_GAP_MS, 4 * (this.pace.now() - started)));
      try {
        if ((await this.storage.write(json)) === 'refused') {
          this.refusedOnce = true;
          this.pending = undefined;
          this.refused();
          return;
        }
      } catch (err) {
        this.log.debug({ err: (err as Error).message }, 'gateway state not saved (Redis away)');
        return;
      }
      if (this.pending) await this.pace.sleep(gap);
    }
  }
}
