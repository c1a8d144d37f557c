import type { HotlineLine } from '@cti/db';
import type { Logger } from '../logger.js';
import { RefreshedCopy } from '../refreshed-copy.js';

/** How often the lines are read again (a change made through this gateway is seen at once). */
const REFRESH_MS = 30_000;

/**
 * The active lines' greetings in memory by DID (docs/domain.md §18), so the call path never reads the database: a
 * caller of a merged line who must wait hears the line's own greeting first. Read every 30 s and after every change
 * made through the line routes; a failed read keeps the last ones.
 */
export class LineGreetings {
  private byDid = new Map<string, string>();
  private readonly copy: RefreshedCopy<HotlineLine[]>;

  constructor(store: { list(all?: boolean): Promise<HotlineLine[]> }, log: Logger) {
    const keep = (lines: HotlineLine[]) => (this.byDid = new Map(lines.flatMap((l) => (l.active && l.greetingSound ? [[l.did, l.greetingSound] as const] : []))));
    this.copy = new RefreshedCopy('line greetings', () => store.list(false), keep, REFRESH_MS, log);
  }

  refresh(): Promise<void> {
    return this.copy.refresh();
  }

  start(): void {
    this.copy.start();
  }

  stop(): void {
    this.copy.stop();
  }

  /** The Asterisk sound name of the line's greeting, if the line is active and has one. */
  greetingOf(did: string): string | undefined {
    return this.byDid.get(did);
  }
}
