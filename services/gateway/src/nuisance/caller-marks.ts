import { CALLER_MARK_LABELS, markNumber, type CallerMarkKind } from '@cti/domain';
import type { CallerMark, CallerMarkRepository } from '@cti/db';
import type { Logger } from '../logger.js';
import { RefreshedCopy } from '../refreshed-copy.js';

/** Mark storage (CallerMarkRepository fits). */
export type CallerMarkStore = Pick<CallerMarkRepository, 'flag' | 'decide' | 'lift' | 'list' | 'active' | 'find' | 'history'>;

/** What an agent sees of a mark with an offer and on the call: never who flagged it. */
export interface CallerMarkNotice {
  kind: CallerMarkKind;
  /** 骚扰来电 / 恶意来电. */
  label: string;
  /** The shift lead's reason. */
  reason: string | null;
  expiresAt: number;
  policeReferral: boolean;
}

/** How often the marks in force are read again (a change made through this gateway is seen at once). */
const REFRESH_MS = 30_000;

/**
 * The marks in force, in memory by number, so an offer shows the caller's mark without a database read in the call
 * path; read again every 30 s and after every change made here. Marks are few (hundreds), so all are kept.
 */
export class CallerMarkCache {
  private byNumber = new Map<string, CallerMark>();
  private readonly copy: RefreshedCopy<CallerMark[]>;

  constructor(
    store: Pick<CallerMarkStore, 'active'>,
    private readonly now: () => number,
    log: Logger,
  ) {
    this.copy = new RefreshedCopy('caller marks', () => store.active(this.now()), (marks) => (this.byNumber = new Map(marks.map((m) => [m.number, m]))), REFRESH_MS, log);
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

  /** The mark in force for a caller's number, shown to agents. */
  noticeFor(number: string | undefined): CallerMarkNotice | undefined {
    if (!number) return undefined;
    let key: string;
    try {
      key = markNumber(number);
    } catch {
      return undefined; // an anonymous or malformed caller id has no mark
    }
    const m = this.byNumber.get(key);
    if (!m || m.expiresAt === null || m.expiresAt <= this.now()) return undefined;
    return { kind: m.kind, label: CALLER_MARK_LABELS[m.kind], reason: m.decisionReason, expiresAt: m.expiresAt, policeReferral: m.policeReferral };
  }
}
