import { UnrecoverableError } from 'bullmq';
import { parseJobData, type JobData, type JobQueueName } from '@cti/contracts';
import { CtiError } from '@cti/domain';

/**
 * A job's payload by its queue's contract (packages/contracts jobs.ts). A malformed payload fails the job at once
 * (UnrecoverableError naming each problem): no retry can mend it. Processors that report a bad record themselves
 * (call records, linkages, callback results) call parseJobData and let their caller decide.
 */
export function validJobData<Q extends JobQueueName>(queue: Q, data: unknown): JobData<Q> {
  try {
    return parseJobData(queue, data);
  } catch (err) {
    if (err instanceof CtiError && err.code === 'CTI_ERR_VALIDATION') {
      const issues = err.details.issues;
      throw new UnrecoverableError(Array.isArray(issues) ? `${err.message}: ${issues.join('; ')}` : err.message);
    }
    throw err;
  }
}
