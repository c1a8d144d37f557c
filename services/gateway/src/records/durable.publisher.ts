import type { Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import { SpoolFile } from './spool.file.js';

/** The slice of a BullMQ Queue the publisher uses. */
export type RecordQueue = Pick<Queue, 'add'>;

/** How one kind of record is queued and described in logs. */
export interface DurableRecordKind<T> {
  /** Spool file name (one spool per kind). */
  spoolName: string;
  /** BullMQ job name. */
  jobName: string;
  /** Idempotency key: the job id, so a record delivered twice is one job. */
  jobIdOf(record: T): string;
  /** Log fields identifying a record (personal data masked). */
  describe(record: T): Record<string, unknown>;
}

/**
 * Publishes records to BullMQ with an idempotent job id, and spools them (fsynced) to local disk whenever
 * Redis does not take them in time; a timer redelivers the spool in order.
 */
export class DurablePublisher<T> {
  private readonly spool: SpoolFile<T>;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(
    private readonly queue: RecordQueue,
    spoolDir: string,
    private readonly kind: DurableRecordKind<T>,
    private readonly log: Logger,
    private readonly addTimeoutMs = 2_000,
  ) {
    this.spool = new SpoolFile<T>(spoolDir, kind.spoolName);
  }

  /** Queues the record, or keeps it in the spool; never throws. */
  async publish(record: T): Promise<void> {
    if (this.spool.hasItems()) {
      // Keep order behind what is already spooled.
      this.keep(record, 'spool not empty');
      return;
    }
    try {
      await this.add(record);
    } catch (err) {
      this.keep(record, (err as Error).message);
    }
  }

  /** Starts redelivering the spool every `intervalMs`. */
  startRedelivery(intervalMs = 1_000): void {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Stops the redelivery timer. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Delivers spooled records now; returns how many went out. */
  async flush(): Promise<number> {
    if (this.draining || !this.spool.hasItems()) return 0;
    this.draining = true;
    try {
      const n = await this.spool.drain((r) => this.add(r));
      if (n > 0) this.log.info({ delivered: n, kind: this.kind.spoolName }, 'spooled records delivered');
      return n;
    } finally {
      this.draining = false;
    }
  }

  /** Whether records wait in the local spool. */
  hasSpooled(): boolean {
    return this.spool.hasItems();
  }

  private async add(record: T): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('queue add timed out')), this.addTimeoutMs);
    });
    try {
      await Promise.race([
        this.queue.add(this.kind.jobName, record, {
          jobId: this.kind.jobIdOf(record),
          removeOnComplete: { age: 86_400 },
          removeOnFail: false,
          attempts: 20,
          backoff: { type: 'exponential', delay: 1_000 },
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private keep(record: T, reason: string): void {
    this.spool.append(record);
    this.log.warn({ ...this.kind.describe(record), kind: this.kind.spoolName, reason }, 'record spooled locally');
  }
}
