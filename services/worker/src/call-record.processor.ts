import { z } from 'zod';
import { maskPhone, type CallRecord } from '@cti/domain';
import type { StoreCallResult } from '@cti/db';
import { ms, parsePayload } from './job-payload.js';
import type { Logger } from './logger.js';

/** The storage the processor needs (CallRepository fits). */
export interface CallRecordStore {
  storeCallRecord(record: CallRecord): Promise<StoreCallResult>;
}


/** A call record as it arrives from the queue; anything else is rejected, not guessed at. */
export const callRecordSchema = z.object({
  linkedId: z.string().min(1).max(128),
  trunk: z.enum(['primary', 'backup']),
  callerNumber: z.string().max(64),
  did: z.string().min(1).max(32),
  language: z.enum(['mandarin', 'tibetan']),
  arrivedAt: ms,
  queuedAt: ms.optional(),
  offeredAt: ms.optional(),
  answeredAt: ms.optional(),
  endedAt: ms,
  agentId: z.string().max(64).optional(),
  seat: z.string().max(64).optional(),
  outcome: z.enum(['answered', 'abandoned', 'failed']),
  endedBy: z.enum(['caller', 'agent', 'system']).optional(),
  hangupCause: z.number().int().min(0).max(127).optional(),
  offers: z.number().int().nonnegative(),
  viaFallback: z.boolean().optional(),
  callbackRequestedAt: ms.optional(),
  recording: z.string().regex(/^[0-9A-Za-z._\/-]{1,200}$/).refine((r) => !r.split('/').includes('..'), 'no .. segments').optional(),
});

/** Opens missed-call callback tasks for abandoned calls (CallbackTaskRepository fits, with its threshold bound). */
export interface MissedCallTasks {
  openForAbandoned(record: CallRecord): Promise<string | null>;
}

/** Turns one queued call record into a call row and (for answered calls) an intake ticket, idempotently. */
export async function processCallRecord(data: unknown, store: CallRecordStore, log: Logger, missed?: MissedCallTasks): Promise<StoreCallResult> {
  const record = parsePayload(callRecordSchema, data, 'call record') as CallRecord;
  const result = await store.storeCallRecord(record);
  // After the call row exists (the task refers to it); idempotent: one task per number per day.
  const taskId = missed ? await missed.openForAbandoned(record) : null;
  if (taskId) log.info({ callId: record.linkedId, taskId }, 'missed-call callback task opened');
  log.info(
    { callId: record.linkedId, caller: maskPhone(record.callerNumber), outcome: record.outcome, ticketId: result.ticketId, duplicate: !result.callCreated },
    'call record stored',
  );
  return result;
}
