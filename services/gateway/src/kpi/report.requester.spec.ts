import { describe, expect, it } from 'vitest';
import { ReportRequester, type ReportJobQueue } from './report.requester.js';

const stored = { kind: 'daily' as const, from: 0, to: 10, generatedAt: 20, html: '', csv: '', summary: {} };

function queueGoingThrough(states: string[]) {
  const added: Array<Parameters<ReportJobQueue['add']>[2]> = [];
  let i = 0;
  const queue: ReportJobQueue = {
    add: async (_n, _d, opts) => (added.push(opts), { id: opts.jobId }),
    getJob: async () => ({ getState: async () => states[Math.min(i++, states.length - 1)] as string, failedReason: 'column "x" does not exist' }),
  };
  return { queue, added };
}

describe('ReportRequester', () => {
  it('asks for a job that is tried again while the database is out of reach, and waits through the retry', async () => {
    const { queue, added } = queueGoingThrough(['active', 'delayed', 'waiting', 'active', 'completed']);
    const report = new ReportRequester(queue, { find: async () => stored }, () => 0);
    expect(await report.get('daily', 0, 10, true)).toEqual(stored); // regenerate: a job is run even though one is stored
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ attempts: 3, backoff: { type: 'fixed', delay: 1000 } });
  });

  it('answers 503 with the worker’s reason once the job failed for good', async () => {
    const { queue } = queueGoingThrough(['active', 'failed']);
    const report = new ReportRequester(queue, { find: async () => undefined }, () => 0);
    await expect(report.get('daily', 0, 10, true)).rejects.toMatchObject({ code: 'CTI_ERR_UNAVAILABLE', message: 'report generation failed: column "x" does not exist' });
  });
});
