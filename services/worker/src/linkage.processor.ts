import { LINKAGES_QUEUE, parseJobData } from '@cti/contracts';
import type { LinkageRecord } from '@cti/domain';
import type { StoreLinkageResult } from '@cti/db';
import type { Logger } from './logger.js';

/** Stores linkages and applies them to the call's ticket (LinkageRepository fits). */
export interface LinkageStore {
  store(record: LinkageRecord): Promise<StoreLinkageResult>;
}

/**
 * Validates and stores one linkage, idempotently by id. The call's ticket may not exist yet (the call record is still
 * on its way): the store throws CTI_ERR_NOT_FOUND and BullMQ retries the job with backoff.
 */
export async function processLinkage(data: unknown, store: LinkageStore, log: Logger): Promise<StoreLinkageResult> {
  const r = parseJobData(LINKAGES_QUEUE, data);
  const result = await store.store(r);
  log.info({ linkageId: r.id, callId: r.linkedId, partner: r.partner, result: r.result, ticketId: result.ticketId, ticketState: result.ticketState, duplicate: !result.created }, 'linkage stored');
  return result;
}
