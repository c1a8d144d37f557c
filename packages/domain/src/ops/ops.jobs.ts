/**
 * BullMQ queue of operations jobs: daily inspections, weekly/quarterly/annual reports, database backups.
 * Named here because both the gateway (run-now requests) and the worker (consumer) need it.
 */
export const OPS_QUEUE = 'ops-jobs';

/** One operations job. `from`/`to` pick a report's period (default: the last complete one). */
export type OpsJobData =
  | { kind: 'inspection'; trigger: 'schedule' | 'manual' }
  | { kind: 'report'; report: 'weekly' | 'quarterly' | 'annual'; from?: number; to?: number }
  | { kind: 'backup'; trigger: 'schedule' | 'manual' };
