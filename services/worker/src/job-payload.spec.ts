import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { validJobData } from './job-payload.js';
import { runReportJob } from './report/report.job.js';

describe('validJobData', () => {
  it('hands over the payload as its queue contract parses it', () => {
    expect(validJobData('ticket-deadlines', { ticketId: '12', deadline: 1_780_000_000_000, level: 'red' })).toEqual({ ticketId: '12', deadline: 1_780_000_000_000, level: 'red' });
    expect(validJobData('qa-sampling', {})).toEqual({});
  });

  it('fails a malformed job at once, naming each problem', () => {
    let err: unknown;
    try {
      validJobData('ticket-deadlines', { ticketId: '12', deadline: 'tomorrow', level: 'orange' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/^invalid deadline job: deadline: .*; level: /);
  });
});

describe('runReportJob with a malformed payload', () => {
  it('ends the job at once without reading anything', async () => {
    const deps = { facts: {} as never, agentNames: async () => [], sink: { save: async () => undefined }, overrides: {}, now: 0 };
    await expect(runReportJob({ kind: 'hourly' }, deps)).rejects.toThrow(UnrecoverableError);
    await expect(runReportJob({ kind: 'hourly' }, deps)).rejects.toThrow('invalid report job');
  });
});
