import type { JobData, LINKAGES_QUEUE } from '@cti/contracts';
import type { Logger } from '../logger.js';
import { DurablePublisher, type DurablePublisherOptions, type RecordQueue } from '../records/durable.publisher.js';
import type { LinkageSink } from './linkage.service.js';

/** Finished linkages to the worker, keyed by linkage id; spooled locally while Redis is away. Each one a `linkages` job payload. */
export class LinkagePublisher extends DurablePublisher<JobData<typeof LINKAGES_QUEUE>> implements LinkageSink {
  constructor(queue: RecordQueue, spoolDir: string, log: Logger, addTimeoutMs = 2_000, options: DurablePublisherOptions = {}) {
    super(queue, spoolDir, { spoolName: 'linkages', jobName: 'linkage', jobIdOf: (r) => r.id, describe: (r) => ({ linkageId: r.id, callId: r.linkedId, partner: r.partner }) }, log, addTimeoutMs, options);
  }
}
