import type { Queue } from 'bullmq';
import { maskPhone, type CallRecord } from '@cti/domain';
import type { Logger } from '../logger.js';
import type { CallRecordSink } from '../call/call-record.sink.js';
import { SpoolFile } from './spool.file.js';

/** The slice of a BullMQ Queue the publisher uses. */
export type RecordQueue = Pick<Queue, 'add'>;

/**
 * Publishes call records to BullMQ with the linkedid as job id (so a record delivered twice is one job),
 * and spools them to local disk whenever Redis does not take them; a timer redelivers the spool.
 */
export class CallRecordPublisher implements CallRecordSink {
  private readonly spool: SpoolFile<CallRecord>;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(
    private readonly queue: RecordQueue,
    spoolDir: string,
    private readonly log: Logger,
    private readonly addTimeoutMs = 2_000,
  ) {
    this.spool = new SpoolFile<CallRecord>(spoolDir, 'call-records');
  }

  async publish(record: CallRecord): Promise<void> {
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
      if (n > 0) this.log.info({ delivered: n }, 'spooled call records delivered');
      return n;
    } finally {
      this.draining = false;
    }
  }

  /** Whether records wait in the local spool. */
  hasSpooled(): boolean {
    return this.spool.hasItems();
  }

  private async add(record: CallRecord): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('queue add timed out')), this.addTimeoutMs);
    });
    try {
      await Promise.race([
        this.queue.add('call-record', record, { jobId: record.linkedId, removeOnComplete: { age: 86_400 }, removeOnFail: false, attempts: 20, backoff: { type: 'exponential', delay: 1_000 } }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private keep(record: CallRecord, reason: string): void {
    this.spool.append(record);
    this.log.warn({ callId: record.linkedId, caller: maskPhone(record.callerNumber), reason }, 'call record spooled locally');
  }
}
