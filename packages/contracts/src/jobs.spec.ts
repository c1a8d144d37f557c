import { describe, expect, it } from 'vitest';
import { CtiError, type CallRecord, type LinkageRecord, type OutboundCallbackRecord } from '@cti/domain';
import { JOB_SCHEMAS, parseJobData, type JobData, type JobQueueName } from './jobs.js';
import * as queues from './queues.js';

const callRecord: CallRecord = {
  linkedId: '1780000000.17',
  trunk: 'primary',
  callerNumber: '13800001234',
  did: '12345',
  language: 'mandarin',
  arrivedAt: 1_780_000_000_000,
  queuedAt: 1_780_000_001_000,
  offeredAt: 1_780_000_002_000,
  answeredAt: 1_780_000_005_000,
  endedAt: 1_780_000_100_000,
  agentId: 'a07',
  seat: 'seat-07',
  outcome: 'answered',
  endedBy: 'agent',
  hangupCause: 16,
  offers: 1,
  recording: '2026/06/01/1780000000.17.wav',
};

const linkage: LinkageRecord = {
  id: '1780000000.17-lk1-1780000010000',
  linkedId: '1780000000.17',
  partner: '119',
  number: '119',
  mode: 'three_way',
  agentId: 'a07',
  trunk: 'backup',
  dialledAt: 1_780_000_010_000,
  answeredAt: 1_780_000_012_000,
  endedAt: 1_780_000_060_000,
  result: 'answered',
};

const callback: OutboundCallbackRecord = {
  id: 'cb-1',
  kind: 'missed_call',
  linkedId: '1780000000.18',
  taskId: '42',
  callerNumber: '13900005678',
  requestedAt: 1_780_000_000_000,
  agentId: 'a02',
  dialledAt: 1_780_000_300_000,
  endedAt: 1_780_000_330_000,
  result: 'unreachable',
};

/** For each queue: a payload its producer adds, and a malformed one with the reason it must be refused for. */
const cases: { [Q in JobQueueName]: { valid: JobData<Q>[]; invalid: [unknown, string][] } } = {
  'call-records': {
    valid: [callRecord, { linkedId: 'x', trunk: 'backup', callerNumber: '', did: '12345', language: 'tibetan', arrivedAt: 0, endedAt: 1, outcome: 'abandoned', offers: 0 }],
    invalid: [
      [{ ...callRecord, trunk: 'carrier-pigeon' }, 'trunk: '],
      [{ ...callRecord, hangupCause: 300 }, 'hangupCause: '],
      [{ ...callRecord, recording: '2026/../../etc/passwd' }, 'recording: no .. segments'],
      [{ ...callRecord, arrivedAt: -1 }, 'arrivedAt: '],
    ],
  },
  'call-ratings': {
    valid: [{ linkedId: '1780000000.17', rating: 5, ratedAt: 1_780_000_100_000 }, { linkedId: 'x', rating: 1, ratedAt: 0 }],
    invalid: [
      [{ linkedId: '1780000000.17', rating: 0, ratedAt: 1 }, 'rating: '],
      [{ linkedId: '1780000000.17', rating: 3.5, ratedAt: 1 }, 'rating: '],
      [{ linkedId: '', rating: 3, ratedAt: 1 }, 'linkedId: '],
    ],
  },
  linkages: {
    valid: [linkage, { ...linkage, partner: 'external', number: '013900001111', mode: 'transfer', result: 'no_answer' }],
    invalid: [
      [{ ...linkage, partner: '911' }, 'partner: '],
      [{ ...linkage, number: '119; rm' }, 'number: '],
    ],
  },
  'callback-results': {
    valid: [callback],
    invalid: [
      [{ ...callback, taskId: 'task-42' }, 'taskId: '],
      [{ ...callback, result: 'maybe' }, 'result: '],
    ],
  },
  'kpi-reports': {
    valid: [{ kind: 'daily' }, { kind: 'monthly', from: 1_777_564_800_000, to: 1_780_243_200_000 }],
    invalid: [
      [{ kind: 'hourly' }, 'kind: '],
      [{ kind: 'weekly', from: '2026-06-01' }, 'from: '],
    ],
  },
  'ops-jobs': {
    valid: [{ kind: 'inspection', trigger: 'schedule' }, { kind: 'report', report: 'quarterly', from: 1, to: 2 }, { kind: 'backup', trigger: 'manual' }],
    invalid: [
      [{ kind: 'reboot', trigger: 'manual' }, 'kind: '],
      [{ kind: 'report', report: 'daily' }, 'report: '],
      [{ kind: 'backup' }, 'trigger: '],
    ],
  },
  'ticket-deadlines': {
    valid: [{ ticketId: '123', deadline: 1_780_000_000_000, level: 'yellow' }],
    invalid: [
      [{ ticketId: '123', deadline: 1_780_000_000_000, level: 'orange' }, 'level: '],
      [{ ticketId: '', deadline: 1, level: 'red' }, 'ticketId: '],
    ],
  },
  sms: { valid: [{ smsId: '7' }], invalid: [[{}, 'smsId: ']] },
  'exchange-push': { valid: [{ messageId: '9' }], invalid: [[{ messageId: 9 }, 'messageId: ']] },
  'qa-sampling': { valid: [{}, { period: '2026-05' }], invalid: [[{ period: '2026-13' }, 'period: ']] },
  'recording-retention': { valid: [{}], invalid: [[null, ': ']] },
};

describe('job payload contracts', () => {
  it('has a schema for every queue name and a case here for every schema', () => {
    expect(Object.keys(JOB_SCHEMAS).sort()).toEqual(Object.values(queues).sort());
    expect(Object.keys(cases).sort()).toEqual(Object.keys(JOB_SCHEMAS).sort());
  });

  for (const queue of Object.keys(cases) as JobQueueName[]) {
    const { valid, invalid } = cases[queue];
    it.each(valid.map((v, i) => [i, v] as const))(`${queue}: accepts what its producer adds (#%i) unchanged`, (_i, payload) => {
      // A JSON round trip, as BullMQ stores the job.
      expect(parseJobData(queue, JSON.parse(JSON.stringify(payload)))).toEqual(payload);
    });
    it.each(invalid)(`${queue}: refuses %j with its reason`, (payload, reason) => {
      let err: unknown;
      try {
        parseJobData(queue, payload);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CtiError);
      expect(err).toMatchObject({ code: 'CTI_ERR_VALIDATION', message: expect.stringMatching(/^invalid /) });
      const issues = (err as CtiError).details?.issues as string[];
      expect(issues.some((i) => i.startsWith(reason)), `${issues.join('; ')} names ${reason}`).toBe(true);
    });
  }

  it('names the job in the message the worker logs and the gateway sees as the failed reason', () => {
    expect(() => parseJobData('call-records', { ...callRecord, outcome: 'maybe' })).toThrow('invalid call record');
    expect(() => parseJobData('linkages', {})).toThrow('invalid linkage record');
    expect(() => parseJobData('callback-results', {})).toThrow('invalid callback result');
  });

  it('drops keys the contract does not know (a newer producer cannot smuggle fields into storage)', () => {
    expect(parseJobData('sms', { smsId: '7', body: 'x' })).toEqual({ smsId: '7' });
  });
});
