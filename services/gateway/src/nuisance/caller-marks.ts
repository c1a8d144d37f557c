import { CALLER_MARK_LABELS, markNumber, type CallerMarkKind } from '@cti/domain';
import type { CallerMark, CallerMarkRepository } from '@cti/db';
import type { Logger } from '../logger.js';

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
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: Pick<CallerMarkStore, 'active'>,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  async refresh(): Promise<void> {
    try {
      const marks = await this.store.active(this.now());
      this.byNumber = new Map(marks.map((m) => [m.number, m]));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'caller marks not refreshed; keeping the last ones');
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
