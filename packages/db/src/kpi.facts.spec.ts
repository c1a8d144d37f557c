import { describe, expect, it } from 'vitest';
import { kpi } from '@cti/domain';
import { isOverdue, toAgentStateInterval, toCallFact, toTicketFact, type CallFactRow, type TicketFactRow } from './kpi.facts.js';

const t = (iso: string) => new Date(iso);
const call = (over: Partial<CallFactRow> = {}): CallFactRow => ({
  linked_id: 'c1', did: '12345', trunk: 'primary',
  queued_at: t('2026-11-10T02:00:00Z'), answered_at: t('2026-11-10T02:00:12Z'), ended_at: t('2026-11-10T02:03:00Z'),
  outcome: 'answered', agent_id: 'a1', ...over,
});

describe('call rows as KPI call facts', () => {
  it('offers a call when it was queued and waits until the answer', () => {
    const f = toCallFact(call());
    expect(f).toMatchObject({ callId: 'c1', line: '12345', offeredAt: Date.parse('2026-11-10T02:00:00Z'), waitMs: 12_000, outcome: 'answered', agentId: 'a1' });
    expect(f.offersToAgents).toBeUndefined();
  });

  it('waits until the hang-up for an abandoned call, and a never-queued call is not offered', () => {
    expect(toCallFact(call({ outcome: 'abandoned', answered_at: null, agent_id: null, ended_at: t('2026-11-10T02:00:04Z') })).waitMs).toBe(4_000);
    const unqueued = toCallFact(call({ queued_at: null, answered_at: null, outcome: 'abandoned' }));
    expect(unqueued.offeredAt).toBeUndefined();
    expect(kpi.answerRate([unqueued], kpi.defaultKpiConfig, { from: 0, to: Date.parse('2027-01-01') }).denominator).toBe(0);
  });

  it('lists decided rings in order and leaves out a ring the caller cut short', () => {
    const f = toCallFact(call(), [
      { call_id: 'c1', agent_id: 'a1', offered_at: t('2026-11-10T02:00:07Z'), answered: true },
      { call_id: 'c1', agent_id: 'a2', offered_at: t('2026-11-10T02:00:01Z'), answered: false },
      { call_id: 'c1', agent_id: 'a3', offered_at: t('2026-11-10T02:00:05Z'), answered: null },
    ]);
    expect(f.offersToAgents).toEqual([{ agentId: 'a2', answered: false }, { agentId: 'a1', answered: true }]);
    const eff = kpi.agentAnswerEfficiency([f], kpi.defaultKpiConfig, { from: 0, to: Date.parse('2027-01-01') });
    expect([eff.numerator, eff.denominator]).toEqual([1, 2]);
  });
});

describe('agent state rows as intervals', () => {
  it('counts an open interval until now and keeps the pause reason', () => {
    const now = Date.parse('2026-11-10T03:00:00Z');
    expect(toAgentStateInterval({ agent_id: 'a1', state: 'paused', reason: 'meal', started_at: t('2026-11-10T02:30:00Z'), ended_at: null }, now))
      .toEqual({ agentId: 'a1', state: 'paused', reason: 'meal', from: now - 1_800_000, to: now });
    expect(toAgentStateInterval({ agent_id: 'a1', state: 'ready', reason: null, started_at: t('2026-11-10T02:30:00Z'), ended_at: t('2026-11-10T02:40:00Z') }, now))
      .toEqual({ agentId: 'a1', state: 'ready', from: now - 1_800_000, to: now - 1_200_000 });
  });
});

describe('ticket rows as ticket facts', () => {
  const row = (over: Partial<TicketFactRow> = {}): TicketFactRow => ({
    id: '7', category: 'consultation', state: 'closed', caller_number: '13800001234', created_at: t('2026-11-10T02:00:00Z'),
    deadline_at: t('2026-11-12T02:00:00Z'), closed_at: t('2026-11-11T02:00:00Z'), direct_answered: false, dispatches: 1,
    returned: false, satisfaction: 'satisfied', repeat_call_at: null, ...over,
  });

  it('maps dispatch, closure and satisfaction', () => {
    expect(toTicketFact(row())).toMatchObject({ ticketId: '7', dispatched: true, resolvedAtIntake: false, returnedOrReassigned: false, satisfaction: 'satisfied', closedAt: Date.parse('2026-11-11T02:00:00Z') });
  });

  it('counts a direct answer as resolved at intake and a second dispatch as a reassignment', () => {
    expect(toTicketFact(row({ direct_answered: true, dispatches: 0 }))).toMatchObject({ resolvedAtIntake: true, firstCallResolved: true, dispatched: false });
    expect(toTicketFact(row({ dispatches: 2 })).returnedOrReassigned).toBe(true);
  });

  it('ignores an unknown satisfaction word, names a missing category and measures the repeat call in days', () => {
    const f = toTicketFact(row({ satisfaction: 'great', category: null, repeat_call_at: t('2026-11-13T02:00:00Z') }));
    expect(f.satisfaction).toBeUndefined();
    expect(f.category).toBe('uncategorized');
    expect(f.repeatCallWithinDays).toBe(3);
  });

  it('is overdue only past its deadline in an open state', () => {
    const now = Date.parse('2026-11-13T00:00:00Z');
    expect(isOverdue('in_progress', t('2026-11-12T00:00:00Z'), now)).toBe(true);
    expect(isOverdue('closed', t('2026-11-12T00:00:00Z'), now)).toBe(false);
    expect(isOverdue('in_progress', null, now)).toBe(false);
    expect(isOverdue('in_progress', t('2026-11-14T00:00:00Z'), now)).toBe(false);
  });
});
