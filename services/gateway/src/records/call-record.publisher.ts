import type { CALLBACK_RESULTS_QUEUE, CALL_RECORDS_QUEUE, JobData } from '@cti/contracts';
import { maskPhone } from '@cti/domain';
import type { Logger } from '../logger.js';
import type { CallRecordSink } from '../call/call-record.sink.js';
import { DurablePublisher, type DurablePublisherOptions, type RecordQueue } from './durable.publisher.js';

export type { RecordQueue } from './durable.publisher.js';

/** Finished inbound calls to the worker, keyed by linkedid; each one a `call-records` job payload (packages/contracts jobs.ts). */
export class CallRecordPublisher extends DurablePublisher<JobData<typeof CALL_RECORDS_QUEUE>> implements CallRecordSink {
  constructor(queue: RecordQueue, spoolDir: string, log: Logger, addTimeoutMs = 2_000, options: DurablePublisherOptions = {}) {
    super(
      queue,
      spoolDir,
      { spoolName: 'call-records', jobName: 'call-record', jobIdOf: (r) => r.linkedId, describe: (r) => ({ callId: r.linkedId, caller: maskPhone(r.callerNumber) }) },
      log,
      addTimeoutMs,
      options,
    );
  }
}

/** Outcomes of outbound callbacks to the worker, keyed by callback id; each one a `callback-results` job payload. */
export class CallbackResultPublisher extends DurablePublisher<JobData<typeof CALLBACK_RESULTS_QUEUE>> {
  constructor(queue: RecordQueue, spoolDir: string, log: Logger, addTimeoutMs = 2_000, options: DurablePublisherOptions = {}) {
    super(
      queue,
      spoolDir,
      { spoolName: 'callback-results', jobName: 'callback-result', jobIdOf: (r) => r.id, describe: (r) => ({ callbackId: r.id, caller: maskPhone(r.callerNumber) }) },
      log,
      addTimeoutMs,
      options,
    );
  }
}
