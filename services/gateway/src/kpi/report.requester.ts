import { REPORTS_QUEUE, type ReportJobData } from '@cti/contracts';
import { CtiError } from '@cti/domain';
import type { ReportKind, StoredReport } from '@cti/db';

/** The slice of a BullMQ Queue the requester uses. */
export interface ReportJobQueue {
  add(
    name: string,
    data: ReportJobData,
    opts: { jobId: string; attempts: number; backoff: { type: 'fixed'; delay: number }; removeOnComplete: { age: number }; removeOnFail: { age: number } },
  ): Promise<{ id?: string | undefined }>;
  getJob(id: string): Promise<{ getState(): Promise<string>; failedReason?: string } | undefined>;
}

/** Stored reports (ReportRepository fits). */
export interface ReportStore {
  find(kind: ReportKind, from: number): Promise<StoredReport | undefined>;
}

/**
 * Generates a report on demand through the worker — the one place reports are built — and waits for it:
 * enqueue a job on the reports queue, poll its state, then read the stored report.
 */
export class ReportRequester {
  private seq = 0;

  constructor(
    private readonly queue: ReportJobQueue,
    private readonly store: ReportStore,
    private readonly now: () => number,
    private readonly timeoutMs = 30_000,
  ) {}

  /** The stored report of the period, generated now unless one exists that was made after the period ended. */
  async get(kind: ReportKind, from: number, to: number, regenerate: boolean): Promise<StoredReport> {
    const stored = await this.store.find(kind, from);
    if (stored && !regenerate && stored.generatedAt >= to) return stored;
    const jobId = `report-${kind}-${from}-${this.now()}-${++this.seq}`;
    // A database the worker cannot reach for a moment (a busy host, a restart) is tried again; the worker gives up at
    // once on any other failure (UnrecoverableError), and the whole wait stays within timeoutMs.
    await this.queue.add(REPORTS_QUEUE, { kind, from, to }, { jobId, attempts: 3, backoff: { type: 'fixed', delay: 1_000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86_400 } });
    const deadline = this.now() + this.timeoutMs;
    for (;;) {
      const job = await this.queue.getJob(jobId);
      const state = job ? await job.getState() : 'unknown';
      if (state === 'completed') break;
      if (state === 'failed') throw new CtiError('CTI_ERR_UNAVAILABLE', `report generation failed: ${job?.failedReason ?? 'unknown'}`, { kind, from });
      if (this.now() > deadline) throw new CtiError('CTI_ERR_UNAVAILABLE', 'report generation timed out (is the worker running?)', { kind, from });
      await new Promise((r) => setTimeout(r, 150));
    }
    const made = await this.store.find(kind, from);
    if (!made) throw new CtiError('CTI_ERR_UNAVAILABLE', 'report was generated but not stored', { kind, from });
    return made;
  }
}
