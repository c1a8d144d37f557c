import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../call/call-record.js';
import { bj, calendar2026, policy } from './ticket.fixtures.test.js';
import { computeDeadline, type DeadlinePolicy } from './ticket.deadline.js';
import { createTicket } from './ticket.factory.js';
import { CALL_INTAKE_CLASSIFICATION, openTicketFromCall, opensTicket } from './ticket.from-call.js';
import { allowedActions } from './ticket.transitions.js';

const answered: CallRecord = {
  linkedId: '1780000000.42',
  trunk: 'primary',
  callerNumber: '13800001234',
  did: '12345',
  language: 'tibetan',
  arrivedAt: bj('2026-09-30T09:59'),
  queuedAt: bj('2026-09-30T09:59'),
  answeredAt: bj('2026-09-30T10:00'),
  endedAt: bj('2026-09-30T10:05'),
  agentId: 'a07',
  seat: 'seat-07',
  outcome: 'answered',
  offers: 1,
};

describe('openTicketFromCall', () => {
  it('opens an intake ticket accepted when the agent answered, on the consultation limit, with the call linked', () => {
    const opening = openTicketFromCall(answered, calendar2026, policy);
    expect(opening).not.toBeNull();
    const { ticket, history } = opening!;
    expect(ticket.state).toBe('intake');
    expect(ticket.acceptedAt).toBe(answered.answeredAt);
    // Accepted on Wed 2026-09-30: three working days across the golden week end on the adjusted Saturday 10 Oct.
    expect(ticket.deadline).toBe(bj('2026-10-10T23:59:59.999'));
    expect(ticket.callerNumber).toBe('13800001234');
    expect(ticket.linkedCallIds).toEqual(['1780000000.42']);
    expect(ticket.closedAt).toBeNull();
    expect(opening).toMatchObject({ sourceCallId: '1780000000.42', language: 'tibetan', createdBy: 'a07' });
    expect(history).toEqual({ action: 'open_from_call', from: null, to: 'intake', actorRole: 'system', actorId: 'a07', data: { linkedId: '1780000000.42' } });
  });

  it('is the ticket a person would open by hand with the provisional classification (the same rules)', () => {
    const { ticket } = openTicketFromCall(answered, calendar2026, policy)!;
    const byHand = createTicket({ id: 'new', ...CALL_INTAKE_CLASSIFICATION, callerNumber: answered.callerNumber, acceptedAt: answered.answeredAt!, linkedCallIds: [answered.linkedId] }, calendar2026, policy);
    expect(ticket).toEqual(byHand);
    expect(allowedActions(ticket, 'agent')).toEqual(allowedActions(byHand, 'agent'));
  });

  it('takes the deadline from the policy and calendar in force', () => {
    const oneDay: DeadlinePolicy = { ...policy, byCategory: { ...policy.byCategory, consultation: { workingDays: 1 } } };
    const { ticket } = openTicketFromCall(answered, calendar2026, oneDay)!;
    expect(ticket.deadline).toBe(computeDeadline('consultation', 'normal', answered.answeredAt!, calendar2026, oneDay));
    expect(ticket.deadline).toBe(bj('2026-10-08T23:59:59.999'));
  });

  it('counts from the end of the call when no answer time was recorded, and names no agent when none is known', () => {
    const { answeredAt: _a, agentId: _b, ...rest } = answered;
    const opening = openTicketFromCall(rest, calendar2026, policy)!;
    expect(opening.ticket.acceptedAt).toBe(answered.endedAt);
    expect(opening.createdBy).toBeNull();
    expect(opening.history.actorId).toBeNull();
  });

  it.each(['abandoned', 'failed'] as const)('opens nothing for a call that was %s', (outcome) => {
    expect(opensTicket({ outcome })).toBe(false);
    expect(openTicketFromCall({ ...answered, outcome }, calendar2026, policy)).toBeNull();
  });
});
