import { describe, expect, it } from 'vitest';
import { createKpiConfig } from './kpi.config.js';
import type { TicketFact } from './kpi.fact.js';
import {
  directAnswerRate,
  firstCallResolutionRate,
  formAccuracyRate,
  onTimeClosureRate,
  satisfactionRate,
  transferAccuracyRate,
} from './ticket.kpi.js';

const day = 86_400_000;
const from = Date.UTC(2026, 0, 1);
const to = Date.UTC(2026, 1, 1);
const period = { from, to };
const config = createKpiConfig();

function ticket(ticketId: string, extra: Partial<TicketFact>): TicketFact {
  return {
    ticketId, category: 'help', acceptedAt: from + day, resolvedAtIntake: false, dispatched: false,
    returnedOrReassigned: false, qaReviewed: false, callerNumber: '13800000000', ...extra,
  };
}

// Eight tickets accepted in January (t1–t7, t9); t8 was accepted in December but falls due in January.
const tickets: TicketFact[] = [
  ticket('t1', { category: 'consultation', resolvedAtIntake: true, firstCallResolved: true, satisfaction: 'very_satisfied', qaReviewed: true, qaPassed: true }),
  ticket('t2', { category: 'consultation', resolvedAtIntake: true, firstCallResolved: true, repeatCallWithinDays: 3, satisfaction: 'basically_satisfied', qaReviewed: true, qaPassed: false }),
  ticket('t3', { category: 'consultation', resolvedAtIntake: true, firstCallResolved: true, repeatCallWithinDays: 10, satisfaction: 'dissatisfied' }),
  ticket('t4', { category: 'complaint', dispatched: true, returnedOrReassigned: true, dueAt: from + 10 * day, closedAt: from + 9 * day, satisfaction: 'satisfied' }),
  ticket('t5', { dispatched: true, dueAt: from + 10 * day, closedAt: from + 11 * day }),
  ticket('t6', { dispatched: true, dueAt: from + 10 * day }),
  ticket('t7', { category: 'suggestion', dispatched: true, dueAt: to + day, closedAt: from + 5 * day }),
  ticket('t8', { acceptedAt: from - 5 * day, dispatched: true, returnedOrReassigned: true, dueAt: from + 2 * day, closedAt: from + 2 * day }),
  ticket('t9', { category: 'consultation' }),
];

describe('ticket KPIs', () => {
  it('satisfaction counts very satisfied, satisfied and basically satisfied over valid evaluations: 3 / 4', () => {
    expect(satisfactionRate(tickets, config, period)).toMatchObject({ numerator: 3, denominator: 4, value: 0.75, target: 0.98, pass: false });
  });

  it('on-time closure counts tickets due in the period, open ones as late, closing at the deadline as on time: 2 / 4', () => {
    expect(onTimeClosureRate(tickets, config, period)).toMatchObject({ numerator: 2, denominator: 4, value: 0.5, target: 1, pass: false });
  });

  it('direct-answer rate is tickets resolved at intake without dispatch over tickets accepted: 3 / 8', () => {
    expect(directAnswerRate(tickets, config, period)).toMatchObject({ numerator: 3, denominator: 8, value: 0.375 });
  });

  it('FCR drops a consultation with a repeat call within fcrRepeatDays and one with unknown status: 2 / 4', () => {
    expect(firstCallResolutionRate(tickets, config, period)).toMatchObject({ numerator: 2, denominator: 4, value: 0.5, pass: true });
  });

  it('FCR follows a configured repeat window: with 2 days the 3-day repeat no longer counts against it', () => {
    expect(firstCallResolutionRate(tickets, createKpiConfig({ fcrRepeatDays: 2 }), period).numerator).toBe(3);
  });

  it('transfer accuracy is dispatched tickets never returned or reassigned over dispatched: 3 / 4', () => {
    expect(transferAccuracyRate(tickets, config, period)).toMatchObject({ numerator: 3, denominator: 4, value: 0.75 });
  });

  it('form accuracy is tickets passing QA over tickets reviewed: 1 / 2', () => {
    expect(formAccuracyRate(tickets, config, period)).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
  });

  it('returns null values without tickets', () => {
    expect(satisfactionRate([], config, period).value).toBeNull();
    expect(onTimeClosureRate([], config, period).pass).toBeUndefined();
  });
});
