import { CALL_RECORDS_QUEUE, parseJobData } from '@cti/contracts';
import { maskPhone, type CallRecord } from '@cti/domain';
import type { StoreCallResult } from '@cti/db';
import type { Logger } from './logger.js';

/** The storage the processor needs (CallRepository fits). */
export interface CallRecordStore {
  storeCallRecord(record: CallRecord): Promise<StoreCallResult>;
}

/** Opens missed-call callback tasks for abandoned calls (CallbackTaskRepository fits, with its threshold bound). */
export interface MissedCallTasks {
  openForAbandoned(record: CallRecord): Promise<string | null>;
}

/** Turns one queued call record into a call row and (for answered calls) an intake ticket, idempotently. */
export async function processCallRecord(data: unknown, store: CallRecordStore, log: Logger, missed?: MissedCallTasks): Promise<StoreCallResult> {
  // Anything but a call record (packages/contracts jobs.ts) is rejected, not guessed at.
  const record = parseJobData(CALL_RECORDS_QUEUE, data);
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
