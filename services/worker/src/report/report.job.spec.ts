import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { ReportFactSource } from './report.builder.js';
import { runReportJob } from './report.job.js';

const failingWith = (err: Error) => ({
  facts: { kpiConfig: () => Promise.reject(err), facts: () => Promise.reject(err), ticketsByCategory: () => Promise.reject(err) } satisfies ReportFactSource,
  agentNames: async () => [],
  sink: { save: async () => undefined },
  overrides: {},
  now: Date.UTC(2026, 11, 6, 4),
});

describe('runReportJob', () => {
  it('leaves a database out of reach for the job’s next attempt (the error as it came)', async () => {
    const err = new Error('timeout exceeded when trying to connect');
    await expect(runReportJob({ kind: 'daily' }, failingWith(err))).rejects.toBe(err);
  });

  it('ends the job at once on any other failure', async () => {
    await expect(runReportJob({ kind: 'daily' }, failingWith(new Error('column "x" does not exist')))).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
