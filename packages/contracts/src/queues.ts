/** BullMQ queue carrying finished call records from the gateway to the worker. */
export const CALL_RECORDS_QUEUE = 'call-records';

/** BullMQ queue of report generation jobs (scheduled by the worker, on demand from the gateway). */
export const REPORTS_QUEUE = 'kpi-reports';

/** BullMQ queue carrying outcomes of outbound callbacks (virtual hold, missed calls) to the worker. */
export const CALLBACK_RESULTS_QUEUE = 'callback-results';

/** A report generation job: the kind and the Beijing period [from, to) in epoch ms (absent: the last complete one). */
export interface ReportJobData {
  kind: 'daily' | 'weekly' | 'monthly';
  from?: number;
  to?: number;
}

/** BullMQ queue carrying finished emergency/utility linkages from the gateway to the worker. */
export const LINKAGES_QUEUE = 'linkages';

/** BullMQ queue of the worker's daily recording retention sweep. */
export const RECORDING_RETENTION_QUEUE = 'recording-retention';
