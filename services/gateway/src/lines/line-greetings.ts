import type { HotlineLine } from '@cti/db';
import type { Logger } from '../logger.js';

/** How often the lines are read again (a change made through this gateway is seen at once). */
const REFRESH_MS = 30_000;

/**
 * The active lines' greetings in memory by DID (docs/domain.md §18), so the call path never reads the database: a
 * caller of a merged line who must wait hears the line's own greeting first. Read every 30 s and after every change
 * made through the line routes; a failed read keeps the last ones.
 */
export class LineGreetings {
  private byDid = new Map<string, string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: { list(all?: boolean): Promise<HotlineLine[]> },
    private readonly log: Logger,
  ) {}

  async refresh(): Promise<void> {
    try {
      const lines = await this.store.list(false);
      this.byDid = new Map(lines.flatMap((l) => (l.active && l.greetingSound ? [[l.did, l.greetingSound] as const] : [])));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'line greetings not refreshed; keeping the last ones');
    }
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The Asterisk sound name of the line's greeting, if the line is active and has one. */
  greetingOf(did: string): string | undefined {
    return this.byDid.get(did);
  }
}
