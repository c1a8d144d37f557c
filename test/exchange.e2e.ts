// Ticket exchange with the 110 platform (工单互派) through the running gateway and worker, against the reference partner.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { TokenRepository, createDb, type Database } from '@cti/db';
import { Partner110Server, pushTo12345 } from './partner-110/partner-110.server.js';
import { apiWith } from './support/api.js';
import { waitFor } from './support/processes.js';
import { pidFile } from './support/gateway.control.js';

const ctx = inject('e2e');
const inboundSecret = ctx.env.CTI_EXCHANGE_INBOUND_SECRET as string;
const partner = new Partner110Server({ inboundSecret: ctx.env.CTI_EXCHANGE_OUTBOUND_SECRET as string });
let db: Kysely<Database>;
let partnerToken: string;
let agentToken: string;

const call = (token: string, method: string, path: string, body?: unknown) => apiWith(ctx, token, method, path, body);

const counts = async () => {
  const row = await sql<{ t: string; h: string; x: string }>`SELECT (SELECT count(*) FROM tickets) t, (SELECT count(*) FROM ticket_history) h, (SELECT count(*) FROM exchange_messages) x`.execute(db);
  return row.rows[0];
};

/** The gateway's peak resident memory (KiB) since resetPeakRss. */
const gatewayPid = () => Number(readFileSync(pidFile(ctx.root, ctx.runId), 'utf8'));
const peakRssKiB = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const resetPeakRss = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, '5');

/** How many requests to the inbound endpoint the gateway's log shows answered with `status`. */
const gatewayLog = () => `${ctx.root}.run/${ctx.runId}/gateway.log`;
const inboundAnswered = (status: number) =>
  readFileSync(gatewayLog(), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"url":"/api/v1/exchange/110/inbound"') && l.includes(`"status":${status},`)).length;

/**
 * POSTs a chunked body of `total` bytes to the inbound endpoint, writing only as fast as the gateway reads, and stops
 * writing when the answer arrives. Returns the status (0 when the gateway's close reset the connection before the
 * answer could be read: it stops reading, so unread bytes make its close a reset) and the body bytes handed over.
 */
function streamToInbound(headers: Record<string, string>, total: number): Promise<{ status: number; sent: number }> {
  const url = new URL(`${ctx.apiUrl}/api/v1/exchange/110/inbound`);
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.on('error', () => undefined);
      res.resume();
      resolve({ status: res.statusCode ?? 0, sent });
    });
    req.on('error', () => {
      if (!answered) resolve({ status: 0, sent });
      answered = true;
    });
    // One chunk per turn of the event loop, so that an answer is read as soon as it arrives, between two writes.
    const pump = (): void => {
      if (answered) return;
      if (sent >= total) return void req.end();
      sent += chunk.length;
      if (req.write(chunk)) setImmediate(pump);
      else req.once('drain', pump);
    };
    req.write('{"type":"ticket","content":"');
    pump();
  });
}

/** Streams the body and checks the gateway refused it with `status` (from the answer, or its log after a reset). */
async function refusedWhileStreaming(headers: Record<string, string>, total: number, status: number): Promise<number> {
  const logged = inboundAnswered(status);
  const overLimit = bodyOverLimitLines().length;
  const r = await streamToInbound(headers, total);
  if (r.status !== 0) expect(r.status).toBe(status);
  await waitFor(`the gateway's log of the ${status}`, async () => inboundAnswered(status) === logged + 1, 10_000);
  const cut = bodyOverLimitLines().slice(overLimit);
  if (status === 413) {
    // The gateway read one chunk past the limit and no further (its own count, whatever the machine's speed).
    expect(cut).toHaveLength(1);
    expect(cut[0]!.bodyBytesRead).toBeGreaterThan(cut[0]!.limit);
    expect(cut[0]!.bodyBytesRead).toBeLessThanOrEqual(cut[0]!.limit + 64 * 1024 + 64);
  } else {
    expect(cut).toEqual([]); // refused before a byte of the body was read
  }
  // How much the client had written when it saw the answer is not checked: beyond what the gateway read, it sat in
  // the sockets' kernel buffers (up to 32 MiB here), and how far the writer got depends on how busy the machine is
  // (a run under load wrote 11 MiB). What the gateway read is its own count, above.
  return r.sent;
}

/** The gateway's log lines for inbound bodies cut at the limit. */
const bodyOverLimitLines = () =>
  readFileSync(gatewayLog(), 'utf8')
    .split('\n')
    .filter((l) => l.includes('inbound body over the limit'))
    .map((l) => JSON.parse(l) as { limit: number; bodyBytesRead: number });

const newIncident = () => `JJ-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

beforeAll(async () => {
  await partner.start(17190);
  db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 2);
  const tokens = new TokenRepository(db);
  partnerToken = await tokens.create('partner', 'e2e 110 platform', null);
  agentToken = await tokens.create('agent', 'e2e exchange agent', null);
});

afterAll(async () => {
  await partner.stop();
  await db?.destroy();
});

describe('outbound push to the 110 platform', () => {
  it('signs the push, retries through 503s with backoff, and stores the partner incident number on the ticket', async () => {
    const created = await call(agentToken, 'POST', '/api/v1/tickets', { category: 'report', callerNumber: '13900001234', summary: '打架斗殴', content: '某小区门口有人打架', address: '康定市' });
    expect(created.status).toBe(201);
    partner.failNext(2);
    const pushed = await call(agentToken, 'POST', `/api/v1/tickets/${created.body.id}/exchange/push`, { partnerLine: '110' });
    expect(pushed.status).toBe(202);
    await waitFor('incident number on the ticket', async () => (await call(agentToken, 'GET', `/api/v1/tickets/${created.body.id}`)).body.partner?.incidentNo !== undefined, 30_000);
    const mine = partner.received.filter((r) => r.body.ticketId === created.body.id);
    expect(mine.map((r) => r.status)).toEqual([503, 503, 201]);
    expect(mine.every((r) => r.signatureOk && r.idempotencyKey === `push:${created.body.id}`)).toBe(true);
    const ticket = (await call(agentToken, 'GET', `/api/v1/tickets/${created.body.id}`)).body;
    expect(ticket.partner).toMatchObject({ line: '110', incidentNo: mine[2]?.incidentNo, status: 'received' });
    expect((await call(agentToken, 'POST', `/api/v1/tickets/${created.body.id}/exchange/push`, { partnerLine: '110' })).status).toBe(409);

    // The partner later reports back; the status feedback lands on the ticket and in its history.
    const feedback = await pushTo12345(ctx.apiUrl, partnerToken, { type: 'feedback', incidentNo: ticket.partner.incidentNo, ticketNo: ticket.ticketNo, status: 'handled', result: '已出警处置' }, { secret: inboundSecret });
    expect(feedback.status).toBe(200);
    const after = (await call(agentToken, 'GET', `/api/v1/tickets/${created.body.id}`)).body;
    expect(after.partner).toMatchObject({ status: 'handled', result: '已出警处置' });
    const history = (await call(agentToken, 'GET', `/api/v1/tickets/${created.body.id}/history`)).body.items.map((h: { action: string }) => h.action);
    expect(history).toEqual(['create', 'exchange_push', 'exchange_feedback']);
  });

  it('takes back a matter the 110 platform rejects: the transferred ticket waits for dispatch again, with a new deadline', async () => {
    const created = await call(agentToken, 'POST', '/api/v1/tickets', { category: 'complaint', callerNumber: '13900005678', summary: '邻里噪音', content: '楼上深夜装修', address: '康定市' });
    expect(created.status).toBe(201);
    const transferred = await call(agentToken, 'POST', `/api/v1/tickets/${created.body.id}/actions/transfer_emergency`, { data: { partnerLine: '110', method: 'push' } });
    expect(transferred.status).toBe(200);
    expect(transferred.body.ticket.state).toBe('transferred_emergency');
    await waitFor('incident number on the ticket', async () => (await call(agentToken, 'GET', `/api/v1/tickets/${created.body.id}`)).body.partner?.incidentNo !== undefined, 30_000);
    const ticket = (await call(agentToken, 'GET', `/api/v1/tickets/${created.body.id}`)).body;

    const before = Date.now();
    const rejected = await pushTo12345(ctx.apiUrl, partnerToken, { type: 'feedback', incidentNo: ticket.partner.incidentNo, ticketNo: ticket.ticketNo, status: 'rejected', result: '非警情，请12345办理' }, { secret: inboundSecret });
    expect(rejected.status).toBe(200);
    const after = (await call(agentToken, 'GET', `/api/v1/tickets/${created.body.id}`)).body;
    expect(after).toMatchObject({ state: 'awaiting_dispatch', partner: { status: 'rejected', result: '非警情，请12345办理' } });
    expect(Date.parse(after.deadlineAt)).toBeGreaterThan(before);
    const history = (await call(agentToken, 'GET', `/api/v1/tickets/${created.body.id}/history`)).body.items;
    expect(history.map((h: { action: string }) => h.action)).toEqual(['create', 'transfer_emergency', 'exchange_feedback', 'partner_returned']);
    expect(history.at(-1)).toMatchObject({ from: 'transferred_emergency', to: 'awaiting_dispatch', data: { partnerLine: '110', incidentNo: ticket.partner.incidentNo, reason: '非警情，请12345办理' } });

    // Later feedback on a ticket that is back with 12345 is stored, and changes nothing else.
    const late = await pushTo12345(ctx.apiUrl, partnerToken, { type: 'feedback', incidentNo: ticket.partner.incidentNo, ticketNo: ticket.ticketNo, status: 'rejected' }, { secret: inboundSecret });
    expect(late.status).toBe(200);
    expect((await call(agentToken, 'GET', `/api/v1/tickets/${created.body.id}`)).body.state).toBe('awaiting_dispatch');
  });
});

describe('inbound endpoint for the 110 platform', () => {
  const ticketBody = () => ({ type: 'ticket', incidentNo: newIncident(), category: 'help', callerNumber: '13700001111', summary: '老人走失后已找到，需社区回访', content: '110 转来的非警务求助', urgency: 'normal' });

  it('creates a partner ticket from a signed push', async () => {
    const body = ticketBody();
    const res = await pushTo12345(ctx.apiUrl, partnerToken, body, { secret: inboundSecret });
    expect(res.status).toBe(201);
    // A ticket 110 opened is in nobody's agent scope yet: the shift lead reads it (README: Security → citizens' data).
    const t = (await call(ctx.supervisorToken, 'GET', `/api/v1/tickets/${res.body.ticketId}`)).body;
    expect(t).toMatchObject({ source: 'partner', state: 'intake', category: 'help', partner: { incidentNo: body.incidentNo, line: '110' } });
    expect(t.deadlineAt).not.toBeNull();
  });

  it('refuses a tampered signature (401), a stale timestamp (401) and a replayed idempotency key (409), writing nothing', async () => {
    const before = await counts();
    expect((await pushTo12345(ctx.apiUrl, partnerToken, ticketBody(), { secret: inboundSecret, tamper: true })).status).toBe(401);
    expect((await pushTo12345(ctx.apiUrl, partnerToken, ticketBody(), { secret: 'not-the-partner-secret-000' })).status).toBe(401);
    const window = Number(ctx.env.CTI_EXCHANGE_WINDOW_S ?? 300);
    expect((await pushTo12345(ctx.apiUrl, partnerToken, ticketBody(), { secret: inboundSecret, timestamp: Math.floor(Date.now() / 1000) - window - 5 })).status).toBe(401);
    expect((await pushTo12345(ctx.apiUrl, partnerToken, ticketBody(), { secret: inboundSecret, timestamp: Math.floor(Date.now() / 1000) + window + 5 })).status).toBe(401);
    expect(await counts()).toEqual(before);

    const key = `replay-${Date.now()}`;
    const body = ticketBody();
    expect((await pushTo12345(ctx.apiUrl, partnerToken, body, { secret: inboundSecret, idempotencyKey: key })).status).toBe(201);
    const afterFirst = await counts();
    const replay = await pushTo12345(ctx.apiUrl, partnerToken, body, { secret: inboundSecret, idempotencyKey: key });
    expect(replay.status).toBe(409);
    expect(replay.body.error).toBe('CTI_ERR_CONFLICT');
    expect(await counts()).toEqual(afterFirst);
  });

  it('refuses a signed body replayed under a fresh idempotency key (the key is signed): 401, nothing written', async () => {
    const before = await counts();
    const res = await pushTo12345(ctx.apiUrl, partnerToken, ticketBody(), { secret: inboundSecret, idempotencyKey: `fresh-${Date.now()}`, signedKey: `captured-${Date.now()}` });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/signature does not match/);
    expect(await counts()).toEqual(before);
  });

  it('refuses feedback on a ticket that was never sent to 110 (409), leaving the ticket and its history as they were', async () => {
    const created = await call(agentToken, 'POST', '/api/v1/tickets', { category: 'consultation', callerNumber: '13900007777', summary: '社保咨询', content: '询问社保转移手续' });
    expect(created.status).toBe(201);
    const before = await counts();
    const res = await pushTo12345(ctx.apiUrl, partnerToken, { type: 'feedback', incidentNo: newIncident(), ticketNo: created.body.ticketNo, status: 'closed', result: '已处置' }, { secret: inboundSecret });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/never exchanged with the 110 platform/);
    expect(await counts()).toEqual(before);
    const t = (await call(ctx.supervisorToken, 'GET', `/api/v1/tickets/${created.body.id}`)).body;
    expect(t.partner ?? null).toBeNull();
  });

  it('answers a 20 MiB chunked body with 413 at the limit, without reading it whole, and with bounded memory', async () => {
    const pid = gatewayPid();
    const ts = String(Math.floor(Date.now() / 1000));
    const signed = { authorization: `Bearer ${partnerToken}`, 'x-cti-timestamp': ts, 'x-cti-signature': `sha256=${'0'.repeat(64)}`, 'idempotency-key': `big-${Date.now()}` };
    const total = 20 * 1024 * 1024;
    const before = await counts();
    resetPeakRss(pid);
    const baseline = peakRssKiB(pid);
    await refusedWhileStreaming(signed, total, 413);
    // Buffering it whole took several times 20 MiB (chunks, their concatenation, the string).
    expect(peakRssKiB(pid) - baseline).toBeLessThan(16 * 1024);

    // A stranger, or stale signing headers, are refused before a byte of the body is read.
    await refusedWhileStreaming({ ...signed, authorization: 'Bearer no-such-token' }, total, 401);
    await refusedWhileStreaming({ ...signed, 'x-cti-timestamp': String(Number(ts) - 3600) }, total, 401);
    expect(peakRssKiB(pid) - baseline).toBeLessThan(16 * 1024);
    expect(await counts()).toEqual(before);
    // The gateway still serves the partner afterwards.
    expect((await pushTo12345(ctx.apiUrl, partnerToken, ticketBody(), { secret: inboundSecret })).status).toBe(201);
  });

  it('needs the partner role as well as the signature', async () => {
    expect((await pushTo12345(ctx.apiUrl, agentToken, ticketBody(), { secret: inboundSecret })).status).toBe(403);
    expect((await pushTo12345(ctx.apiUrl, 'no-such-token', ticketBody(), { secret: inboundSecret })).status).toBe(401);
  });

  it('answers 500 random malformed bodies, correctly signed, with 4xx only and writes nothing', async () => {
    const before = await counts();
    const junk = fc.oneof(
      fc.anything(),
      fc.record({ type: fc.constantFrom('ticket', 'feedback', 'other'), incidentNo: fc.oneof(fc.string(), fc.integer(), fc.constant('')), category: fc.string(), callerNumber: fc.string() }, { requiredKeys: [] }),
      fc.string().map((s) => `{"type":"ticket",${s}`),
      fc.record({ type: fc.constant('feedback'), incidentNo: fc.constant('NO-SUCH-1'), status: fc.string() }),
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(junk, async (body) => {
        const raw = typeof body === 'string' ? body : JSON.stringify(body) ?? 'null';
        const res = await pushTo12345(ctx.apiUrl, partnerToken, raw, { secret: inboundSecret });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 500 },
    );
    expect(await counts()).toEqual(before);
  }, 120_000);
});
