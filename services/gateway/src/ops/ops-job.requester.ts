import { OPS_QUEUE, type OpsJobData } from '@cti/contracts';
import { CtiError } from '@cti/domain';

/** The slice of a BullMQ Queue the requester uses. */
export interface OpsJobQueue {
  add(name: string, data: OpsJobData, opts: { jobId: string; removeOnComplete: { age: number }; removeOnFail: { age: number } }): Promise<{ id?: string | undefined }>;
  getJob(id: string): Promise<{ getState(): Promise<string>; failedReason?: string; returnvalue?: unknown } | undefined>;
}

/**
 * Runs an operations job (inspection, report, backup) on the worker — the one place they are made —
 * and waits for its result: enqueue on the ops queue, poll the job's state, return its return value.
 */
export class OpsJobRequester {
  private seq = 0;

  constructor(
    private readonly queue: OpsJobQueue,
    private readonly now: () => number,
    private readonly timeoutMs = 60_000,
  ) {}

  async run(data: OpsJobData): Promise<unknown> {
    const jobId = `ops-${data.kind}-${this.now()}-${++this.seq}`;
    await this.queue.add(OPS_QUEUE, data, { jobId, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86_400 } });
    const deadline = this.now() + this.timeoutMs;
    for (;;) {
      const job = await this.queue.getJob(jobId);
      const state = job ? await job.getState() : 'unknown';
      if (state === 'completed') return (await this.queue.getJob(jobId))?.returnvalue;
      if (state === 'failed') throw new CtiError('CTI_ERR_UNAVAILABLE', `${data.kind} failed: ${job?.failedReason ?? 'unknown'}`, { kind: data.kind });
      if (this.now() > deadline) throw new CtiError('CTI_ERR_UNAVAILABLE', `${data.kind} timed out (is the worker running?)`, { kind: data.kind });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
