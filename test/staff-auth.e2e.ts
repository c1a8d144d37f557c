// Staff sign-in through the running gateway: accounts made with the admin CLI and the admin routes, wrong passwords,
// lockout, CSRF, role checks on people, the agent WebSocket and the wallboard stream on a session cookie, logout, and
// both expiries. The gateway runs with short sessions for this file (idle 8 s, absolute 25 s) and stream re-checks
// every second; it is restored afterwards. Expiry is observed as a state change: a WebSocket the gateway closes by
// itself, or the first refused request of a session in constant use.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { sql, type Kysely } from 'kysely';
import { AgentRepository, createDb, type Database } from '@cti/db';
import { api } from './support/api.js';
import { sseReader } from './support/sse.js';
import { pidFile, restartGateway, stopGatewayByPidFile } from './support/gateway.control.js';

const ctx = inject('e2e');
const tag = Date.now().toString(36);
const IDLE_S = 8;
const MAX_S = 25;
const env = { ...ctx.env, CTI_STAFF_SESSION_IDLE_S: String(IDLE_S), CTI_STAFF_SESSION_MAX_S: String(MAX_S), CTI_TOKEN_RECHECK_S: '1' };
const origin = ctx.apiUrl;
const agentId = `sa-${tag}`;
const user = { agent: `ag-${tag}`, sup: `sup-${tag}`, admin: `adm-${tag}`, locked: `lock-${tag}` };
const PASSWORD = { agent: 'Desk-Pass-2026', sup: 'Lead-Pass-2026', locked: 'Lock-Pass-2026' };
let adminPassword = '';
let db: Kysely<Database>;

/** The `ws` client (what the gateway's WebSocket plugin is built on; it ships no types here). */
interface Client {
  on(event: 'message', l: (data: Buffer) => void): void;
  on(event: 'close', l: (code: number, reason: Buffer) => void): void;
  close(): void;
}
const WebSocketClient = createRequire(import.meta.url)('ws') as new (url: string, options?: { headers?: Record<string, string> }) => Client;

/** Runs the admin CLI against this run's database, with `stdin` as its standard input. */
function admin(args: string[], stdin = ''): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('node', ['services/gateway/dist/admin.main.js', ...args], { cwd: ctx.root, env: { ...process.env, ...ctx.env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${args.join(' ')}: ${stderr || err.message}`)) : resolve({ stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

/** A signed-in browser: the cookie it sends and the CSRF token it echoes on writes. */
interface Browser {
  cookie: string;
  csrf: string;
  staff: { id: string; username: string; displayName: string; role: string; agentId: string | null };
  expiresAt: string;
}

async function login(username: string, password: string): Promise<{ status: number; body: any; browser?: Browser; setCookie: string | null }> {
  const res = await fetch(`${ctx.apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = await res.json();
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, body, setCookie, ...(res.status === 200 && { browser: { cookie: (setCookie ?? '').split(';')[0] as string, csrf: body.csrfToken, staff: body.staff, expiresAt: body.expiresAt } }) };
}

async function signIn(username: string, password: string): Promise<Browser> {
  const r = await login(username, password);
  if (!r.browser) throw new Error(`sign-in ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.browser;
}

/** A request as the signed-in browser sends it (`csrf: false` leaves the CSRF header out). */
async function as(b: Browser, method: string, path: string, body?: unknown, opts: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${ctx.apiUrl}${path}`, {
    method,
    headers: { cookie: b.cookie, ...(opts.csrf !== false && method !== 'GET' && { 'x-csrf-token': b.csrf }), ...(body !== undefined && { 'content-type': 'application/json' }), ...opts.headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Audit actions recorded for an account, oldest first. */
async function auditOf(staffId: string): Promise<string[]> {
  const rows = await db.selectFrom('audit_log').select('action').where('target', '=', `staff:${staffId}`).orderBy('id').execute();
  return rows.map((r) => r.action);
}

/** Opens the agent feed with the browser's cookie from `fromOrigin`; resolves the first message type or the close. */
function openFeed(b: Browser, forAgent: string, fromOrigin = origin): { first: Promise<string>; closed: Promise<{ code: number; reason: string }>; messages: string[]; ws: Client } {
  const ws = new WebSocketClient(`${ctx.apiUrl.replace(/^http/, 'ws')}/api/v1/agents/${forAgent}/events`, { headers: { cookie: b.cookie, origin: fromOrigin } });
  const messages: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const first = new Promise<string>((resolve) => {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type: string; to?: string };
      messages.push(m.type === 'agent.state' ? `agent.state:${m.to}` : m.type);
      resolve(m.type);
    });
    void closed.then((c) => resolve(`closed ${c.code}`));
  });
  return { first, closed, messages, ws };
}

beforeAll(async () => {
  db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 2);
  await new AgentRepository(db).upsert({ id: agentId, name: '登录测试坐席', skills: { mandarin: 5 } });
  // People are added with the admin CLI: the password comes on standard input, or is generated and shown once.
  await admin(['staff', 'add', '--username', user.agent, '--name', '坐席甲', '--role', 'agent', '--agent', agentId], `${PASSWORD.agent}\n`);
  await admin(['staff', 'add', '--username', user.sup, '--name', '值班长甲', '--role', 'supervisor'], `${PASSWORD.sup}\n`);
  await admin(['staff', 'add', '--username', user.locked, '--name', '锁定测试', '--role', 'qa'], `${PASSWORD.locked}\n`);
  const generated = await admin(['staff', 'add', '--username', user.admin, '--name', '管理员甲', '--role', 'admin', '--generate']);
  adminPassword = /\(shown once\): (\S+)/.exec(generated.stderr)?.[1] ?? '';
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartGateway(ctx.root, env, ctx.apiUrl);
}, 120_000);

afterAll(async () => {
  await stopGatewayByPidFile(pidFile(ctx.root, ctx.runId));
  await restartGateway(ctx.root, ctx.env, ctx.apiUrl);
  await db?.destroy();
}, 60_000);

describe('the admin CLI', () => {
  it('refuses a password against the policy and names why, and lists accounts without any hash', async () => {
    await expect(admin(['staff', 'add', '--username', `weak-${tag}`, '--name', '弱口令', '--role', 'qa'], 'password\n')).rejects.toThrow(/CTI_ERR_VALIDATION.*too_short.*too_few_classes/);
    const list = (await admin(['staff', 'list'])).stdout;
    expect(list).toContain(`"username":"${user.sup}"`);
    expect(list).not.toMatch(/scrypt|password_hash|passwordHash/);
    expect(adminPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });
});

describe('signing in', () => {
  it('signs a person in with the account the CLI made; a wrong password and an unknown user get the same 401; each is audited', async () => {
    const ok = await login(user.sup, PASSWORD.sup);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ staff: { username: user.sup, displayName: '值班长甲', role: 'supervisor', agentId: null }, csrfToken: expect.any(String) });
    expect(ok.setCookie).toMatch(/^cti_session=cts_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const wrong = await login(user.sup, 'Wrong-Pass-2026');
    const unknown = await login(`nobody-${tag}`, 'Wrong-Pass-2026');
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error).toBe('CTI_ERR_AUTH_FAILED');
    expect(await auditOf(ok.body.staff.id)).toEqual(['staff.create', 'staff.login', 'staff.login_failed']);
  });

  it('locks an account on the 5th consecutive failure: even the right password is then refused (CTI_ERR_AUTH_LOCKED) until an admin resets it', async () => {
    const codes: string[] = [];
    for (let i = 1; i <= 5; i++) codes.push((await login(user.locked, `Wrong-Pass-${i}x`)).body.error);
    expect(codes).toEqual(['CTI_ERR_AUTH_FAILED', 'CTI_ERR_AUTH_FAILED', 'CTI_ERR_AUTH_FAILED', 'CTI_ERR_AUTH_FAILED', 'CTI_ERR_AUTH_LOCKED']);
    const right = await login(user.locked, PASSWORD.locked);
    expect([right.status, right.body.error, right.body.details.retryAfterSeconds]).toEqual([401, 'CTI_ERR_AUTH_LOCKED', expect.any(Number)]);
    expect(right.body.details.retryAfterSeconds).toBeGreaterThan(800); // 15 minutes by default
    const root = await signIn(user.admin, adminPassword);
    const listed = (await as(root, 'GET', '/api/v1/staff')).body.items.find((a: { username: string }) => a.username === user.locked);
    expect(listed).toMatchObject({ failedAttempts: 0, lockedUntil: expect.any(String) });
    const reset = await as(root, 'PATCH', `/api/v1/staff/${listed.id}`, { password: 'Fresh-Pass-2026' });
    expect(reset.body).toMatchObject({ lockedUntil: null });
    expect((await login(user.locked, 'Fresh-Pass-2026')).status).toBe(200);
    // Five failures (the fifth also locks), the refused right password, the reset, the sign-in.
    expect(await auditOf(listed.id)).toEqual(['staff.create', ...Array(5).fill('staff.login_failed'), 'staff.lockout', 'staff.login_failed', 'staff.password_reset', 'staff.login']);
  });
});

describe('a signed-in browser', () => {
  it('needs the session’s x-csrf-token on a write (403 CTI_ERR_AUTH_CSRF without it or with another’s)', async () => {
    const sup = await signIn(user.sup, PASSWORD.sup);
    const other = await signIn(user.agent, PASSWORD.agent);
    const without = await as(sup, 'POST', '/api/v1/wallboard/tickets', undefined, { csrf: false });
    expect([without.status, without.body.error]).toEqual([403, 'CTI_ERR_AUTH_CSRF']);
    const foreign = await as(sup, 'POST', '/api/v1/wallboard/tickets', undefined, { csrf: false, headers: { 'x-csrf-token': other.csrf } });
    expect(foreign.status).toBe(403);
    const issued = await as(sup, 'POST', '/api/v1/wallboard/tickets');
    expect([issued.status, issued.body.url]).toEqual([200, expect.stringMatching(/^\/wallboard\?ticket=/)]);
    // Reads need no CSRF token.
    expect((await as(sup, 'GET', '/api/v1/calls/live')).status).toBe(200);
  });

  it('keeps an agent’s session off supervisor routes and off other agents’ seats, like an agent token', async () => {
    const agent = await signIn(user.agent, PASSWORD.agent);
    for (const [method, path] of [['GET', '/api/v1/calls/live'], ['GET', '/api/v1/agents'], ['POST', '/api/v1/supervisor/agents/a01/force-logout'], ['GET', '/api/v1/staff']] as const) {
      const r = await as(agent, method, path, method === 'POST' ? {} : undefined);
      expect(`${method} ${path} ${r.status} ${JSON.stringify(r.body.details?.allowed !== undefined)}`).toBe(`${method} ${path} 403 true`);
    }
    const foreignSeat = await as(agent, 'POST', '/api/v1/agents/a01/pause', { reason: 'break' });
    expect([foreignSeat.status, foreignSeat.body.error]).toEqual([403, 'CTI_ERR_FORBIDDEN']);
  });

  it('opens the agent’s own WebSocket feed with the cookie and sees its own state change; another seat, a foreign origin or no session are refused', async () => {
    const agent = await signIn(user.agent, PASSWORD.agent);
    const feed = openFeed(agent, agentId);
    expect(await feed.first).toBe('hello');
    expect(await openFeed(agent, 'a01').first).toBe('closed 4403');
    expect(await openFeed(agent, agentId, 'http://evil.example').first).toBe('closed 4403');
    expect(await openFeed({ ...agent, cookie: `cti_session=cts_${'x'.repeat(43)}` }, agentId).first).toBe('closed 4401');
    // Log in at seat-27 through the session and see the feed report it; then log out again. When an earlier file left
    // the seat held, its idle holder (named by the 409) steps aside for the test and gets the seat back after it.
    const seat = 'seat-27';
    let login = await as(agent, 'POST', `/api/v1/agents/${agentId}/login`, { seat });
    const holder = login.status === 409 ? (login.body.details?.agentId as string | undefined) : undefined;
    if (holder) {
      expect((await api(ctx, 'POST', `/api/v1/agents/${holder}/logout`)).status).toBe(200);
      login = await as(agent, 'POST', `/api/v1/agents/${agentId}/login`, { seat });
    }
    try {
      expect(login.status, JSON.stringify(login.body)).toBe(200);
      await expect.poll(() => feed.messages.includes('agent.state:paused'), { timeout: 10_000 }).toBe(true); // logged in, not ready yet
      expect((await as(agent, 'POST', `/api/v1/agents/${agentId}/logout`)).status).toBe(200);
      await expect.poll(() => feed.messages.includes('agent.state:logged_out'), { timeout: 10_000 }).toBe(true);
    } finally {
      if (holder) {
        expect((await api(ctx, 'POST', `/api/v1/agents/${holder}/login`, { seat })).status).toBe(200);
        expect((await api(ctx, 'POST', `/api/v1/agents/${holder}/ready`)).status).toBe(200);
      }
    }
    feed.ws.close();
  });

  it('signs out: the cookie is cleared and refused afterwards (CTI_ERR_AUTH_SESSION_ENDED), and the open feed closes (4401)', async () => {
    const agent = await signIn(user.agent, PASSWORD.agent);
    const feed = openFeed(agent, agentId);
    expect(await feed.first).toBe('hello');
    const out = await as(agent, 'POST', '/api/v1/auth/logout');
    expect([out.status, out.headers.get('set-cookie')]).toEqual([200, 'cti_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0']);
    const after = await as(agent, 'GET', '/api/v1/auth/me');
    expect([after.status, after.body.error, after.body.details]).toEqual([401, 'CTI_ERR_AUTH_SESSION_ENDED', { reason: 'logout' }]);
    expect((await feed.closed).code).toBe(4401);
    expect((await auditOf(agent.staff.id)).at(-1)).toBe('staff.logout');
  });

  it('streams the wallboard to a supervisor’s session without a ticket (own origin only) and ends the stream at sign-out', async () => {
    const sup = await signIn(user.sup, PASSWORD.sup);
    expect((await fetch(`${ctx.apiUrl}/wallboard/events`, { headers: { cookie: sup.cookie, origin: 'http://evil.example' } })).status).toBe(401);
    const agent = await signIn(user.agent, PASSWORD.agent);
    expect((await fetch(`${ctx.apiUrl}/wallboard/events`, { headers: { cookie: agent.cookie } })).status).toBe(401);
    const stream = await fetch(`${ctx.apiUrl}/wallboard/events`, { headers: { cookie: sup.cookie } });
    expect(stream.status).toBe(200);
    const sse = sseReader(stream);
    await sse.until(() => sse.text().includes('event: snapshot'));
    await as(sup, 'POST', '/api/v1/auth/logout');
    await sse.until(() => false); // until the gateway ends the stream
    expect(sse.text()).toContain('event: revoked');
  });

  it('binds a wallboard ticket a supervisor issues to the person: it outlives their sign-out and dies with their account', async () => {
    const root = await signIn(user.admin, adminPassword);
    const created = await as(root, 'POST', '/api/v1/staff', { username: `wb-${tag}`, displayName: '值班长乙', role: 'supervisor', password: 'Wall-Board-2026' });
    expect(created.status).toBe(201);
    const lead = await signIn(`wb-${tag}`, 'Wall-Board-2026');
    const issued = await as(lead, 'POST', '/api/v1/wallboard/tickets');
    expect(issued.status).toBe(200);
    await as(lead, 'POST', '/api/v1/auth/logout');
    expect((await fetch(`${ctx.apiUrl}${issued.body.url}`)).status).toBe(200);
    const stream = await fetch(`${ctx.apiUrl}${issued.body.url.replace('/wallboard?', '/wallboard/events?')}`);
    expect(stream.status).toBe(200);
    const sse = sseReader(stream);
    await sse.until(() => sse.text().includes('event: snapshot'));
    expect((await as(root, 'PATCH', `/api/v1/staff/${created.body.id}`, { disabled: true })).status).toBe(200);
    await sse.until(() => false); // the gateway ends the stream once it sees the account disabled
    expect(sse.text()).toContain('event: revoked');
    expect((await fetch(`${ctx.apiUrl}${issued.body.url}`)).status).toBe(401);
  });

  it('lets an admin disable an account from the admin routes: the person’s session is refused at once', async () => {
    const root = await signIn(user.admin, adminPassword);
    const created = await as(root, 'POST', '/api/v1/staff', { username: `cb-${tag}`, displayName: '回访甲', role: 'callback', password: 'Call-Back-2026' });
    expect(created.status).toBe(201);
    const person = await signIn(`cb-${tag}`, 'Call-Back-2026');
    expect((await as(person, 'GET', '/api/v1/callbacks')).status).toBe(200);
    expect((await as(root, 'PATCH', `/api/v1/staff/${created.body.id}`, { disabled: true })).body).toMatchObject({ disabled: true });
    const refused = await as(person, 'GET', '/api/v1/callbacks');
    expect([refused.status, refused.body.error]).toEqual([401, 'CTI_ERR_AUTH_SESSION_ENDED']);
    expect((await login(`cb-${tag}`, 'Call-Back-2026')).body.error).toBe('CTI_ERR_AUTH_DISABLED');
    const self = await as(root, 'PATCH', `/api/v1/staff/${root.staff.id}`, { disabled: true });
    expect([self.status, self.body.error]).toEqual([409, 'CTI_ERR_CONFLICT']);
  });
});

describe('session expiry', () => {
  it(`expires an unused session after ${IDLE_S} s idle: its open feed is closed by the gateway, then the cookie gets CTI_ERR_AUTH_SESSION_EXPIRED (idle)`, async () => {
    const agent = await signIn(user.agent, PASSWORD.agent);
    const feed = openFeed(agent, agentId);
    expect(await feed.first).toBe('hello');
    const openedAt = Date.now();
    expect(await feed.closed).toEqual({ code: 4401, reason: 'session ended or expired' });
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual((IDLE_S - 1) * 1000);
    const after = await as(agent, 'GET', '/api/v1/auth/me');
    expect([after.status, after.body.error, after.body.details]).toEqual([401, 'CTI_ERR_AUTH_SESSION_EXPIRED', { reason: 'idle' }]);
    expect(after.headers.get('set-cookie')).toMatch(/^cti_session=; .*Max-Age=0/);
    expect(await auditOf(agent.staff.id)).toContain('staff.session_expired');
  });

  it(`expires a session in constant use at its absolute age (${MAX_S} s)`, async () => {
    const sup = await signIn(user.sup, PASSWORD.sup);
    const signedInAt = Date.now();
    let last: { status: number; body: any } = { status: 200, body: null };
    let served = 0;
    // Used every second, so never idle: the refusal that ends this loop is the absolute limit.
    while (last.status === 200) {
      last = await as(sup, 'GET', '/api/v1/auth/me');
      if (last.status === 200) served++;
      else break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect([last.status, last.body.error, last.body.details]).toEqual([401, 'CTI_ERR_AUTH_SESSION_EXPIRED', { reason: 'absolute' }]);
    expect(Date.now() - signedInAt).toBeGreaterThanOrEqual((MAX_S - 1) * 1000);
    expect(served).toBeGreaterThan(MAX_S / 2);
  }, 90_000);
});

describe('sign-in records', () => {
  it('stores only hashes: no session token, password or CSRF token in the database', async () => {
    const sup = await signIn(user.sup, PASSWORD.sup);
    const token = sup.cookie.slice('cti_session='.length);
    const dump = await sql<{ t: string }>`SELECT concat_ws('|', (SELECT string_agg(s::text, ',') FROM staff_sessions s), (SELECT string_agg(a::text, ',') FROM staff_accounts a), (SELECT string_agg(l::text, ',') FROM audit_log l)) AS t`.execute(db);
    const text = dump.rows[0]?.t ?? '';
    expect(text.length).toBeGreaterThan(100);
    for (const secret of [token, sup.csrf, PASSWORD.sup, PASSWORD.agent, adminPassword]) expect(text).not.toContain(secret);
  });
});
