import { z } from 'zod';
import { PARTNER_LINES, type LinkageRecord } from '@cti/domain';
import type { StoreLinkageResult } from '@cti/db';
import { ms, parsePayload } from './job-payload.js';
import type { Logger } from './logger.js';

/** Stores linkages and applies them to the call's ticket (LinkageRepository fits). */
export interface LinkageStore {
  store(record: LinkageRecord): Promise<StoreLinkageResult>;
}


/** A linkage as it arrives from the queue. */
export const linkageRecordSchema = z.object({
  id: z.string().min(1).max(200),
  linkedId: z.string().min(1).max(128),
  /** A directory line, or `external` for a transfer to an outside number. */
  partner: z.enum([...PARTNER_LINES, 'external']),
  number: z.string().regex(/^[0-9*#+]{1,32}$/),
  mode: z.enum(['transfer', 'three_way']),
  agentId: z.string().max(64).optional(),
  trunk: z.enum(['primary', 'backup']).optional(),
  dialledAt: ms,
  answeredAt: ms.optional(),
  agentLeftAt: ms.optional(),
  endedAt: ms,
  result: z.enum(['answered', 'no_answer', 'failed', 'cancelled']),
});

/**
 * Validates and stores one linkage, idempotently by id. The call's ticket may not exist yet (the call record is still
 * on its way): the store throws CTI_ERR_NOT_FOUND and BullMQ retries the job with backoff.
 */
export async function processLinkage(data: unknown, store: LinkageStore, log: Logger): Promise<StoreLinkageResult> {
  const r = parsePayload(linkageRecordSchema, data, 'linkage record') as LinkageRecord;
  const result = await store.store(r);
  log.info({ linkageId: r.id, callId: r.linkedId, partner: r.partner, result: r.result, ticketId: result.ticketId, ticketState: result.ticketState, duplicate: !result.created }, 'linkage stored');
  return result;
}
