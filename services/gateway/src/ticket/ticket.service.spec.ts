import { describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { loadConfig, ticketSettingsFromConfig, signExchange } from '@cti/contracts';
import { CHINA_2026_CALENDAR_DATA, CtiError, createWorkingCalendar, type Ticket } from '@cti/domain';
import { toDomainTicket, type Database, type NewTicketRecord, type Principal, type TicketChange, type TicketRow } from '@cti/db';
import { TicketService, type TicketSideEffects, type TicketStore } from './ticket.service.js';
import { ExchangeService, type ExchangeInbox } from './exchange.service.js';

const now = Date.parse('2026-11-02T02:00:00Z');
const settings = ticketSettingsFromConfig(loadConfig({ CTI_CALLBACK_MAX_ATTEMPTS: '2' }));
const agent: Principal = { tokenId: '1', role: 'agent', agentId: 'a01', label: 'a01' };
const lead: Principal = { tokenId: '2', role: 'supervisor', agentId: 's01', label: 'lead' };

/** An in-memory TicketStore: rows by id, a version check, and every change recorded. */
function memoryStore() {
  const rows = new Map<string, TicketRow>();
  const changes: TicketChange[] = [];
  const linked = new Map<string, readonly string[]>();
  let next = 1;
  const store: TicketStore = {
    getById: async (id) => {
      const r = rows.get(id);
      if (!r) throw new CtiError('CTI_ERR_NOT_FOUND', 'none');
      return r;
    },
    create: async (input: NewTicketRecord) => {
      const id = String(next++);
      const t = input.ticket;
      const row = {
        id, ticket_no: `GZ12345-${id.padStart(8, '0')}`, state: t.state, category: t.category, urgency: t.urgency, caller_number: t.callerNumber, language: null, summary: null, content: null, address: null, elements: {},
        department_id: null, source_call_id: null, deadline_at: new Date(t.deadline), created_at: new Date(now), updated_at: new Date(now), version: 1, source: input.source, accepted_at: new Date(t.acceptedAt), closed_at: null,
        suggested_department: null, co_handlers: [], recording_ref: null, reply_text: null, satisfaction: null, callback_attempts: 0, return_count: 0, extension_count: 0, reminder_count: 0, parent_ticket_id: null, close_reason: null,
        flags: t.flags, warning_level: 'ok', schedule_dirty: true, partner_line: null, partner_incident_no: null, partner_status: null, partner_result: null, partner_updated_at: null, created_by: input.createdBy, county: null,
      } as TicketRow;
      rows.set(id, row);
      return row;
    },
    change: async (id, expected, decide) => {
      const current = rows.get(id);
      if (!current) throw new CtiError('CTI_ERR_NOT_FOUND', 'none');
      if (expected !== undefined && expected !== current.version) throw new CtiError('CTI_ERR_CONFLICT', 'stale');
      const change = await decide(current, toDomainTicket(current, linked.get(id) ?? []) as Ticket);
      const t = change.ticket;
      linked.set(id, t.linkedCallIds);
      const row: TicketRow = { ...current, state: t.state, department_id: t.leadDepartment, deadline_at: new Date(t.deadline), callback_attempts: t.callbackAttempts, flags: t.flags, version: current.version + 1 };
      rows.set(id, row);
      changes.push(change);
      if (change.after) await change.after({} as Kysely<Database>, row);
      return { row, history: change.history };
    },
    openForCallerSuffix: async () => [...rows.values()],
  };
  return { store, rows, changes };
}

function fixture() {
  const mem = memoryStore();
  const effects: string[] = [];
  const fx: TicketSideEffects = {
    openCallbackRound: async (id) => void effects.push(`callback-round ${id}`),
    updateCallbackTask: async (id, p) => void effects.push(`callback-task ${id} ${p.status}`),
    enqueueSms: async (d) => void effects.push(`sms ${d.kind} ${d.to}`),
    enqueuePush: async (p) => void effects.push(`push ${p.idempotencyKey}`),
  };
  const calendar = createWorkingCalendar(CHINA_2026_CALENDAR_DATA);
  const service = new TicketService(mem.store, { assertActive: async (ids) => { if (ids.includes('ghost')) throw new CtiError('CTI_ERR_VALIDATION', 'ghost'); } }, { get: async () => calendar }, fx, { callExists: async (id) => id === 'L1' }, settings, () => now);
  return { service, effects, ...mem };
}

const open = (f: ReturnType<typeof fixture>) => f.service.create({ category: 'help', urgency: 'normal', callerNumber: '13800001111', summary: 's', content: 'c' }, agent);

describe('TicketService with fakes', () => {
  it('sends the receipt SMS when a ticket is submitted for dispatch, and refuses an unknown department before writing', async () => {
    const f = fixture();
    const t = await open(f);
    await f.service.act(t.id, 'submit_for_dispatch', agent, { data: {} });
    expect(f.effects).toEqual(['sms receipt 13800001111']);
    await expect(f.service.act(t.id, 'dispatch', agent, { data: { leadDepartment: 'ghost' } })).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
    expect(f.changes).toHaveLength(1);
  });

  it('only lets shift leads and managers record a department step, and only for department actions', async () => {
    const f = fixture();
    const t = await open(f);
    await expect(f.service.act(t.id, 'sign', agent, { data: {}, asDepartment: 'housing' })).rejects.toMatchObject({ code: 'CTI_ERR_FORBIDDEN' });
    await expect(f.service.act(t.id, 'submit_for_dispatch', lead, { data: {}, asDepartment: 'housing' })).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
  });

  it('takes maxAttempts for callback_unreachable from configuration, not from the caller', async () => {
    const f = fixture();
    const t = await open(f);
    for (const [a, who, data, dep] of [
      ['submit_for_dispatch', agent, {}],
      ['dispatch', agent, { leadDepartment: 'housing' }],
      ['sign', lead, {}, 'housing'],
      ['start', lead, {}, 'housing'],
      ['reply', lead, { replyText: 'ok' }, 'housing'],
      ['review_reply', lead, { decision: 'accept' }],
    ] as const) await f.service.act(t.id, a, who, { data, ...(dep && { asDepartment: dep }) });
    const cb: Principal = { tokenId: '3', role: 'callback', agentId: 'c1', label: 'c1' };
    await f.service.act(t.id, 'callback_unreachable', cb, { data: { maxAttempts: 99 } });
    const { row } = await f.service.act(t.id, 'callback_unreachable', cb, { data: {} });
    expect(row.state).toBe('callback_failed');
    expect(f.effects.slice(-2)).toEqual(['callback-task 1 pending', 'callback-task 1 failed']);
  });

  it('links only calls that exist', async () => {
    const f = fixture();
    const t = await open(f);
    await expect(f.service.linkCall(t.id, 'nope', undefined, agent)).rejects.toMatchObject({ code: 'CTI_ERR_NOT_FOUND' });
    await f.service.linkCall(t.id, 'L1', undefined, agent);
    await expect(f.service.linkCall(t.id, 'L1', undefined, agent)).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
  });
});

describe('ExchangeService.verify', () => {
  const secret = 'inbound-secret-for-unit-tests';
  const inbox = (seen: string[]): ExchangeInbox => ({
    inboundKeySeen: async (k) => seen.includes(k),
    recordInbound: async () => undefined,
    findTicketByNo: async () => undefined,
    findTicketByIncident: async () => undefined,
  });
  const service = (seen: string[] = []) => new ExchangeService({} as TicketService, {} as TicketStore, inbox(seen), { secret, windowSeconds: 300 }, () => now);
  const ts = String(now / 1000);
  const body = '{"type":"feedback"}';

  it('accepts a signed request with a fresh key and refuses tampering, staleness and replays with their codes', async () => {
    const sig = signExchange(secret, ts, 'key-000001', body);
    await expect(service().verify({ rawBody: body, timestamp: ts, signature: sig, idempotencyKey: 'key-000001' })).resolves.toBe('key-000001');
    await expect(service().verify({ rawBody: `${body} `, timestamp: ts, signature: sig, idempotencyKey: 'key-000001' })).rejects.toMatchObject({ code: 'CTI_ERR_UNAUTHORIZED' });
    const old = String(now / 1000 - 301);
    await expect(service().verify({ rawBody: body, timestamp: old, signature: signExchange(secret, old, 'key-000001', body), idempotencyKey: 'key-000001' })).rejects.toMatchObject({ code: 'CTI_ERR_UNAUTHORIZED' });
    await expect(service(['key-000001']).verify({ rawBody: body, timestamp: ts, signature: sig, idempotencyKey: 'key-000001' })).rejects.toMatchObject({ code: 'CTI_ERR_CONFLICT' });
    await expect(service().verify({ rawBody: body, timestamp: ts, signature: sig, idempotencyKey: 'short' })).rejects.toMatchObject({ code: 'CTI_ERR_VALIDATION' });
  });

  it('refuses a signed body replayed under a fresh idempotency key (the key is signed)', async () => {
    const sig = signExchange(secret, ts, 'key-000001', body);
    await expect(service(['key-000001']).verify({ rawBody: body, timestamp: ts, signature: sig, idempotencyKey: 'key-000002' })).rejects.toMatchObject({ code: 'CTI_ERR_UNAUTHORIZED' });
  });

  it('checks timestamp, signature presence and key format from the headers alone', () => {
    expect(service().checkHeaders({ timestamp: ts, signature: 'sha256=00', idempotencyKey: 'key-000001' })).toBe('key-000001');
    expect(() => service().checkHeaders({ timestamp: String(now / 1000 - 301), signature: 'sha256=00', idempotencyKey: 'key-000001' })).toThrow(expect.objectContaining({ code: 'CTI_ERR_UNAUTHORIZED' }));
    expect(() => service().checkHeaders({ timestamp: ts, signature: undefined, idempotencyKey: 'key-000001' })).toThrow(expect.objectContaining({ code: 'CTI_ERR_UNAUTHORIZED' }));
    expect(() => service().checkHeaders({ timestamp: ts, signature: 'sha256=00', idempotencyKey: undefined })).toThrow(expect.objectContaining({ code: 'CTI_ERR_VALIDATION' }));
  });
});
