// The payload of every BullMQ queue (queues.ts names them), as a zod schema with its type inferred from it. A
// producer builds a JobData<queue>; the worker parses what it takes off the queue with parseJobData and works on the
// parsed value, never on a cast. Where the domain already has the type (call records, callbacks, linkages) a
// compile-time check below keeps schema and domain type the same.
import { z } from 'zod';
import { CtiError, EXTERNAL_LINKAGE_PARTNER, PARTNER_LINES, type CallRecord, type LinkageRecord, type OutboundCallbackRecord } from '@cti/domain';
import {
  CALL_RATINGS_QUEUE,
  CALLBACK_RESULTS_QUEUE,
  CALL_RECORDS_QUEUE,
  EXCHANGE_PUSH_QUEUE,
  LINKAGES_QUEUE,
  OPS_QUEUE,
  QA_SAMPLING_QUEUE,
  RECORDING_RETENTION_QUEUE,
  REPORTS_QUEUE,
  SMS_QUEUE,
  TICKET_DEADLINES_QUEUE,
} from './queues.js';

/** Epoch milliseconds in a job payload. */
export const epochMs = z.number().int().nonnegative();

/** A period bound (epoch ms) of a report job, as the gateway's period arithmetic computes it. */
const periodBound = z.number().int();

const trunk = z.enum(['primary', 'backup']);

/** A finished inbound call (the domain's CallRecord), `call-records`. */
export const callRecordJobSchema = z.object({
  linkedId: z.string().min(1).max(128),
  trunk,
  callerNumber: z.string().max(64),
  did: z.string().min(1).max(32),
  language: z.enum(['mandarin', 'tibetan']),
  arrivedAt: epochMs,
  queuedAt: epochMs.optional(),
  offeredAt: epochMs.optional(),
  answeredAt: epochMs.optional(),
  endedAt: epochMs,
  agentId: z.string().max(64).optional(),
  seat: z.string().max(64).optional(),
  outcome: z.enum(['answered', 'abandoned', 'failed']),
  endedBy: z.enum(['caller', 'agent', 'system']).optional(),
  hangupCause: z.number().int().min(0).max(127).optional(),
  offers: z.number().int().nonnegative(),
  viaFallback: z.boolean().optional(),
  callbackRequestedAt: epochMs.optional(),
  recording: z
    .string()
    .regex(/^[0-9A-Za-z._\/-]{1,200}$/)
    .refine((r) => !r.split('/').includes('..'), 'no .. segments')
    .optional(),
});
export type CallRecordJob = z.infer<typeof callRecordJobSchema>;

/** A caller's rating of a call (1 very dissatisfied … 5 very satisfied), `call-ratings`; keyed by the call's linkedId. */
export const callRatingJobSchema = z.object({
  linkedId: z.string().min(1).max(128),
  rating: z.number().int().min(1).max(5),
  ratedAt: epochMs,
});
export type CallRatingJob = z.infer<typeof callRatingJobSchema>;

/** A finished emergency or utility linkage (the domain's LinkageRecord), `linkages`. */
export const linkageJobSchema = z.object({
  id: z.string().min(1).max(200),
  linkedId: z.string().min(1).max(128),
  /** A directory line, or `external` for a transfer to an outside number. */
  partner: z.enum([...PARTNER_LINES, EXTERNAL_LINKAGE_PARTNER]),
  number: z.string().regex(/^[0-9*#+]{1,32}$/),
  mode: z.enum(['transfer', 'three_way']),
  agentId: z.string().max(64).optional(),
  trunk: trunk.optional(),
  dialledAt: epochMs,
  answeredAt: epochMs.optional(),
  agentLeftAt: epochMs.optional(),
  endedAt: epochMs,
  result: z.enum(['answered', 'no_answer', 'failed', 'cancelled']),
});
export type LinkageJob = z.infer<typeof linkageJobSchema>;

/** An outbound callback's outcome (the domain's OutboundCallbackRecord), `callback-results`. */
export const callbackResultJobSchema = z.object({
  id: z.string().min(1).max(160),
  kind: z.enum(['virtual_hold', 'missed_call', 'ticket_callback']),
  linkedId: z.string().min(1).max(128),
  taskId: z.string().regex(/^\d+$/).optional(),
  callerNumber: z.string().max(64),
  requestedAt: epochMs,
  agentId: z.string().max(64).optional(),
  dialledAt: epochMs.optional(),
  answeredAt: epochMs.optional(),
  endedAt: epochMs,
  trunk: trunk.optional(),
  result: z.enum(['reached', 'unreachable', 'agent_unavailable', 'cancelled']),
});
export type CallbackResultJob = z.infer<typeof callbackResultJobSchema>;

/** A report generation job, `kpi-reports`: the kind and the Beijing period [from, to) (absent: the last complete one). */
export const reportJobSchema = z.object({
  kind: z.enum(['daily', 'weekly', 'monthly']),
  from: periodBound.optional(),
  to: periodBound.optional(),
});
export type ReportJobData = z.infer<typeof reportJobSchema>;

const opsTrigger = z.enum(['schedule', 'manual']);

/** One operations job, `ops-jobs`. `from`/`to` pick a report's period (default: the last complete one). */
export const opsJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('inspection'), trigger: opsTrigger }),
  z.object({ kind: z.literal('report'), report: z.enum(['weekly', 'quarterly', 'annual']), from: periodBound.optional(), to: periodBound.optional() }),
  z.object({ kind: z.literal('backup'), trigger: opsTrigger }),
]);
export type OpsJobData = z.infer<typeof opsJobSchema>;

/** A delayed deadline job, `ticket-deadlines`: raise `level` for the ticket if its deadline is still `deadline`. */
export const deadlineJobSchema = z.object({
  ticketId: z.string().min(1),
  deadline: epochMs,
  level: z.enum(['yellow', 'red']),
});
export type DeadlineJobData = z.infer<typeof deadlineJobSchema>;

/** One SMS of the outbox to send, `sms`. */
export const smsJobSchema = z.object({ smsId: z.string().min(1) });
export type SmsJobData = z.infer<typeof smsJobSchema>;

/** One push of the exchange outbox to the 110 platform, `exchange-push`. */
export const exchangePushJobSchema = z.object({ messageId: z.string().min(1) });
export type ExchangePushJobData = z.infer<typeof exchangePushJobSchema>;

/** A QA sampling run, `qa-sampling`: the Beijing month 'YYYY-MM' (absent: the month just ended). */
export const qaSamplingJobSchema = z.object({ period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).optional() });
export type QaSamplingJobData = z.infer<typeof qaSamplingJobSchema>;

/** The daily recording retention sweep, `recording-retention`: it carries nothing (the worker reads the configuration). */
export const recordingRetentionJobSchema = z.object({});
export type RecordingRetentionJobData = z.infer<typeof recordingRetentionJobSchema>;

/** Every queue's payload schema. */
export const JOB_SCHEMAS = {
  [CALL_RECORDS_QUEUE]: callRecordJobSchema,
  [CALL_RATINGS_QUEUE]: callRatingJobSchema,
  [LINKAGES_QUEUE]: linkageJobSchema,
  [CALLBACK_RESULTS_QUEUE]: callbackResultJobSchema,
  [REPORTS_QUEUE]: reportJobSchema,
  [OPS_QUEUE]: opsJobSchema,
  [TICKET_DEADLINES_QUEUE]: deadlineJobSchema,
  [SMS_QUEUE]: smsJobSchema,
  [EXCHANGE_PUSH_QUEUE]: exchangePushJobSchema,
  [QA_SAMPLING_QUEUE]: qaSamplingJobSchema,
  [RECORDING_RETENTION_QUEUE]: recordingRetentionJobSchema,
} as const;

/** The name of a queue with a payload contract (every queue in queues.ts). */
export type JobQueueName = keyof typeof JOB_SCHEMAS;

/** What a producer puts on the queue, and what the worker gets back from parseJobData. */
export type JobData<Q extends JobQueueName> = z.output<(typeof JOB_SCHEMAS)[Q]>;

function parseWith<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new CtiError('CTI_ERR_VALIDATION', `invalid ${what}`, { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  return parsed.data;
}

// One parser per queue, each naming what one job is in its messages ("invalid call record").
const PARSERS: { readonly [Q in JobQueueName]: (data: unknown) => JobData<Q> } = {
  [CALL_RECORDS_QUEUE]: (d) => parseWith(callRecordJobSchema, d, 'call record'),
  [CALL_RATINGS_QUEUE]: (d) => parseWith(callRatingJobSchema, d, 'call rating'),
  [LINKAGES_QUEUE]: (d) => parseWith(linkageJobSchema, d, 'linkage record'),
  [CALLBACK_RESULTS_QUEUE]: (d) => parseWith(callbackResultJobSchema, d, 'callback result'),
  [REPORTS_QUEUE]: (d) => parseWith(reportJobSchema, d, 'report job'),
  [OPS_QUEUE]: (d) => parseWith(opsJobSchema, d, 'operations job'),
  [TICKET_DEADLINES_QUEUE]: (d) => parseWith(deadlineJobSchema, d, 'deadline job'),
  [SMS_QUEUE]: (d) => parseWith(smsJobSchema, d, 'SMS job'),
  [EXCHANGE_PUSH_QUEUE]: (d) => parseWith(exchangePushJobSchema, d, 'exchange push job'),
  [QA_SAMPLING_QUEUE]: (d) => parseWith(qaSamplingJobSchema, d, 'QA sampling job'),
  [RECORDING_RETENTION_QUEUE]: (d) => parseWith(recordingRetentionJobSchema, d, 'recording retention job'),
};

/**
 * The queue's payload checked against its schema; anything else is CTI_ERR_VALIDATION ("invalid call record") with
 * one line per problem ("path: message") in `details.issues`, so a bad job is reported, never guessed at.
 */
export function parseJobData<Q extends JobQueueName>(queue: Q, data: unknown): JobData<Q> {
  const parse: (data: unknown) => JobData<Q> = PARSERS[queue];
  return parse(data);
}

// Compile-time checks: the schemas describe exactly the domain's record types (a field added to one and not the
// other fails the build).
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;
export type JobSchemasMatchTheDomain = Holds<Same<CallRecordJob, CallRecord> & Same<LinkageJob, LinkageRecord> & Same<CallbackResultJob, OutboundCallbackRecord>>;

/**
 * The key an ops job's results are stored under (inspection, report, backup): one per job, and for a scheduled job one
 * per tick, since its id names the tick. The job's creation time is part of it because BullMQ's numbering of jobs
 * without an id of their own starts again at 1 if Redis loses its data.
 */
export const opsJobKey = (job: { id?: string; timestamp: number }): string => `${OPS_QUEUE}:${job.id}@${job.timestamp}`;
