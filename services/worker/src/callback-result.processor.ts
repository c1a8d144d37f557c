import { CALLBACK_RESULTS_QUEUE, parseJobData } from '@cti/contracts';
import { maskPhone, type OutboundCallbackRecord } from '@cti/domain';
import type { Logger } from './logger.js';

/** Stores callback outcomes (CallbackTaskRepository fits, with its retry limit bound). */
export interface CallbackResultStore {
  storeResult(record: OutboundCallbackRecord): Promise<void>;
}

/** Validates and stores one callback outcome, idempotently by its id. */
export async function processCallbackResult(data: unknown, store: CallbackResultStore, log: Logger): Promise<void> {
  const r = parseJobData(CALLBACK_RESULTS_QUEUE, data);
  await store.storeResult(r);
  log.info({ callbackId: r.id, kind: r.kind, result: r.result, caller: maskPhone(r.callerNumber) }, 'callback result stored');
}
