import type { CALL_RATINGS_QUEUE, JobData } from '@cti/contracts';
import type { Logger } from '../logger.js';
import { DurablePublisher, type DurablePublisherOptions, type RecordQueue } from '../records/durable.publisher.js';

/** Callers' ratings to the worker, keyed by the call's linkedid; spooled locally while Redis is away. */
export class CallRatingPublisher extends DurablePublisher<JobData<typeof CALL_RATINGS_QUEUE>> {
  constructor(queue: RecordQueue, spoolDir: string, log: Logger, addTimeoutMs = 2_000, options: DurablePublisherOptions = {}) {
    super(queue, spoolDir, { spoolName: 'call-ratings', jobName: 'call-rating', jobIdOf: (r) => r.linkedId, describe: (r) => ({ callId: r.linkedId, rating: r.rating }) }, log, addTimeoutMs, options);
  }
}
