import { describe, expect, it } from 'vitest';
import { createKpiConfig } from './kpi.config.js';
import type { CallFact } from './kpi.fact.js';
import { qaCoverage } from './qa-coverage.kpi.js';

const from = Date.UTC(2026, 0, 1);
const period = { from, to: Date.UTC(2026, 1, 1) };
const answered = (callId: string, at: number): CallFact => ({
  callId, line: '12345', trunk: 'p', offeredAt: at, answeredAt: at, endedAt: at + 1000, outcome: 'answered', agentId: 'a', waitMs: 0,
});

describe('qaCoverage', () => {
  const calls: CallFact[] = [
    answered('q1', from), answered('q2', from + 1), answered('q3', from + 2), answered('q4', from + 3),
    { callId: 'q5', line: '12345', trunk: 'p', offeredAt: from, endedAt: from + 9000, outcome: 'abandoned', waitMs: 9000 },
    answered('old', from - 1),
  ];

  it('counts answered calls of the period with a review once, however many reviews they have: 2 / 4', () => {
    const reviews = [
      { callId: 'q1', agentId: 'a', score: 90 },
      { callId: 'q1', agentId: 'a', score: 70 },
      { callId: 'q2', agentId: 'a', score: 80 },
      { callId: 'old', agentId: 'a', score: 50 },
    ];
    expect(qaCoverage(calls, reviews, createKpiConfig(), period)).toMatchObject({ numerator: 2, denominator: 4, value: 0.5, target: 0.1, pass: true });
  });

  it('fails the 10% target with no reviews', () => {
    expect(qaCoverage(calls, [], createKpiConfig(), period)).toMatchObject({ value: 0, pass: false });
  });
});
