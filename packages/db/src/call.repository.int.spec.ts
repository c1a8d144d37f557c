import { beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { CallRecord } from '@cti/domain';
import { CallRepository } from './call.repository.js';
import { TokenRepository } from './token.repository.js';
import { AgentRepository } from './agent.repository.js';
import { migrate } from './migration.runner.js';
import type { Database } from './db.schema.js';
import { MIGRATIONS_DIR, TEST_DATABASE_URL, useTestSchema } from './test-schema.fixtures.test.js';

const testSchema = useTestSchema('it', 25);

let db: Kysely<Database>;
let calls: CallRepository;

const answered = (linkedId: string, over: Partial<CallRecord> = {}): CallRecord => ({
  linkedId,
  trunk: 'primary',
  callerNumber: '13800001234',
  did: '12345',
  language: 'mandarin',
  arrivedAt: Date.parse('2026-11-10T02:00:00Z'),
  queuedAt: Date.parse('2026-11-10T02:00:05Z'),
  offeredAt: Date.parse('2026-11-10T02:00:06Z'),
  answeredAt: Date.parse('2026-11-10T02:00:12Z'),
  endedAt: Date.parse('2026-11-10T02:03:00Z'),
  agentId: 'a1',
  seat: 'seat-01',
  outcome: 'answered',
  endedBy: 'caller',
  offers: 1,
  ...over,
});

const count = async (table: 'calls' | 'tickets' | 'ticket_history' | 'ticket_calls', where?: [string, string]) => {
  let q = db.selectFrom(table).select(sql<string>`count(*)`.as('n'));
  if (where) q = q.where(sql.ref(where[0]), '=', where[1]);
  return Number((await q.executeTakeFirstOrThrow()).n);
};

beforeAll(async () => {
  db = testSchema.db();
  calls = new CallRepository(db);
});


describe('migrate', () => {
  it('applies nothing on a second run', async () => {
    expect(await migrate(TEST_DATABASE_URL, testSchema.name, MIGRATIONS_DIR)).toEqual({ applied: [] });
  });
});

describe('CallRepository.storeCallRecord', () => {
  it('stores an answered record delivered twice as one call and one ticket with one history row', async () => {
    const first = await calls.storeCallRecord(answered('L-dup'));
    const second = await calls.storeCallRecord(answered('L-dup'));
    expect(first).toMatchObject({ callCreated: true, ticketCreated: true });
    expect(second).toEqual({ callCreated: false, ticketCreated: false, ticketId: first.ticketId });
    expect(await count('calls', ['linked_id', 'L-dup'])).toBe(1);
    expect(await count('tickets', ['source_call_id', 'L-dup'])).toBe(1);
    expect(await count('ticket_history', ['ticket_id', first.ticketId as string])).toBe(1);
    expect(await count('ticket_calls', ['linked_id', 'L-dup'])).toBe(1);
    const ticket = await db.selectFrom('tickets').selectAll().where('id', '=', first.ticketId as string).executeTakeFirstOrThrow();
    expect(ticket).toMatchObject({ state: 'intake', caller_number: '13800001234', language: 'mandarin' });
    expect(ticket.ticket_no).toMatch(/^GZ12345-\d{8}$/);
    const call = await db.selectFrom('calls').selectAll().where('linked_id', '=', 'L-dup').executeTakeFirstOrThrow();
    expect(call).toMatchObject({ agent_id: 'a1', seat: 'seat-01', outcome: 'answered', offers: 1, via_fallback: false });
    expect(call.answered_at).toEqual(new Date('2026-11-10T02:00:12Z'));
  });

  it('stores an abandoned record as a call without a ticket', async () => {
    const r = await calls.storeCallRecord(answered('L-aband', { outcome: 'abandoned', answeredAt: undefined, agentId: undefined, seat: undefined }));
    expect(r).toEqual({ callCreated: true, ticketId: null, ticketCreated: false });
    expect(await count('calls', ['linked_id', 'L-aband'])).toBe(1);
    expect(await count('tickets', ['source_call_id', 'L-aband'])).toBe(0);
  });

  it('opens one ticket when 20 deliveries of the same record race', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => calls.storeCallRecord(answered('L-race'))));
    expect(results.filter((r) => r.ticketCreated)).toHaveLength(1);
    expect(results.filter((r) => r.callCreated)).toHaveLength(1);
    expect(new Set(results.map((r) => r.ticketId)).size).toBe(1);
    expect(await count('tickets', ['source_call_id', 'L-race'])).toBe(1);
    expect(await count('ticket_history', ['ticket_id', results[0]?.ticketId as string])).toBe(1);
  });
});

describe('CallRepository.answerCounts', () => {
  it('counts offered, answered, abandoned and answered-within-15s calls that arrived in the period', async () => {
    const from = new Date('2026-05-31T16:00:00Z');
    const to = new Date('2026-06-30T16:00:00Z');
    const t = (iso: string) => Date.parse(iso);
    const base = { arrivedAt: t('2026-06-10T00:00:00Z'), endedAt: t('2026-06-10T00:05:00Z') };
    await calls.storeCallRecord(answered('M-fast', { ...base, queuedAt: t('2026-06-10T00:00:02Z'), answeredAt: t('2026-06-10T00:00:17Z') }));
    await calls.storeCallRecord(answered('M-slow', { ...base, queuedAt: t('2026-06-10T00:00:02Z'), answeredAt: t('2026-06-10T00:00:18Z') }));
    await calls.storeCallRecord(answered('M-aband', { ...base, outcome: 'abandoned', answeredAt: undefined, agentId: undefined }));
    // Never reached the queue (failed before queueing): not offered.
    await calls.storeCallRecord(answered('M-failed', { ...base, outcome: 'failed', queuedAt: undefined, offeredAt: undefined, answeredAt: undefined, agentId: undefined }));
    // Beijing midnight boundaries: 2026-06-01 00:00 +08:00 is in, 2026-07-01 00:00 +08:00 is out.
    await calls.storeCallRecord(answered('M-first-second', { arrivedAt: from.getTime(), endedAt: from.getTime() + 60_000, queuedAt: from.getTime(), answeredAt: from.getTime() + 1_000 }));
    await calls.storeCallRecord(answered('M-next-month', { arrivedAt: to.getTime(), endedAt: to.getTime() + 60_000, queuedAt: to.getTime() }));
    await calls.storeCallRecord(answered('M-prev-month', { arrivedAt: from.getTime() - 1, endedAt: from.getTime() + 60_000, queuedAt: from.getTime() }));

    expect(await calls.answerCounts(from, to)).toEqual({ offered: 4, answered: 3, abandoned: 1, answeredWithin15s: 2 });
  });
});

describe('TokenRepository', () => {
  it('finds the principal of a created token, stores only its hash, and forgets it once revoked', async () => {
    await new AgentRepository(db).upsert({ id: 'tok-agent', name: 'Token Agent', skills: { mandarin: 5 } });
    const tokens = new TokenRepository(db);
    const token = await tokens.create('agent', 'desk 7', 'tok-agent');
    expect(token).toMatch(/^cti_[A-Za-z0-9_-]{32}$/);
    const principal = await tokens.findPrincipal(token);
    expect(principal).toEqual({ tokenId: expect.any(String), role: 'agent', agentId: 'tok-agent', label: 'desk 7', expiresAt: expect.any(Date) });
    const stored = await db.selectFrom('api_tokens').select('token_hash').where('id', '=', principal?.tokenId as string).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
    expect(await tokens.findPrincipal('cti_unknown')).toBeUndefined();

    await db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', principal?.tokenId as string).execute();
    expect(await tokens.findPrincipal(token)).toBeUndefined();
  });

  it('gives a department token the department it speaks for, and refuses a department id on any other role', async () => {
    await db.insertInto('departments').values({ id: 'tok-dept', name: '水务局' }).execute();
    const tokens = new TokenRepository(db);
    const token = await tokens.create('department', 'water bureau', null, 'tok-dept');
    expect(await tokens.findPrincipal(token)).toEqual({ tokenId: expect.any(String), role: 'department', agentId: null, label: 'water bureau', departmentId: 'tok-dept', expiresAt: expect.any(Date) });
    await expect(tokens.create('department', 'no unit', null)).rejects.toThrow(/needs a department id/);
    await expect(tokens.create('agent', 'desk', null, 'tok-dept')).rejects.toThrow(/only a department token/);
    // The table enforces it too.
    await expect(db.insertInto('api_tokens').values({ token_hash: 'x1', role: 'department', label: 'raw', agent_id: null, expires_at: new Date(Date.now() + 86_400_000) }).execute()).rejects.toThrow(/api_tokens_department_check/);
    await expect(db.insertInto('api_tokens').values({ token_hash: 'x2', role: 'department', label: 'raw', agent_id: null, department_id: 'no-such-dept', expires_at: new Date(Date.now() + 86_400_000) }).execute()).rejects.toThrow(/foreign key/);
  });
});
