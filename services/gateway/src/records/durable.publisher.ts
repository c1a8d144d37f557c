import type { Queue } from 'bullmq';
import type { Config } from '@cti/contracts';
import type { ops } from '@cti/domain';
import type { Logger } from '../logger.js';
import { SpoolFile, type SpoolFs } from './spool.file.js';
import type { ReplicationCheck } from './replica-ack.redis.js';

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

/** How much a spool may hold on disk and in memory. */
export interface SpoolLimits {
  /** Bytes the spool file may hold; past it records wait in memory. */
  maxBytes: number;
  /** Bytes from which the spool counts as at risk (an incident opens). */
  alertBytes: number;
  /** Records held in memory while the disk refuses them; beyond, new records are lost (counted, logged, incident). */
  memoryRecords: number;
}

/** The limits of the configuration's defaults (CTI_SPOOL_MAX_MB, CTI_SPOOL_ALERT_RATIO, CTI_SPOOL_MEMORY_RECORDS). */
export function spoolLimitsFromConfig(c: Pick<Config, 'CTI_SPOOL_MAX_MB' | 'CTI_SPOOL_ALERT_RATIO' | 'CTI_SPOOL_MEMORY_RECORDS'>): SpoolLimits {
  const maxBytes = Math.floor(c.CTI_SPOOL_MAX_MB * 1024 * 1024);
  return { maxBytes, alertBytes: Math.floor(maxBytes * c.CTI_SPOOL_ALERT_RATIO), memoryRecords: c.CTI_SPOOL_MEMORY_RECORDS };
}

/** The configuration defaults, for publishers wired without the configuration. */
export const DEFAULT_SPOOL_LIMITS: SpoolLimits = spoolLimitsFromConfig({ CTI_SPOOL_MAX_MB: 256, CTI_SPOOL_ALERT_RATIO: 0.8, CTI_SPOOL_MEMORY_RECORDS: 20_000 });

/** Where a spool stands, for /metrics and the fault monitor. */
export interface SpoolStatus {
  /** Spool name (kind of record). */
  name: string;
  /** Bytes on disk. */
  bytes: number;
  maxBytes: number;
  alertBytes: number;
  /** Records held in memory because the disk refused them or the bound was reached. */
  heldInMemory: number;
  /** Why records are held in memory now (`bound`, or the write error's code such as `ENOSPC`); undefined while the disk takes them. */
  holdReason: string | undefined;
  /** Records lost since start (memory bound exceeded). */
  lostRecords: number;
  /** Spool writes that failed since start. */
  writeFailures: number;
  /** Torn bytes dropped since start. */
  tornBytesDropped: number;
}

/** A spool's status as the fault detector reads it: at risk past the alert bound or while records are held in memory. */
export function spoolSignal(s: SpoolStatus): ops.SpoolSignal {
  const atRisk = s.holdReason !== undefined ? 'held_in_memory' : s.bytes >= s.alertBytes ? 'near_bound' : undefined;
  return {
    name: s.name,
    atRisk,
    lostRecords: s.lostRecords,
    detail: { bytes: s.bytes, maxBytes: s.maxBytes, heldInMemory: s.heldInMemory, ...(s.holdReason !== undefined && { holdReason: s.holdReason }) },
  };
}

/** Optional parts of a publisher: its bounds and (for tests) the file system. */
export interface DurablePublisherOptions {
  limits?: SpoolLimits;
  fs?: SpoolFs;
  /** Confirms a record is on the replicas before it counts as delivered (RedisReplicaAck); none: Redis's ack suffices. */
  replicated?: ReplicationCheck;
}

const BATCH = 500;

/**
 * Publishes records to BullMQ with an idempotent job id, and spools them (fsynced) to local disk whenever
 * Redis does not take them in time; a timer redelivers the spool in order. When the disk refuses them (full,
 * or the spool at its bound), records wait in memory, in order behind the spooled ones, and are written or
 * delivered as soon as either works again; only past the memory bound is a record lost, and that is counted,
 * logged as an error and turned into an incident (see status()). publish() never rejects.
 */
export class DurablePublisher<T> {
  private readonly spool: SpoolFile<T>;
  private readonly limits: SpoolLimits;
  /** Records neither in Redis nor on disk yet, oldest first; all newer than what the spool file holds. */
  private readonly backlog: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  /** Backlog writes and direct deliveries run one at a time, so the backlog's head is never taken twice. */
  private backlogLock: Promise<unknown> = Promise.resolve();
  private holdReason: string | undefined;
  private lost = 0;
  private writeFailures = 0;
  private readonly replicated: ReplicationCheck | undefined;

  constructor(
    private readonly queue: RecordQueue,
    spoolDir: string,
    private readonly kind: DurableRecordKind<T>,
    private readonly log: Logger,
    private readonly addTimeoutMs = 2_000,
    options: DurablePublisherOptions = {},
  ) {
    this.limits = options.limits ?? DEFAULT_SPOOL_LIMITS;
    this.replicated = options.replicated;
    this.spool = new SpoolFile<T>(spoolDir, kind.spoolName, log, options.fs);
  }

  /** Queues the record, or keeps it in the spool (or, while the disk refuses it, in memory); never rejects. */
  async publish(record: T): Promise<void> {
    try {
      // Learn what the disk holds first (once). A spool that cannot open holds nothing readable: it does not hold records back.
      if (!this.spool.isOpen()) await this.spool.open().catch(() => undefined);
      if (this.backlog.length > 0 || (this.spool.isOpen() && this.spool.hasItems())) {
        // Keep order behind what is already spooled.
        await this.keep(record, 'spool not empty');
        return;
      }
      try {
        await this.add(record);
      } catch (err) {
        await this.keep(record, (err as Error).message);
      }
    } catch (err) {
      // keep() handles every failure it knows; this guard keeps `void publish()` from ever rejecting.
      this.log.error({ ...this.kind.describe(record), kind: this.kind.spoolName, err: (err as Error).message }, 'record publish failed unexpectedly');
    }
  }

  /** Starts redelivering the spool every `intervalMs`. */
  startRedelivery(intervalMs = 1_000): void {
    void this.spool.open().catch((err: Error) => this.log.warn({ kind: this.kind.spoolName, err: err.message }, 'spool not available yet; retrying'));
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Stops the redelivery timer. */
  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Delivers spooled records now (file first, then those held in memory), and moves records held in memory
   * to disk once it takes them again; returns how many went out. Never rejects.
   */
  async flush(): Promise<number> {
    if (this.draining) return 0;
    this.draining = true;
    let n = 0;
    try {
      await this.spool.open().catch((err: Error) => this.log.warn({ kind: this.kind.spoolName, err: err.message }, 'spool not available; records wait in memory'));
      if (this.spool.isOpen() && this.spool.hasItems()) {
        const d = await this.spool.drain((r) => this.add(r));
        if (d > 0) this.log.info({ delivered: d, kind: this.kind.spoolName }, 'spooled records delivered');
        n += d;
      }
      // Behind an empty spool file (or none at all: a spool that cannot even open must not hold records back).
      if ((!this.spool.isOpen() || !this.spool.hasItems()) && this.backlog.length > 0) n += await this.withBacklog(() => this.deliverBacklog());
    } catch (err) {
      this.log.warn({ kind: this.kind.spoolName, err: (err as Error).message, code: (err as { code?: string }).code }, 'spool redelivery failed; will retry');
    } finally {
      this.draining = false;
    }
    // Space may have come back: retry writing what waits in memory.
    if (this.backlog.length > 0) await this.persistBacklog();
    return n;
  }

  /** Stops redelivery and delivers what it can; records still held in memory then are lost, and said so loudly. */
  async close(): Promise<void> {
    this.stop();
    await this.flush();
    if (this.backlog.length > 0) {
      this.lost += this.backlog.length;
      this.log.error({ kind: this.kind.spoolName, lostRecords: this.backlog.length, holdReason: this.holdReason, ids: this.backlog.map((r) => this.kind.jobIdOf(r)) }, 'records LOST at shutdown: neither Redis nor the disk took them');
      this.backlog.length = 0;
    }
  }

  /** Whether records wait in the local spool or in memory. */
  hasSpooled(): boolean {
    return this.backlog.length > 0 || this.spool.hasItems();
  }

  /** Where the spool stands (bytes, bound, records held in memory, losses). */
  status(): SpoolStatus {
    return {
      name: this.kind.spoolName,
      bytes: this.spool.size(),
      maxBytes: this.limits.maxBytes,
      alertBytes: this.limits.alertBytes,
      heldInMemory: this.holdReason === undefined ? 0 : this.backlog.length,
      holdReason: this.holdReason,
      lostRecords: this.lost,
      writeFailures: this.writeFailures,
      tornBytesDropped: this.spool.tornBytesDropped(),
    };
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
    // Not on the replicas in time: it stays in the spool and is added again (the same job id: nothing twice).
    await this.replicated?.confirm();
  }

  /** Takes the record into the backlog and writes the backlog to disk; resolves once it is durable or held in memory. */
  private async keep(record: T, reason: string): Promise<void> {
    if (this.backlog.length >= this.limits.memoryRecords) {
      this.lost++;
      this.log.error(
        { ...this.kind.describe(record), kind: this.kind.spoolName, reason, holdReason: this.holdReason, heldInMemory: this.backlog.length, lostRecords: this.lost },
        'record LOST: the disk refuses the spool and its memory bound is full',
      );
      return;
    }
    this.backlog.push(record);
    if (this.holdReason !== undefined) {
      // The disk refused the last write: the redelivery timer retries it, rather than every call end.
      this.log.warn({ ...this.kind.describe(record), kind: this.kind.spoolName, reason, holdReason: this.holdReason, heldInMemory: this.backlog.length }, 'record held in memory');
      return;
    }
    this.log.warn({ ...this.kind.describe(record), kind: this.kind.spoolName, reason }, 'record spooled locally');
    await this.persistBacklog();
  }

  /** Runs `fn` after every earlier backlog operation. */
  private withBacklog<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.backlogLock.then(fn, fn);
    this.backlogLock = run.catch(() => undefined);
    return run;
  }

  /** Writes the backlog to the spool file in batches (one fsync each); stops, holding the rest, when the disk refuses. */
  private persistBacklog(): Promise<void> {
    return this.withBacklog(async () => {
      while (this.backlog.length > 0) {
        const room = this.limits.maxBytes - this.spool.size();
        const batch: T[] = [];
        let bytes = 0;
        for (const r of this.backlog.slice(0, BATCH)) {
          const size = SpoolFile.encodedSize([r]);
          if (bytes + size > room) break;
          batch.push(r);
          bytes += size;
        }
        if (batch.length === 0) {
          this.hold('bound', { bytes: this.spool.size(), maxBytes: this.limits.maxBytes });
          return;
        }
        try {
          await this.spool.append(batch);
        } catch (err) {
          this.writeFailures++;
          this.hold((err as { code?: string }).code ?? 'write_failed', { err: (err as Error).message });
          return;
        }
        this.backlog.splice(0, batch.length);
      }
      this.released('written to disk');
    });
  }

  /** Delivers the backlog straight to the queue (the spool file is empty); stops at the first failure. */
  private async deliverBacklog(): Promise<number> {
    let n = 0;
    while (this.backlog.length > 0) {
      try {
        await this.add(this.backlog[0] as T);
      } catch {
        return n;
      }
      this.backlog.shift();
      n++;
    }
    if (n > 0) this.log.info({ delivered: n, kind: this.kind.spoolName }, 'records held in memory delivered');
    this.released('delivered');
    return n;
  }

  private hold(reason: string, detail: Record<string, unknown>): void {
    if (this.holdReason === reason) return;
    this.holdReason = reason;
    this.log.error(
      { kind: this.kind.spoolName, reason, heldInMemory: this.backlog.length, memoryBound: this.limits.memoryRecords, ...detail },
      'spool refuses records: holding them in memory until the disk takes them or Redis returns',
    );
  }

  private released(how: string): void {
    if (this.holdReason === undefined) return;
    this.log.info({ kind: this.kind.spoolName, was: this.holdReason, how }, 'records held in memory are safe again');
    this.holdReason = undefined;
  }
}
