// Every BullMQ queue between the gateway and the worker (and the worker's own), by name. A queue name is written here
// and nowhere else; the payload of each queue is a schema in jobs.ts.

/** BullMQ queue carrying finished call records from the gateway to the worker. */
export const CALL_RECORDS_QUEUE = 'call-records';

/** BullMQ queue carrying callers' ratings of calls (pressed 1–5 after the agent ended the call) to the worker. */
export const CALL_RATINGS_QUEUE = 'call-ratings';

/** BullMQ queue of report generation jobs (scheduled by the worker, on demand from the gateway). */
export const REPORTS_QUEUE = 'kpi-reports';

/** BullMQ queue carrying outcomes of outbound callbacks (virtual hold, missed calls) to the worker. */
export const CALLBACK_RESULTS_QUEUE = 'callback-results';

/** BullMQ queue carrying finished emergency/utility linkages from the gateway to the worker. */
export const LINKAGES_QUEUE = 'linkages';

/** BullMQ queue of the worker's daily recording retention sweep. */
export const RECORDING_RETENTION_QUEUE = 'recording-retention';

/**
 * BullMQ queue of operations jobs: daily inspections, weekly/quarterly/annual reports, database backups.
 * Both the gateway (run-now requests) and the worker (consumer) use it.
 */
export const OPS_QUEUE = 'ops-jobs';

/** BullMQ queue of delayed deadline jobs (yellow/red warnings, 催办, 督办). */
export const TICKET_DEADLINES_QUEUE = 'ticket-deadlines';

/** BullMQ queue of SMS messages taken from the outbox. */
export const SMS_QUEUE = 'sms';

/** BullMQ queue of outbound pushes to the 110 platform, retried with exponential backoff. */
export const EXCHANGE_PUSH_QUEUE = 'exchange-push';

/** BullMQ queue of monthly QA sampling runs (a repeatable job plus on-demand runs). */
export const QA_SAMPLING_QUEUE = 'qa-sampling';
