import type { CallRecord } from '@cti/domain';

/** Where finished call records go; must keep the record even when the queue is down, and never throw. */
export interface CallRecordSink {
  publish(record: CallRecord): Promise<void>;
}
