import type { Redis } from 'ioredis';
import type { AcdSnapshot } from '@cti/domain';
import type { CallServiceSnapshot } from '../call/call.service.js';
import type { CallbackJob } from '../callback/outbound-callback.service.js';
import type { Logger } from '../logger.js';

/** Everything a restarted gateway needs to carry on: queue order, agent states, reservations, live calls. */
export interface GatewayState {
  version: 1;
  savedAt: number;
  acd: AcdSnapshot;
  calls: CallServiceSnapshot;
  callbacks: CallbackJob[];
}

/**
 * Keeps the gateway's state in Redis. Saves are coalesced (at most one in flight, the newest state wins) so a
 * burst of call events costs one write; when Redis is away the state stays in memory and calls go on.
 */
export class GatewayStateStore {
  private pending: (() => GatewayState) | undefined;
  private writing = false;

  constructor(
    private readonly redis: Pick<Redis, 'get' | 'set'>,
    private readonly key: string,
    private readonly log: Logger,
  ) {}

  /** The last saved state, or undefined (none, unreadable, or Redis away). */
  async load(): Promise<GatewayState | undefined> {
    try {
      const raw = await this.redis.get(this.key);
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
    if (!this.writing) void this.flush();
  }

  /** Writes pending state now (also used at shutdown). */
  async flush(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending) {
        const take = this.pending;
        this.pending = undefined;
        try {
          await this.redis.set(this.key, JSON.stringify(take()));
        } catch (err) {
          this.log.debug({ err: (err as Error).message }, 'gateway state not saved (Redis away)');
          return;
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
