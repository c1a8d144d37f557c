import type { Logger } from '../logger.js';

/** Tells which tokens are no longer valid (TokenRepository fits). */
export interface TokenValidity {
  /** Of the given token ids, those revoked, expired or gone. */
  findInvalid(tokenIds: readonly string[]): Promise<string[]>;
}

/**
 * Closes long-lived streams (agent WebSockets, wallboard SSE) whose token was revoked or expired. A request checks its
 * token every time; a stream was authenticated once, so its token is re-checked every `intervalMs` — one query for
 * all open streams — and a token that became invalid closes every stream opened with it.
 */
export class TokenWatch {
  private readonly streams = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly validity: TokenValidity,
    private readonly intervalMs: number,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /** Watches a stream opened with token `tokenId`; `close` ends it. Returns the function that stops watching it. */
  watch(tokenId: string, close: () => void): () => void {
    let set = this.streams.get(tokenId);
    if (!set) this.streams.set(tokenId, (set = new Set()));
    set.add(close);
    this.timer ??= setInterval(() => void this.checkNow(), this.intervalMs).unref();
    return () => {
      set.delete(close);
      if (set.size === 0 && this.streams.get(tokenId) === set) this.streams.delete(tokenId);
      if (this.streams.size === 0) this.stopTimer();
    };
  }

  /** Streams watched right now (for tests and metrics). */
  watchedCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.size;
    return n;
  }

  /** Re-checks every watched token now and closes the streams of those no longer valid. */
  checkNow(): Promise<void> {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Stops the periodic check (the gateway is closing). */
  stop(): void {
    this.stopTimer();
  }

  private async check(): Promise<void> {
    const ids = [...this.streams.keys()];
    if (ids.length === 0) return;
    let invalid: string[];
    try {
      invalid = await this.validity.findInvalid(ids);
    } catch (err) {
      // The database is away: keep the streams (closing every desktop's feed on a blip is worse); check again next round.
      this.log.warn({ err: (err as Error).message }, 'token re-check failed; open streams kept until the next check');
      return;
    }
    for (const id of invalid) {
      const closers = [...(this.streams.get(id) ?? [])];
      this.streams.delete(id);
      if (closers.length) this.log.info({ tokenId: id, streams: closers.length }, 'token revoked or expired: closing its open streams');
      for (const close of closers) close();
    }
    if (this.streams.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
