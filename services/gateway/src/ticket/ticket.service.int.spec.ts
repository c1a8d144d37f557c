import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { loadConfig, ticketSettingsFromConfig } from '@cti/contracts';
import {
  CachedWorkingCalendar,
  CalendarRepository,
  CallRepository,
  DepartmentRepository,
  ExchangeRepository,
  SmsRepository,
  TicketCallbackRepository,
  TicketRepository,
  type Database,
  type Principal,
} from '@cti/db';
import { CtiError, ManualClock, TICKET_ACTIONS, TICKET_STATES, isOpenState, type TicketActionName, type TicketState } from '@cti/domain';
import { TicketService } from './ticket.service.js';
import { useTestSchema } from '../../../../packages/db/src/test-schema.fixtures.test.js';

// The db package's fixture: a migrated schema of this file's own, dropped afterwards.
const testSchema = useTestSchema('it_tkt', 20);
const schema = testSchema.name;

const clock = new ManualClock(Date.parse('2026-09-28T02:00:00Z')); // Mon 28 Sep 2026, 10:00 Beijing
const settings = ticketSettingsFromConfig(loadConfig({}));
const agent: Principal = { tokenId: '1', role: 'agent', agentId: 'a01', label: 'a01' };
const supervisor: Principal = { tokenId: '2', role: 'supervisor', agentId: 's01', label: 'lead' };
const callbackStaff: Principal = { tokenId: '3', role: 'callback', agentId: 'c01', label: 'callback' };
const manager: Principal = { tokenId: '4', role: 'manager', agentId: 'm01', label: 'manager' };

let db: Kysely<Database>;
let tickets: TicketRepository;
let service: TicketService;

const count = async (table: 'ticket_history' | 'callback_tasks' | 'sms_messages' | 'exchange_messages', ticketId: string) =>
  Number((await db.selectFrom(table).select(sql<string>`count(*)`.as('n')).where('ticket_id', '=', ticketId).executeTakeFirstOrThrow()).n);

const newTicket = () => service.create({ category: 'complaint', urgency: 'normal', callerNumber: '13800001111', summary: '噪音扰民', content: '夜间施工噪音' }, agent);

beforeAll(async () => {
  db = testSchema.db();
  tickets = new TicketRepository(db);
  const departments = new DepartmentRepository(db);
  await departments.create({ id: 'housing', name: '住建局', phone: null });
  await departments.create({ id: 'police', name: '公安局', phone: null });
  const callbacks = new TicketCallbackRepository(db);
  const sms = new SmsRepository(db);
  const exchange = new ExchangeRepository(db);
  service = new TicketService(
    tickets,
    departments,
    new CachedWorkingCalendar(new CalendarRepository(db), 60_000),
    {
      openCallbackRound: (id, at, trx) => callbacks.openRound(id, at, trx),
      updateCallbackTask: (id, patch, trx) => callbacks.updateOpen(id, patch, trx),
      enqueueSms: (d, trx) => sms.enqueue(d, trx),
      enqueuePush: (p, trx) => exchange.enqueuePush(p, trx),
    },
    tickets,
    settings,
    () => clock.now(),
  );
});


describe('TicketService on PostgreSQL', () => {
  it('creates a complaint due after 15 working days on the seeded 2026 calendar (golden week skipped, adjusted Saturday counted)', async () => {
    const row = await newTicket();
    // Sep 29, 30, Oct 8, 9, 10 (adjusted Saturday), 12–16, 19–23 → 15th working day is Fri 23 Oct.
    expect(row.deadline_at?.toISOString()).toBe('2026-10-23T15:59:59.999Z');
    expect(row).toMatchObject({ state: 'intake', version: 1, source: 'manual', category: 'complaint' });
    expect(await count('ticket_history', row.id)).toBe(1);
  });

  it('runs the whole lifecycle with one history line per step, a receipt SMS, a callback task and a callback notice', async () => {
    const t = await newTicket();
    const steps: [TicketActionName, Principal, Record<string, unknown>, string?][] = [
      ['submit_for_dispatch', agent, {}],
      ['dispatch', agent, { leadDepartment: 'housing', coHandlers: ['police'] }],
      ['sign', supervisor, {}, 'housing'],
      ['start', supervisor, {}, 'housing'],
      ['reply', supervisor, { replyText: '已责令停工' }, 'housing'],
      ['review_reply', supervisor, { decision: 'accept' }],
      ['record_callback', callbackStaff, { satisfaction: 'satisfied' }],
    ];
    let version = 1;
    for (const [action, who, data, dep] of steps) {
      const { row } = await service.act(t.id, action, who, { expectedVersion: version, data, ...(dep && { asDepartment: dep }) });
      expect(row.version).toBe(version + 1);
      version = row.version;
    }
    const final = await tickets.getById(t.id);
    expect(final).toMatchObject({ state: 'closed', satisfaction: 'satisfied', department_id: 'housing', co_handlers: ['police'] });
    expect(final.closed_at).not.toBeNull();
    const history = await tickets.history(t.id);
    expect(history.map((h) => h.action)).toEqual(['create', ...steps.map((s) => s[0])]);
    expect(history.find((h) => h.action === 'sign')).toMatchObject({ actor_role: 'department', actor_id: 'housing', data: { recordedBy: 'supervisor:s01' } });
    const tasks = await new TicketCallbackRepository(db).forTicket(t.id);
    expect(tasks).toMatchObject([{ round: 1, status: 'done', satisfaction: 'satisfied' }]);
    const sms = await new SmsRepository(db).forTicket(t.id);
    expect(sms.map((m) => m.kind)).toEqual(['receipt', 'callback_notice']);
    expect(sms[0]?.body).toContain(t.ticket_no);
  });

  it('refuses an invalid transition with a coded error and changes nothing', async () => {
    const t = await newTicket();
    await expect(service.act(t.id, 'approve_return', supervisor, { data: { reason: 'x' } })).rejects.toMatchObject({ code: 'CTI_ERR_INVALID_TRANSITION' });
    await expect(service.act(t.id, 'dispatch', callbackStaff, { data: { leadDepartment: 'housing' } })).rejects.toMatchObject({ code: 'CTI_ERR_FORBIDDEN' });
    await expect(service.act(t.id, 'direct_answer', agent, { data: {} })).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    const after = await tickets.getById(t.id);
    expect(after).toMatchObject({ state: 'intake', version: 1 });
    expect(await count('ticket_history', t.id)).toBe(1);
  });

  it('refuses dispatch to an unknown or inactive department', async () => {
    const t = await newTicket();
    await service.act(t.id, 'submit_for_dispatch', agent, { data: {} });
    await expect(service.act(t.id, 'dispatch', agent, { data: { leadDepartment: 'nowhere' } })).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    expect((await tickets.getById(t.id)).state).toBe('awaiting_dispatch');
  });

  it('lets exactly one of two concurrent writers with the same expected version win; the other gets CTI_ERR_CONFLICT', async () => {
    const t = await newTicket();
    const results = await Promise.allSettled([
      service.act(t.id, 'direct_answer', agent, { expectedVersion: 1, data: { answerText: 'A' } }),
      service.act(t.id, 'submit_for_dispatch', agent, { expectedVersion: 1, data: {} }),
      service.updateFields(t.id, 1, { summary: 'changed' }, agent),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) expect((r.reason as CtiError).code).toBe('CTI_ERR_CONFLICT');
    expect(await count('ticket_history', t.id)).toBe(2);
    expect((await tickets.getById(t.id)).version).toBe(2);
  });

  it('serialises writers that gave no expected version: a staff action meeting a system reminder both land, in turn', async () => {
    // Seen under load: dispatch answered 409 because the deadline job's 催办 wrote the row between its read and write.
    for (let round = 0; round < 10; round++) {
      const t = await newTicket();
      await service.act(t.id, 'submit_for_dispatch', agent, { data: {} });
      const results = await Promise.allSettled([
        service.act(t.id, 'dispatch', supervisor, { data: { leadDepartment: 'housing' } }),
        tickets.change(t.id, undefined, (_row, ticket) => ({ ticket, history: [], warningLevel: 'yellow' })),
        tickets.change(t.id, undefined, (_row, ticket) => ({ ticket, history: [] })),
      ]);
      expect(results.map((r) => (r.status === 'rejected' ? (r.reason as CtiError).code : 'ok'))).toEqual(['ok', 'ok', 'ok']);
      const after = await tickets.getById(t.id);
      expect([after.state, after.version]).toEqual(['dispatched', 5]);
    }
  });

  it('retries an unreachable callback up to the configured attempts, then closes it as callback_failed', async () => {
    const t = await newTicket();
    for (const [a, who, data, dep] of [
      ['submit_for_dispatch', agent, {}],
      ['dispatch', agent, { leadDepartment: 'housing' }],
      ['sign', manager, {}, 'housing'],
      ['start', manager, {}, 'housing'],
      ['reply', manager, { replyText: 'done' }, 'housing'],
      ['review_reply', supervisor, { decision: 'accept' }],
    ] as [TicketActionName, Principal, Record<string, unknown>, string?][]) {
      await service.act(t.id, a, who, { data, ...(dep && { asDepartment: dep }) });
    }
    for (let i = 1; i < settings.callbackPolicy.maxAttempts; i++) {
      const { row } = await service.act(t.id, 'callback_unreachable', callbackStaff, { data: {} });
      expect(row.state).toBe('awaiting_callback');
    }
    const { row } = await service.act(t.id, 'callback_unreachable', callbackStaff, { data: {} });
    expect(row.state).toBe('callback_failed');
    expect(await new TicketCallbackRepository(db).forTicket(t.id)).toMatchObject([{ status: 'failed', attempts: settings.callbackPolicy.maxAttempts }]);
  });

  it('recomputes the deadline when the category changes at intake, and queues one push to 110 on transfer by push', async () => {
    const t = await newTicket();
    const edited = await service.updateFields(t.id, 1, { category: 'consultation', address: '康定市' }, agent);
    expect(edited.deadline_at?.toISOString()).toBe('2026-10-08T15:59:59.999Z'); // Sep 29, 30, Oct 8
    expect(edited.schedule_dirty).toBe(true);
    await service.act(t.id, 'transfer_emergency', agent, { data: { partnerLine: '110', method: 'push' } });
    expect(await count('exchange_messages', t.id)).toBe(1);
  });

  it('searches by deadline status and by department (lead or co-handler)', async () => {
    const t = await newTicket();
    await service.act(t.id, 'submit_for_dispatch', agent, { data: {} });
    await service.act(t.id, 'dispatch', agent, { data: { leadDepartment: 'police', coHandlers: ['housing'] } });
    const ids = async (f: Partial<Parameters<TicketRepository['list']>[0]>) => (await tickets.list({ limit: 500, offset: 0, warningPolicy: settings.warningPolicy, ...f })).items.map((r) => r.id);
    const deadline = (await tickets.getById(t.id)).deadline_at as Date;
    expect(await ids({ deadlineStatus: 'ok', now: new Date(clock.now()), state: 'dispatched' })).toContain(t.id);
    expect(await ids({ deadlineStatus: 'yellow', now: new Date(deadline.getTime() - 3_600_000) })).toContain(t.id);
    expect(await ids({ deadlineStatus: 'red', now: new Date(deadline.getTime() + 1) })).toContain(t.id);
    expect(await ids({ deadlineStatus: 'red', now: new Date(clock.now()) })).not.toContain(t.id);
    expect(await ids({ departmentId: 'housing', state: 'dispatched' })).toContain(t.id);
    expect(await ids({ departmentId: 'police', category: 'complaint' })).toContain(t.id);
    expect((await tickets.overdue(new Date(deadline.getTime() + 1), 1000)).map((r) => r.id)).toContain(t.id);
  });

  it('gives an answered call an intake ticket with a deadline (call path)', async () => {
    const calls = new CallRepository(db);
    const r = await calls.storeCallRecord({ linkedId: `it-${schema}`, trunk: 'primary', callerNumber: '13800002222', did: '12345', language: 'mandarin', arrivedAt: clock.now(), answeredAt: clock.now() + 5000, endedAt: clock.now() + 60_000, outcome: 'answered', offers: 1, agentId: 'a01' });
    const row = await tickets.getById(r.ticketId as string);
    expect(row.deadline_at).not.toBeNull();
    expect(row.accepted_at.getTime()).toBe(clock.now() + 5000);
  });
});

describe('random action sequences by random roles on the database', () => {
  it('stay inside the state table, append one history line per accepted action, change nothing on refusal, and keep a deadline on open tickets', async () => {
    const principals = [agent, supervisor, callbackStaff, manager, { tokenId: '9', role: 'qa', agentId: 'q01', label: 'qa' } as Principal];
    const sampleData: Partial<Record<TicketActionName, Record<string, unknown>>> = {
      direct_answer: { answerText: 'x' },
      transfer_emergency: { partnerLine: '119', method: 'transfer' },
      dispatch: { leadDepartment: 'housing' },
      request_return: { reason: 'r' },
      approve_return: { reason: 'r' },
      reject_return: { reason: 'r' },
      request_extension: { reason: 'r', requestedDeadline: '2027-12-31T00:00:00Z' },
      approve_extension: { newDeadline: '2027-12-31T00:00:00Z' },
      reject_extension: { reason: 'r' },
      reply: { replyText: 'x' },
      review_reply: { decision: 'accept' },
      record_callback: { satisfaction: 'dissatisfied' },
      review_dissatisfied: { decision: 'redo' },
      reopen: { relatedCallId: 'c1', target: 'awaiting_dispatch' },
    };
    const step = fc.record({ action: fc.constantFrom(...TICKET_ACTIONS), who: fc.constantFrom(...principals), asDept: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const t = await newTicket();
        let accepted = 0;
        for (const s of steps) {
          const before = await tickets.getById(t.id);
          const dep = s.asDept && (s.who.role === 'supervisor' || s.who.role === 'manager') && TICKET_ACTIONS.includes(s.action) ? 'housing' : undefined;
          try {
            await service.act(t.id, s.action, s.who, { data: sampleData[s.action] ?? {}, ...(dep && { asDepartment: dep }) });
            accepted++;
          } catch (err) {
            expect(err).toBeInstanceOf(CtiError);
            const after = await tickets.getById(t.id);
            expect(after.version).toBe(before.version);
            expect(after.state).toBe(before.state);
          }
          const now = await tickets.getById(t.id);
          expect(TICKET_STATES).toContain(now.state);
          if (isOpenState(now.state as TicketState)) expect(now.deadline_at).not.toBeNull();
        }
        expect(await count('ticket_history', t.id)).toBe(accepted + 1);
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});
