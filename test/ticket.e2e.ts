// The ticket engine through the running gateway and worker: lifecycle over HTTP, deadline jobs, SMS,
// callbacks, QA, department and calendar administration, and fuzzed write endpoints.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { AgentRepository, CallRepository, TokenRepository, createDb, type Database } from '@cti/db';
import { waitFor } from './support/processes.js';

const ctx = inject('e2e');
const tag = Date.now().toString(36);
let db: Kysely<Database>;
const tok: Record<'agent' | 'supervisor' | 'manager' | 'callback' | 'qa' | 'heat' | 'market', string> = { agent: '', supervisor: ctx.supervisorToken, manager: '', callback: '', qa: '', heat: '', market: '' };

async function call(who: keyof typeof tok, method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctx.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${tok[who]}`, ...((body !== undefined || raw !== undefined) && { 'content-type': 'application/json' }) },
    ...(raw !== undefined ? { body: raw } : body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

const dep = (name: string) => `${name}-${tag}`;
const act = (id: string, action: string, who: keyof typeof tok, data: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => call(who, 'POST', `/api/v1/tickets/${id}/actions/${action}`, { data, ...extra });
const openTicket = async (over: Record<string, unknown> = {}) => {
  const r = await call('agent', 'POST', '/api/v1/tickets', { category: 'complaint', callerNumber: '13811112222', summary: '供暖不热', content: '小区供暖温度不达标', elements: { who: '张先生', where: '康定市某小区', what: '供暖不热' }, ...over });
  expect(r.status).toBe(201);
  return r.body;
};

beforeAll(async () => {
  db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 2);
  await new AgentRepository(db).upsert({ id: `q-${tag}`, name: 'QA 1', skills: { mandarin: 5 } });
  const tokens = new TokenRepository(db);
  tok.agent = await tokens.create('agent', 'e2e tickets', null);
  tok.manager = await tokens.create('manager', 'e2e tickets', null);
  tok.callback = await tokens.create('callback', 'e2e tickets', null);
  tok.qa = await tokens.create('qa', 'e2e tickets', `q-${tag}`);
  for (const [id, name] of [
    [dep('heat'), '住建局供热办'],
    [dep('market'), '市场监管局'],
  ]) {
    expect((await call('manager', 'POST', '/api/v1/departments', { id, name })).status).toBe(201);
  }
  // The handling units' own tokens (role department).
  tok.heat = await tokens.create('department', 'e2e heat office', null, dep('heat'));
  tok.market = await tokens.create('department', 'e2e market bureau', null, dep('market'));
});

afterAll(async () => {
  await db?.destroy();
});

describe('departments and calendar administration', () => {
  it('lets managers administer departments and the calendar, and nobody else', async () => {
    expect((await call('agent', 'POST', '/api/v1/departments', { id: dep('x'), name: 'x' })).status).toBe(403);
    expect((await call('manager', 'POST', '/api/v1/departments', { id: dep('heat'), name: 'again' })).status).toBe(409);
    expect((await call('manager', 'PATCH', `/api/v1/departments/${dep('market')}`, { phone: '0836-2812345' })).body.phone).toBe('0836-2812345');
    expect((await call('agent', 'GET', '/api/v1/departments')).body.items.map((d: { id: string }) => d.id)).toContain(dep('heat'));

    const days = (await call('agent', 'GET', '/api/v1/calendar?year=2026')).body.items;
    expect(days).toContainEqual({ date: '2026-10-10', kind: 'workday', note: 'seed 2026' });
    expect((await call('agent', 'PUT', '/api/v1/calendar/days/2031-02-03', { kind: 'holiday' })).status).toBe(403);
    expect((await call('manager', 'PUT', '/api/v1/calendar/days/2031-02-30', { kind: 'holiday' })).status).toBe(400);
    expect((await call('manager', 'PUT', '/api/v1/calendar/days/2031-02-03', { kind: 'holiday', note: '测试' })).status).toBe(200);
    expect((await call('manager', 'GET', '/api/v1/calendar?year=2031')).body.items).toEqual([{ date: '2031-02-03', kind: 'holiday', note: '测试' }]);
    expect((await call('manager', 'DELETE', '/api/v1/calendar/days/2031-02-03')).status).toBe(200);
    expect((await call('manager', 'DELETE', '/api/v1/calendar/days/2031-02-03')).status).toBe(404);
  });
});

describe('ticket lifecycle over HTTP', () => {
  it('goes intake → dispatch → reply → callback → closed, with SMS, a callback task and the full history', async () => {
    const t = await openTicket();
    expect(t).toMatchObject({ state: 'intake', version: 1, deadlineStatus: 'ok' });
    expect((await act(t.id, 'submit_for_dispatch', 'agent', {}, { expectedVersion: 1 })).status).toBe(200);
    // Stale version → 409, nothing changed.
    expect((await act(t.id, 'dispatch', 'agent', { leadDepartment: dep('heat') }, { expectedVersion: 1 })).status).toBe(409);
    expect((await act(t.id, 'dispatch', 'agent', { leadDepartment: dep('heat'), coHandlers: [dep('market')] })).status).toBe(200);
    // Invalid transition → 409 with a code; wrong role → 403.
    const invalid = await act(t.id, 'reply', 'supervisor', { replyText: 'x' }, { asDepartment: dep('heat') });
    expect(invalid).toMatchObject({ status: 409, body: { error: 'CTI_ERR_INVALID_TRANSITION' } });
    expect((await act(t.id, 'sign', 'agent', {})).status).toBe(403);
    for (const [action, data] of [
      ['sign', {}],
      ['start', {}],
      ['reply', { replyText: '已协调供热公司整改' }],
    ] as const) {
      expect((await act(t.id, action, 'supervisor', data, { asDepartment: dep('heat') })).status).toBe(200);
    }
    expect((await act(t.id, 'review_reply', 'supervisor', { decision: 'accept' })).body.ticket.state).toBe('awaiting_callback');
    const tasks = (await call('callback', 'GET', `/api/v1/tickets/${t.id}/callbacks`)).body.items;
    expect(tasks).toMatchObject([{ round: 1, status: 'pending' }]);
    expect((await call('callback', 'GET', '/api/v1/ticket-callbacks?status=pending')).body.items.map((x: { ticketId: string }) => x.ticketId)).toContain(t.id);
    const dissatisfied = await act(t.id, 'record_callback', 'callback', { satisfaction: 'dissatisfied', comment: '仍然不热' });
    expect(dissatisfied.body.ticket).toMatchObject({ state: 'awaiting_callback', flags: { dissatisfactionReviewPending: true } });
    expect((await act(t.id, 'review_dissatisfied', 'supervisor', { decision: 'redo' })).body.ticket.state).toBe('in_progress');
    await act(t.id, 'reply', 'supervisor', { replyText: '已更换阀门' }, { asDepartment: dep('heat') });
    await act(t.id, 'review_reply', 'supervisor', { decision: 'accept' });
    const closed = await act(t.id, 'record_callback', 'callback', { satisfaction: 'very_satisfied' });
    expect(closed.body.ticket).toMatchObject({ state: 'closed', satisfaction: 'very_satisfied' });
    expect((await call('callback', 'GET', `/api/v1/tickets/${t.id}/callbacks`)).body.items).toMatchObject([
      { round: 1, status: 'done', satisfaction: 'dissatisfied' },
      { round: 2, status: 'done', satisfaction: 'very_satisfied' },
    ]);
    const history = (await call('agent', 'GET', `/api/v1/tickets/${t.id}/history`)).body.items.map((h: { action: string }) => h.action);
    expect(history).toEqual(['create', 'submit_for_dispatch', 'dispatch', 'sign', 'start', 'reply', 'review_reply', 'record_callback', 'review_dissatisfied', 'reply', 'review_reply', 'record_callback']);

    // The worker sends the receipt and both callback notices through the log SMS adapter.
    const smsFile = join(ctx.root, ctx.env.CTI_SMS_LOG_FILE as string);
    await waitFor('three SMS for the ticket', () => existsSync(smsFile) && readFileSync(smsFile, 'utf8').split('\n').filter((l) => l.includes(t.ticketNo)).length === 3, 15_000);
    const lines = readFileSync(smsFile, 'utf8').split('\n').filter((l) => l.includes(t.ticketNo)).map((l) => JSON.parse(l));
    // The SMS queue runs several messages at once, so the file order is not the ticket's order.
    expect(lines.map((l: { kind: string }) => l.kind).sort()).toEqual(['callback_notice', 'callback_notice', 'receipt']);
    expect(lines.every((l: { to: string }) => l.to === '13811112222')).toBe(true);
    // Staff see each message and how it went (sent once confirmed; the number masked).
    await waitFor('the three SMS marked sent', async () => (await call('agent', 'GET', `/api/v1/tickets/${t.id}/sms`)).body.items.every((m: { status: string }) => m.status === 'sent'), 15_000);
    const listed = (await call('agent', 'GET', `/api/v1/tickets/${t.id}/sms`)).body.items as Array<{ kind: string; to: string; status: string; sentAt: string }>;
    expect(listed.map((m) => m.kind).sort()).toEqual(['callback_notice', 'callback_notice', 'receipt']);
    expect(listed.every((m) => m.to !== '13811112222' && m.to.endsWith('2222') && m.sentAt)).toBe(true);
    expect((await call('agent', 'GET', '/api/v1/tickets/12x/sms')).status).toBe(400);

    const search = await call('agent', 'GET', `/api/v1/tickets?state=closed&category=complaint&department=${dep('market')}&caller=13811112222`);
    expect(search.body.items.map((x: { id: string }) => x.id)).toContain(t.id);
  });

  it('lets a department work its own tickets with its own token, and only those', async () => {
    const mine = await openTicket({ summary: '暖气片漏水' });
    const other = await openTicket({ summary: '商铺短斤少两' });
    await act(mine.id, 'submit_for_dispatch', 'agent');
    await act(other.id, 'submit_for_dispatch', 'agent');
    expect((await act(mine.id, 'dispatch', 'agent', { leadDepartment: dep('heat') })).status).toBe(200);
    expect((await act(other.id, 'dispatch', 'agent', { leadDepartment: dep('market') })).status).toBe(200);

    // It sees its own tickets, not the other unit's (403), and cannot list another unit's.
    const listed = (await call('heat', 'GET', '/api/v1/tickets?state=dispatched')).body.items.map((x: { id: string }) => x.id);
    expect(listed).toContain(mine.id);
    expect(listed).not.toContain(other.id);
    expect((await call('heat', 'GET', `/api/v1/tickets?department=${dep('market')}`)).status).toBe(403);
    expect((await call('heat', 'GET', `/api/v1/tickets/${other.id}`)).status).toBe(403);
    expect((await call('heat', 'GET', `/api/v1/tickets/${other.id}/history`)).status).toBe(403);
    expect((await call('heat', 'GET', `/api/v1/tickets/${mine.id}`)).body.summary).toBe('暖气片漏水');

    // Its steps on its own ticket, recorded as the department itself; another unit's token is refused.
    expect((await act(mine.id, 'sign', 'market')).status).toBe(403);
    for (const [action, data] of [['sign', {}], ['start', {}], ['reply', { replyText: '已更换暖气片阀门' }]] as const) {
      expect((await act(mine.id, action, 'heat', data)).status).toBe(200);
    }
    // Staff-only steps and acting for another department stay closed to it.
    expect((await act(mine.id, 'review_reply', 'heat', { decision: 'accept' })).status).toBe(403);
    expect((await act(other.id, 'sign', 'heat', {}, { asDepartment: dep('market') })).status).toBe(403);
    const history = (await call('agent', 'GET', `/api/v1/tickets/${mine.id}/history`)).body.items;
    expect(history.slice(-3).map((h: { action: string; actor: { role: string; id: string } }) => [h.action, h.actor.role, h.actor.id])).toEqual([
      ['sign', 'department', dep('heat')],
      ['start', 'department', dep('heat')],
      ['reply', 'department', dep('heat')],
    ]);
  });

  it('offers open tickets of the same caller for linking, merges a duplicate under its parent, and links a stored call', async () => {
    const caller = `139${String(Date.now()).slice(-8)}`;
    const parent = await openTicket({ callerNumber: caller });
    const child = await openTicket({ callerNumber: `+86 ${caller}` });
    const candidates = (await call('agent', 'GET', `/api/v1/tickets/link-candidates?caller=${caller}`)).body.items.map((x: { id: string }) => x.id);
    expect(candidates).toEqual([child.id, parent.id]);
    expect((await act(child.id, 'merge_into', 'agent', { parentTicketId: parent.id })).body.ticket).toMatchObject({ state: 'merged', parentTicketId: parent.id });
    expect((await act(parent.id, 'merge_into', 'agent', { parentTicketId: child.id })).status).toBe(400);

    const linkedId = `e2e-link-${tag}`;
    await new CallRepository(db).storeCallRecord({ linkedId, trunk: 'primary', callerNumber: caller, did: '12345', language: 'mandarin', arrivedAt: Date.now() - 60_000, endedAt: Date.now(), outcome: 'abandoned', offers: 0 });
    expect((await call('agent', 'POST', `/api/v1/tickets/${parent.id}/calls`, { linkedId })).status).toBe(200);
    expect((await call('agent', 'GET', `/api/v1/tickets/${parent.id}/history`)).body.linkedCallIds).toEqual([linkedId]);
  });

  it('raises yellow then red on an urgent ticket through delayed jobs: 催办 and 督办 in the history, listed as overdue', async () => {
    const t = await openTicket({ category: 'help', urgency: 'urgent', summary: '水管爆裂' });
    // The deadline jobs may write the ticket while these run (the urgent deadline is short here): both must land.
    for (const [action, data] of [['submit_for_dispatch', {}], ['dispatch', { leadDepartment: dep('heat') }]] as const) {
      const r = await act(t.id, action, 'agent', data);
      expect(r.status, `${action}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    await waitFor('red warning', async () => (await call('supervisor', 'GET', `/api/v1/tickets/${t.id}`)).body.warningLevel === 'red', 60_000, 500);
    const detail = (await call('supervisor', 'GET', `/api/v1/tickets/${t.id}`)).body;
    expect(detail).toMatchObject({ deadlineStatus: 'red', flags: { supervised: true } });
    expect(detail.reminderCount).toBeGreaterThanOrEqual(1);
    const history = (await call('supervisor', 'GET', `/api/v1/tickets/${t.id}/history`)).body.items;
    expect(history.filter((h: { action: string }) => h.action === 'deadline_warning').map((h: { data: { level: string } }) => h.data.level)).toEqual(['yellow', 'red']);
    expect(history.find((h: { action: string }) => h.action === 'supervise')).toMatchObject({ actor: { role: 'system' } });
    expect((await call('supervisor', 'GET', '/api/v1/tickets/overdue')).body.items.map((x: { id: string }) => x.id)).toContain(t.id);
    expect((await call('supervisor', 'GET', '/api/v1/tickets?deadlineStatus=red&limit=500')).body.items.map((x: { id: string }) => x.id)).toContain(t.id);
    expect((await call('agent', 'GET', '/api/v1/tickets/overdue')).status).toBe(403);
  }, 90_000);
});

describe('QA sampling and reviews', () => {
  it('samples at least 10% per agent of a month, lets the assigned QA staff score against the rubric, and reports form accuracy', async () => {
    const calls = new CallRepository(db);
    const base = Date.parse('2025-03-10T02:00:00Z');
    for (let i = 0; i < 40; i++) {
      const agentId = `a0${(i % 4) + 1}`;
      await calls.storeCallRecord({ linkedId: `qa-${tag}-${i}`, trunk: 'primary', callerNumber: '13800000000', did: '12345', language: 'mandarin', arrivedAt: base + i * 60_000, answeredAt: base + i * 60_000 + 5000, endedAt: base + i * 60_000 + 90_000, outcome: 'answered', offers: 1, agentId });
    }
    const sample = await call('supervisor', 'POST', '/api/v1/qa/samples', { period: '2025-03' });
    expect(sample.status).toBe(200);
    expect(sample.body).toMatchObject({ created: 4, answered: 40 });
    expect((await call('supervisor', 'POST', '/api/v1/qa/samples', { period: '2025-03' })).body).toMatchObject({ created: 0, existing: 4 });
    // Other test files may hold qa tokens too, so reviews can be dealt to several reviewers; the lead sees all.
    const all = (await call('supervisor', 'GET', '/api/v1/qa/reviews?period=2025-03')).body.items;
    expect(all).toHaveLength(4);
    expect(new Set(all.map((r: { agentId: string }) => r.agentId))).toEqual(new Set(['a01', 'a02', 'a03', 'a04']));
    const mine = (await call('qa', 'GET', '/api/v1/qa/reviews?period=2025-03')).body.items;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r: { assignedTo: string }) => r.assignedTo === `q-${tag}`)).toBe(true);
    const rubric = (await call('qa', 'GET', '/api/v1/qa/rubric')).body;
    const full = Object.fromEntries(rubric.items.map((i: { id: string }) => [i.id, 1]));
    for (const [n, r] of all.entries()) {
      const marks = n === 0 ? { ...full, privacy: 0 } : full;
      const who = r.assignedTo === `q-${tag}` ? 'qa' : 'supervisor';
      const res = await call(who, 'POST', `/api/v1/qa/reviews/${r.id}`, { marks, comments: 'ok' });
      expect(res.status).toBe(200);
      expect(res.body.passed).toBe(n !== 0);
    }
    const report = (await call('supervisor', 'GET', '/api/v1/qa/report?period=2025-03')).body;
    expect(report).toMatchObject({ answered: 40, sampled: 4, reviewed: 4, passed: 3, coverage: 0.1, formAccuracy: 0.75 });
  });
});

describe('input that PostgreSQL or the calendar would refuse is a 400, not a 500 or another day', () => {
  it('refuses U+0000 in ticket and department text, naming the field, and writes nothing', async () => {
    const t = await openTicket();
    const before = (await sql<{ n: string }>`SELECT (SELECT count(*) FROM tickets) || ':' || (SELECT md5(string_agg(d::text, ',' ORDER BY d.id)) FROM departments d) AS n`.execute(db)).rows[0]?.n;
    const created = await call('agent', 'POST', '/api/v1/tickets', { category: 'complaint', callerNumber: '13811112222', summary: '供暖\u0000不热', content: '小区供暖温度不达标' });
    expect(created.status).toBe(400);
    expect(created.body.details.issues[0]).toMatchObject({ field: 'summary', reason: expect.stringMatching(/NUL/) });
    expect((await call('agent', 'PATCH', `/api/v1/tickets/${t.id}`, { expectedVersion: t.version, elements: { who: '张\u0000先生' } })).status).toBe(400);
    expect((await call('manager', 'POST', '/api/v1/departments', { id: dep('nul'), name: '住建\u0000局' })).status).toBe(400);
    expect((await call('manager', 'PATCH', `/api/v1/departments/${dep('market')}`, { name: '市场\u0000监管局' })).status).toBe(400);
    const after = (await sql<{ n: string }>`SELECT (SELECT count(*) FROM tickets) || ':' || (SELECT md5(string_agg(d::text, ',' ORDER BY d.id)) FROM departments d) AS n`.execute(db)).rows[0]?.n;
    expect(after).toBe(before);
  });

  it('refuses impossible dates, unbounded offsets and over-long KPI periods with 400', async () => {
    for (const path of [
      '/api/v1/reports/daily?date=2026-02-30&format=json',
      '/api/v1/kpi/answer-rate?date=2026-04-31',
      '/api/v1/tickets?from=2026-02-30',
      '/api/v1/qa/reviews?offset=1e30',
      '/api/v1/ticket-callbacks?offset=99999999999',
      '/api/v1/kpi/answer-rate?from=2020-01-01T00:00:00%2B08:00&to=2026-01-01T00:00:00%2B08:00',
      '/api/v1/kpi/contract?from=2020-01-01T00:00:00%2B08:00&to=2026-01-01T00:00:00%2B08:00',
    ]) {
      const res = await call('supervisor', 'GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.error, path).toBe('CTI_ERR_VALIDATION');
    }
    // A year is still one request, and its answer rate is tallied by the database.
    const year = await call('supervisor', 'GET', '/api/v1/kpi/answer-rate?from=2025-01-01T00:00:00%2B08:00&to=2026-01-01T00:00:00%2B08:00');
    expect(year.status).toBe(200);
    expect(year.body).toMatchObject({ offered: expect.any(Number), excluded: expect.any(Object) });
  });
});

describe('KPI fault windows (they remove calls from the contractual answer rate)', () => {
  it('writes an audit row with who and why when one is declared and when it is withdrawn, and needs a reason to withdraw', async () => {
    const declared = await call('supervisor', 'POST', '/api/v1/kpi/fault-windows', { from: '2030-03-01T10:00:00+08:00', to: '2030-03-01T10:20:00+08:00', reason: '主中继故障' });
    expect(declared.status).toBe(201);
    const id = declared.body.id as string;
    expect((await call('supervisor', 'DELETE', `/api/v1/kpi/fault-windows/${id}`)).status).toBe(400);
    expect((await call('supervisor', 'DELETE', `/api/v1/kpi/fault-windows/${id}`, { reason: ' ' })).status).toBe(400);
    expect((await call('agent', 'DELETE', `/api/v1/kpi/fault-windows/${id}`, { reason: 'not mine to withdraw' })).status).toBe(403);
    expect((await call('supervisor', 'DELETE', `/api/v1/kpi/fault-windows/${id}`, { reason: '误报：故障在测试线路' })).status).toBe(200);
    const rows = await db.selectFrom('audit_log').select(['action', 'actor_role', 'data']).where('target', '=', id).where('action', 'like', 'kpi.fault_window.%').orderBy('id').execute();
    expect(rows.map((r) => [r.action, r.actor_role])).toEqual([
      ['kpi.fault_window.add', 'supervisor'],
      ['kpi.fault_window.delete', 'supervisor'],
    ]);
    expect(rows[0]?.data).toMatchObject({ reason: '主中继故障' });
    expect(rows[1]?.data).toMatchObject({ reason: '误报：故障在测试线路', withdrawn: { reason: '主中继故障' } });
  });
});

/** A JSON schema as the OpenAPI document (built from the route registry) gives it. */
interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: unknown;
}

/** A JSON value whose type the schema does not allow, or undefined when the schema allows any type. */
function wrongTypeFor(schema: JsonSchema): unknown {
  if (schema.enum || schema.const !== undefined) return { notOneOf: true };
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return undefined;
  for (const [type, value] of [['number', 12345], ['string', 'not-the-type'], ['boolean', true], ['array', ['x']], ['object', { x: 1 }]] as const) {
    if (!types.includes(type) && !(type === 'number' && types.includes('integer'))) return value;
  }
  return undefined;
}

/** A path parameter value: a real target where the test has one (so a body that slipped through would write). */
function pathValue(path: string, name: string, schema: JsonSchema, real: Record<string, string>): string {
  const known = Object.entries(real).find(([prefix]) => path.startsWith(prefix));
  if (name === 'id' && known) return known[1];
  if (name === 'agentId') return 'a27';
  if (schema.enum?.length) return String(schema.enum[0]);
  if (name === 'date') return '2032-01-05';
  return schema.pattern?.includes('\\d') ? '1' : 'fuzz-target';
}

/** Adds a staff account with the admin CLI (password on standard input) and signs it in: its cookie and CSRF token. */
async function signedInStaff(username: string, role: string, password: string): Promise<{ id: string; cookie: string; csrf: string }> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('node', ['services/gateway/dist/admin.main.js', 'staff', 'add', '--username', username, '--name', '模糊测试', '--role', role], { cwd: ctx.root, env: { ...process.env, ...ctx.env } }, (err, _out, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(),
    );
    child.stdin?.end(`${password}\n`);
  });
  const res = await fetch(`${ctx.apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { staff: { id: string }; csrfToken: string };
  return { id: body.staff.id, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] as string, csrf: body.csrfToken };
}

describe('every write route of the registry under random malformed bodies', () => {
  it('answers 4xx only, never 5xx, and writes nothing', async () => {
    const t = await openTicket();
    const window = await call('supervisor', 'POST', '/api/v1/kpi/fault-windows', { from: '2031-01-01T00:00:00+08:00', to: '2031-01-01T01:00:00+08:00', reason: 'fuzz target' });
    expect(window.status).toBe(201);
    const tokens = new TokenRepository(db);
    const byRole: Record<string, string> = { agent: tok.agent, supervisor: tok.supervisor, manager: tok.manager, callback: tok.callback, qa: tok.qa, department: tok.heat, admin: await tokens.create('admin', 'e2e fuzz', null), partner: await tokens.create('partner', 'e2e fuzz', null) };
    // Routes for signed-in people only (sign-out, password change) are fuzzed with a session; the staff routes on it.
    const person = await signedInStaff(`fz-${tag}`, 'supervisor', 'Fuzz-Pass-2026');
    const real: Record<string, string> = { '/api/v1/tickets/': t.id, '/api/v1/departments/': dep('market'), '/api/v1/kpi/fault-windows/': window.body.id, '/api/v1/staff/': person.id };
    // What the write routes change; incidents the gateway detects by itself (e.g. on a loaded machine) are not theirs.
    const fingerprint = async () =>
      (
        await sql<{ n: string }>`SELECT concat_ws(':',
          (SELECT count(*) FROM tickets), (SELECT count(*) FROM ticket_history WHERE ticket_id = ${t.id}), (SELECT count(*) FROM ticket_calls WHERE ticket_id = ${t.id}),
          (SELECT version FROM tickets WHERE id = ${t.id}), (SELECT md5(string_agg(d::text, ',' ORDER BY d.id)) FROM departments d),
          (SELECT md5(string_agg(c::text, ',' ORDER BY c.day)) FROM calendar_days c), (SELECT count(*) FROM qa_reviews WHERE status = 'done'),
          (SELECT md5(string_agg(w::text, ',' ORDER BY w.id)) FROM kpi_fault_windows w), (SELECT count(*) FROM audit_log), (SELECT count(*) FROM exchange_messages),
          (SELECT md5(string_agg(i::text, ',' ORDER BY i.id)) FROM ops_incidents i WHERE i.source = 'staff'), (SELECT count(*) FROM ops_inspection_reports), (SELECT count(*) FROM ops_backups),
          (SELECT count(*) FROM agent_state_intervals WHERE agent_id = 'a27'), (SELECT md5(string_agg(a::text, ',' ORDER BY a.id)) FROM staff_accounts a),
          (SELECT count(*) FROM staff_sessions WHERE ended_at IS NULL)) AS n`.execute(db)
      ).rows[0]?.n;
    const agentState = async () => JSON.stringify((await call('supervisor', 'GET', '/api/v1/agents')).body.items?.find((a: { agentId: string }) => a.agentId === 'a27'));

    // Every POST/PUT/PATCH/DELETE the gateway publishes: a new write route is fuzzed without touching this test.
    const doc = (await call('supervisor', 'GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { 'x-roles'?: string[]; 'x-credentials'?: 'session'; security?: unknown[]; parameters?: Array<{ name: string; in: string; schema: JsonSchema }>; requestBody?: { content: { 'application/json': { schema: JsonSchema } } } }>>;
    };
    const prefer = ['supervisor', 'manager', 'admin', 'qa', 'agent', 'callback', 'department', 'partner'];
    const writes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => {
          const role = prefer.find((r) => op['x-roles']?.includes(r));
          const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(pathValue(path, name, op.parameters?.find((p) => p.in === 'path' && p.name === name)?.schema ?? {}, real)));
          // Who sends it: nobody for a public route (sign-in), the signed-in person for a session-only one, else a token.
          const auth: Record<string, string> = !op.security ? {} : op['x-credentials'] === 'session' ? { cookie: person.cookie, 'x-csrf-token': person.csrf } : { authorization: `Bearer ${byRole[role as string]}` };
          return { method: method.toUpperCase(), url, role, auth, isPublic: !op.security, body: op.requestBody?.content['application/json'].schema };
        }),
    );
    expect(writes.length).toBeGreaterThan(30);
    expect(writes.every((w) => w.role !== undefined || w.isPublic)).toBe(true);
    expect(writes.map((w) => w.url)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/password', `/api/v1/staff/${person.id}`]));

    const before = [await fingerprint(), await agentState()];
    const statuses = new Map<number, number>();
    for (const w of writes) {
      const props = Object.entries(w.body?.properties ?? {});
      // A junk body must be invalid for this route whatever the generator draws, so that "nothing written" is meaningful.
      const strict = w.body === undefined || w.body.additionalProperties === false;
      const wrongTyped = props.map(([k, v]) => [k, wrongTypeFor(v)] as const).filter(([, v]) => v !== undefined);
      const strings = props.filter(([, v]) => v.type === 'string' && !v.enum).map(([k]) => k);
      const families = [
        // Not JSON (a key starting x_ when it happens to close into JSON, which no route declares).
        fc.string().map((s) => `{"x_${s}`),
        // JSON, but not an object (null is "no body"; Infinity would be sent as null). Values are JSON values only:
        // an undefined one would vanish in JSON.stringify and could leave a valid body behind.
        fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.string(), fc.array(fc.jsonValue(), { maxLength: 3 })).map((v) => JSON.stringify(v)),
        ...(strict ? [fc.tuple(fc.dictionary(fc.string({ maxLength: 8 }).map((k) => `x_${k}`), fc.jsonValue(), { minKeys: 1, maxKeys: 3 }), fc.dictionary(fc.constantFrom(...(props.length ? props.map(([k]) => k) : ['x_none'])), fc.jsonValue(), { maxKeys: 3 })).map(([junk, declared]) => JSON.stringify({ ...declared, ...junk }))] : []),
        ...(wrongTyped.length ? [fc.subarray(wrongTyped, { minLength: 1 }).map((kv) => JSON.stringify(Object.fromEntries(kv)))] : []),
        ...(strings.length ? [fc.tuple(fc.constantFrom(...strings), fc.string(), fc.string()).map(([k, a, b]) => JSON.stringify({ [k]: `${a}\u0000${b}` }))] : []),
      ];
      await fc.assert(
        fc.asyncProperty(fc.oneof(...families), async (raw) => {
          const res = await fetch(`${ctx.apiUrl}${w.url}`, { method: w.method, headers: { ...w.auth, 'content-type': 'application/json' }, body: raw }).then(async (r) => ({ status: r.status, body: await r.text() }));
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status < 400 || res.status >= 500) throw new Error(`${w.method} ${w.url} answered ${res.status} to ${raw}: ${res.body}`);
        }),
        { numRuns: 60 },
      );
    }
    expect([await fingerprint(), await agentState()]).toEqual(before);
    expect(statuses.get(400)).toBeGreaterThan(0);
  }, 240_000);
});
