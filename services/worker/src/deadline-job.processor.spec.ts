import { describe, expect, it } from 'vitest';
import { DEFAULT_WARNING_POLICY, type Ticket } from '@cti/domain';
import { toDomainTicket, type TicketChange, type TicketRow } from '@cti/db';
import { deadlineJobs, processDeadlineJob, type DeadlineTicketStore } from './deadline-job.processor.js';

const H = 3_600_000;
const accepted = Date.parse('2026-11-02T02:00:00Z');

function row(over: Partial<TicketRow> = {}): TicketRow {
  return {
    id: '7', ticket_no: 'GZ12345-00000007', state: 'dispatched', category: 'help', urgency: 'normal', caller_number: '13800001111', language: 'mandarin', summary: null, content: null, address: null, elements: {},
    department_id: 'housing', source_call_id: null, deadline_at: new Date(accepted + 100 * H), created_at: new Date(accepted), updated_at: new Date(accepted), version: 3, source: 'manual', accepted_at: new Date(accepted),
    closed_at: null, suggested_department: null, co_handlers: [], recording_ref: null, reply_text: null, satisfaction: null, callback_attempts: 0, return_count: 0, extension_count: 0, reminder_count: 0,
    parent_ticket_id: null, close_reason: null, flags: { returnRequested: false, extensionRequested: false, dissatisfactionReviewPending: false, supervised: false }, warning_level: 'ok', schedule_dirty: false,
    partner_line: null, partner_incident_no: null, partner_status: null, partner_result: null, partner_updated_at: null, created_by: null, county: null,
    ...over,
  };
}

/** An in-memory TicketRepository slice that records what a change wrote. */
function fakeStore(initial: TicketRow) {
  const changes: TicketChange[] = [];
  let current = initial;
  const store: DeadlineTicketStore = {
    findById: async (id) => (id === current.id ? current : undefined),
    change: async (_id, _v, decide) => {
      const change = await decide(current, toDomainTicket(current) as Ticket);
      changes.push(change);
      current = { ...current, warning_level: change.warningLevel ?? current.warning_level, reminder_count: change.ticket.reminderCount, flags: change.ticket.flags };
      return change;
    },
  };
  return { store, changes, current: () => current };
}

describe('deadlineJobs', () => {
  it('puts yellow at the larger of the warning windows before the deadline and red just after it, with ids tied to the deadline', () => {
    const deadline = accepted + 200 * H;
    const [yellow, red] = deadlineJobs('7', accepted, deadline, accepted, DEFAULT_WARNING_POLICY);
    expect(yellow).toMatchObject({ id: `deadline-7-${deadline}-yellow`, delay: 160 * H }); // 20 % of 200 h beats 24 h
    expect(red).toMatchObject({ id: `deadline-7-${deadline}-red`, delay: 200 * H + 1 });
    const [shortYellow] = deadlineJobs('7', accepted, accepted + 30 * H, accepted, DEFAULT_WARNING_POLICY);
    expect(shortYellow?.delay).toBe(6 * H); // 24 h window beats 20 % of 30 h
  });

  it('never schedules into the past', () => {
    const jobs = deadlineJobs('7', accepted, accepted + H, accepted + 5 * H, DEFAULT_WARNING_POLICY);
    expect(jobs.map((j) => j.delay)).toEqual([0, 0]);
  });
});

describe('processDeadlineJob', () => {
  it('on yellow records the warning and reminds the department (催办)', async () => {
    const f = fakeStore(row());
    expect(await processDeadlineJob({ ticketId: '7', deadline: accepted + 100 * H, level: 'yellow' }, f.store, accepted + 90 * H)).toBe('raised');
    expect(f.changes[0]?.history.map((h) => h.action)).toEqual(['deadline_warning', 'remind']);
    expect(f.current()).toMatchObject({ warning_level: 'yellow', reminder_count: 1 });
  });

  it('on red also raises supervision (督办) by the system, and a redelivered job does nothing', async () => {
    const f = fakeStore(row({ warning_level: 'yellow' }));
    const job = { ticketId: '7', deadline: accepted + 100 * H, level: 'red' } as const;
    expect(await processDeadlineJob(job, f.store, accepted + 101 * H)).toBe('raised');
    expect(f.changes[0]?.history.map((h) => [h.action, h.actorRole])).toEqual([['deadline_warning', 'system'], ['remind', 'system'], ['supervise', 'system']]);
    expect(f.current().flags.supervised).toBe(true);
    expect(await processDeadlineJob(job, f.store, accepted + 102 * H)).toBe('stale');
    expect(f.changes).toHaveLength(1);
  });

  it('ignores a job for a moved deadline or a finished ticket', async () => {
    const moved = fakeStore(row());
    expect(await processDeadlineJob({ ticketId: '7', deadline: accepted + 50 * H, level: 'red' }, moved.store, accepted + 60 * H)).toBe('stale');
    const closed = fakeStore(row({ state: 'closed' }));
    expect(await processDeadlineJob({ ticketId: '7', deadline: accepted + 100 * H, level: 'red' }, closed.store, accepted + 101 * H)).toBe('stale');
    expect([...moved.changes, ...closed.changes]).toHaveLength(0);
  });

  it('records the warning without a reminder while the ticket is still at intake', async () => {
    const f = fakeStore(row({ state: 'intake', department_id: null }));
    await processDeadlineJob({ ticketId: '7', deadline: accepted + 100 * H, level: 'yellow' }, f.store, accepted + 90 * H);
    expect(f.changes[0]?.history.map((h) => h.action)).toEqual(['deadline_warning']);
  });
});
