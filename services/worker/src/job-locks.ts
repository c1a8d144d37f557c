import type { Config } from '@cti/contracts';

/**
 * The lock every worker holds on a job it runs (docs/domain.md §21). BullMQ renews it while the job runs, however
 * long (a backup may take minutes); when the worker dies it lapses, and within another interval a live worker moves
 * the job back to the queue and runs it. One setting for every queue, so a dead worker's SMS or linkage waits no
 * longer than its call records.
 */
export const jobLocks = (c: Pick<Config, 'CTI_WORKER_LOCK_MS'>): { lockDuration: number; stalledInterval: number } => ({
  lockDuration: c.CTI_WORKER_LOCK_MS,
  stalledInterval: c.CTI_WORKER_LOCK_MS,
});
