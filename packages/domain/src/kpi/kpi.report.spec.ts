import { describe, expect, it } from 'vitest';
import { answerRate } from './answer-rate.kpi.js';
import { createKpiConfig } from './kpi.config.js';
import type { CallFact, TicketFact } from './kpi.fact.js';
import { contractKpiTable } from './kpi.report.js';

const from = Date.UTC(2026, 0, 1);
const period = { from, to: Date.UTC(2026, 1, 1) };
const config = createKpiConfig();

describe('contractKpiTable', () => {
  const calls: CallFact[] = [
    { callId: 'c1', line: '12345', trunk: 'p', offeredAt: from, answeredAt: from + 3000, endedAt: from + 60_000, outcome: 'answered', agentId: 'a', waitMs: 3000 },
    { callId: 'c2', line: '12345', trunk: 'p', offeredAt: from, endedAt: from + 30_000, outcome: 'abandoned', waitMs: 30_000, calledBackAt: from + 90_000 },
  ];
  const tickets: TicketFact[] = [
    { ticketId: 't1', category: 'consultation', acceptedAt: from, resolvedAtIntake: true, dispatched: false, returnedOrReassigned: false, qaReviewed: false, callerNumber: 'x', satisfaction: 'satisfied', firstCallResolved: true },
  ];
  const table = contractKpiTable({ calls, tickets, agentIntervals: [], qaReviews: [{ callId: 'c1', agentId: 'a', score: 95 }] }, config, period);
  const byKey = new Map(table.map((r) => [r.key, r]));

  it('lists the contract KPIs in contract order with their Chinese names', () => {
    expect(table.map((r) => r.key)).toEqual([
      'answer_rate', 'answered_within_threshold', 'abandoned_called_back', 'satisfaction', 'on_time_closure', 'direct_answer',
      'first_call_resolution', 'transfer_accuracy', 'form_accuracy', 'agent_answer_efficiency', 'utilization', 'qa_coverage',
    ]);
    expect(byKey.get('answer_rate')?.nameZh).toBe('接通率');
    expect(byKey.get('answered_within_threshold')?.nameZh).toBe('15秒内接通率');
  });

  it('reports the answer rate as the KPI function computes it, with target and verdict', () => {
    const r = answerRate(calls, config, period);
    expect(byKey.get('answer_rate')).toMatchObject({ numerator: r.numerator, denominator: r.denominator, value: 0.5, target: 0.98, pass: false });
  });

  it('shows callback-reached abandons in their own row without a target', () => {
    expect(byKey.get('abandoned_called_back')).toMatchObject({ numerator: 1, denominator: 1, value: 1, target: null, pass: null });
  });

  it('marks rows without data as null value and null pass, not as failures', () => {
    expect(byKey.get('on_time_closure')).toMatchObject({ value: null, target: 1, pass: null });
    expect(byKey.get('utilization')).toMatchObject({ value: null, pass: null });
  });

  it('fills ticket and QA rows from their facts', () => {
    expect(byKey.get('satisfaction')).toMatchObject({ value: 1, pass: true });
    expect(byKey.get('direct_answer')).toMatchObject({ value: 1, pass: true });
    expect(byKey.get('qa_coverage')).toMatchObject({ numerator: 1, denominator: 1, pass: true });
  });
});
