import { CALL_RATINGS_QUEUE, parseJobData } from '@cti/contracts';
import type { CallRatingRepository } from '@cti/db';
import type { Logger } from './logger.js';

/** Where ratings are stored (CallRatingRepository fits). */
export type CallRatingStore = Pick<CallRatingRepository, 'store'>;

/** Validates and stores one caller's rating, once per call. */
export async function processCallRating(data: unknown, store: CallRatingStore, log: Logger): Promise<boolean> {
  const r = parseJobData(CALL_RATINGS_QUEUE, data);
  const created = await store.store(r);
  log.info({ callId: r.linkedId, rating: r.rating, duplicate: !created }, 'caller rating stored');
  return created;
}
