import type { Logger } from './logger.js';

/**
 * An in-memory copy of something kept in the database, read again every `everyMs` and after each change made through
 * this gateway (`refresh()`), so the call path never waits on the database; a failed read keeps the last copy.
 * The caller-mark cache and the line greetings are two.
 */
export class RefreshedCopy<T> {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly what: string,
    private readonly read: () => Promise<T>,
    private readonly keep: (value: T) => void,
    private readonly everyMs: number,
    private readonly log: Logger,
  ) {}

  async refresh(): Promise<void> {
    try {
      this.keep(await this.read());
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, `${this.what} not refreshed; keeping the last ones`);
    }
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
