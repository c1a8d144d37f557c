// Access control through the running gateway: a route × role matrix generated from the gateway's own route registry
// (its OpenAPI document: every route with its roles or its declared access), for a bearer token of every role and a
// signed-in staff session (cookie + CSRF token) of every staff role, and the two kinds of stream — the agent
// WebSocket and the wallboard SSE — closing when their token is revoked with the admin CLI.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { ROLES, STAFF_ROLES, type Role, type StaffRole } from '@cti/domain';
import { AgentRepository, DepartmentRepository, TokenRepository, createDb, type Database } from '@cti/db';
import { sseReader } from './support/sse.js';

const ctx = inject('e2e');
const tag = Date.now().toString(36);
const agentId = `m-${tag}`;
const department = `matrix-${tag}`;
let db: Kysely<Database>;
let tokens: TokenRepository;
const tokenOf: Partial<Record<Role, string>> = {};
/** A signed-in browser per staff role: its cookie and CSRF token. */
const sessionOf: Partial<Record<StaffRole, { cookie: string; csrf: string }>> = {};
/** Who a matrix request is: nobody, a bearer token of a role, or a staff session of a role (with or without its CSRF token). */
type Who = { kind: 'none' } | { kind: 'token'; role: Role } | { kind: 'session'; role: StaffRole; csrf: boolean };
const describeWho = (w: Who) => (w.kind === 'none' ? 'none' : w.kind === 'token' ? `token ${w.role}` : `session ${w.role}${w.csrf ? '' : ' without CSRF token'}`);

/** The `ws` client (the library the gateway's WebSocket plugin is built on; it ships no types here). */
interface Client {
  on(event: 'message', l: (data: Buffer) => void): void;
  on(event: 'close', l: (code: number) => void): void;
  close(): void;
}
const WebSocketClient = createRequire(import.meta.url)('ws') as new (url: string, options?: { headers?: Record<string, string> }) => Client;

/** Runs the admin CLI against this run's database. */
const admin = (...args: string[]) => promisify(execFile)('node', ['services/gateway/dist/admin.main.js', ...args], { cwd: ctx.root, env: { ...process.env, ...ctx.env } });

/** Runs the admin CLI with `stdin` as its standard input (a new account's password). */
const adminWithInput = (stdin: string, ...args: string[]) =>
  new Promise<string>((resolve, reject) => {
    const child = execFile('node', ['services/gateway/dist/admin.main.js', ...args], { cwd: ctx.root, env: { ...process.env, ...ctx.env } }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)));
    child.stdin?.end(stdin);
  });

interface Operation {
  summary: string;
  'x-roles'?: Role[];
  'x-credentials'?: 'session';
  'x-access'?: { kind: 'public' | 'wallboard-ticket' | 'metrics-token' | 'websocket'; roles?: Role[]; sessionRoles?: Role[] };
  security?: unknown[];
  requestBody?: unknown;
}

/** What a request of `who` must get on `method` of an operation, as the route declares it; 'csrf' = 403 CTI_ERR_AUTH_CSRF. */
function expected(op: Operation, method: string, who: Who): 'allowed' | 'csrf' | 401 | 403 | 200 {
  const access = op['x-access'];
  if (access?.kind === 'public') return 200;
  // Bearer tokens do not open the wallboard: it takes a signed ticket in its URL, or a session of the session roles.
  if (access?.kind === 'wallboard-ticket') return who.kind === 'session' && access.sessionRoles?.includes(who.role) ? 200 : 401;
  if (access?.kind === 'metrics-token') return ctx.env.CTI_METRICS_TOKEN ? 401 : 200;
  if (!op.security) return 'allowed'; // no authentication (health, sign-in)
  if (who.kind === 'none') return 401;
  if (who.kind === 'session' && !who.csrf && method !== 'get') return 'csrf';
  if (who.kind === 'token' && op['x-credentials'] === 'session') return 403;
  return op['x-roles']?.includes(who.role) ? 'allowed' : 403;
}

beforeAll(async () => {
  db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 2);
  tokens = new TokenRepository(db);
  await new AgentRepository(db).upsert({ id: agentId, name: 'matrix agent', skills: { mandarin: 5 } });
  await new DepartmentRepository(db).create({ id: department, name: '矩阵测试局', phone: null });
  for (const role of ROLES) {
    // The callback desk's token works at the matrix agent's seat too; its staff account below works at none.
    tokenOf[role] = await tokens.create(role, `e2e matrix ${role}`, role === 'agent' || role === 'callback' ? agentId : null, role === 'department' ? department : null);
  }
  // A person per staff role, added with the admin CLI and signed in: the matrix asks as their browser too.
  for (const role of STAFF_ROLES) {
    const username = `m${role.slice(0, 3)}-${tag}`;
    await adminWithInput('Matrix-Pass-2026\n', 'staff', 'add', '--username', username, '--name', `矩阵 ${role}`, '--role', role, ...(role === 'agent' ? ['--agent', agentId] : []));
    const res = await fetch(`${ctx.apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'Matrix-Pass-2026' }) });
    if (res.status !== 200) throw new Error(`sign-in ${username}: ${res.status} ${await res.text()}`);
    sessionOf[role] = { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] as string, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  }
});

afterAll(async () => {
  await db?.destroy();
});

describe('route × role matrix from the route registry', () => {
  it('answers every HTTP route for a token of every role, a session of every staff role and no credential as its declaration says', async () => {
    const doc = (await (await fetch(`${ctx.apiUrl}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const paths = Object.keys(doc.paths);
    // The streams, /metrics and the document itself are in the registry too, each with its access decision.
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/agents/{agentId}/events', '/wallboard/events', '/wallboard', '/metrics', '/api/v1/openapi.json', '/healthz']));
    const mismatches: string[] = [];
    let requests = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op['x-access']?.kind === 'websocket') continue; // opened as a socket below
        // Placeholders no resource has: an allowed role is refused by validation or gets 404, so nothing changes.
        const url = `${ctx.apiUrl}${path.replace(/\{[A-Za-z_]+\}/g, 'x-matrix')}`;
        const everyone: Who[] = [
          { kind: 'none' },
          ...ROLES.map((role) => ({ kind: 'token', role }) as const),
          ...STAFF_ROLES.map((role) => ({ kind: 'session', role, csrf: true }) as const),
          { kind: 'session', role: 'admin', csrf: false },
        ];
        for (const who of everyone) {
          const want = expected(op, method, who);
          // A body where the route takes none is refused (400) after the role check: an allowed session changes
          // nothing, and sign-out does not end the matrix's own session.
          const junkBody = op.requestBody !== undefined || (who.kind === 'session' && method !== 'get');
          const res = await fetch(url, {
            method: method.toUpperCase(),
            headers: {
              ...(who.kind === 'token' && { authorization: `Bearer ${tokenOf[who.role]}` }),
              ...(who.kind === 'session' && { cookie: sessionOf[who.role]?.cookie as string, ...(who.csrf && { 'x-csrf-token': sessionOf[who.role]?.csrf as string }) }),
              ...(junkBody && { 'content-type': 'application/json' }),
              // Well-formed 110 signing headers (checked before the body on the exchange route, ignored elsewhere),
              // so that an allowed partner gets past them to the body's validation.
              'x-cti-timestamp': String(Math.floor(Date.now() / 1000)),
              'x-cti-signature': `sha256=${'0'.repeat(64)}`,
              'idempotency-key': `matrix-${tag}-${requests}`,
            },
            // A body of the wrong shape: refused with 400 after the role check, so an allowed role changes nothing.
            ...(junkBody && { body: '[]' }),
          });
          requests++;
          // A stream (the wallboard's SSE to a session) never ends by itself: its status is the answer.
          const streaming = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
          const text = streaming ? (await res.body?.cancel(), '') : await res.text();
          const body = ((): { error?: string; details?: { allowed?: unknown } } => {
            try {
              return JSON.parse(text) ?? {};
            } catch {
              return {};
            }
          })();
          const roleRefusal = res.status === 403 && body.details?.allowed !== undefined;
          const ok =
            // Allowed: past the role check, whatever the handler then says (400 for the placeholder body, 404, …).
            want === 'allowed' ? res.status !== 401 && !roleRefusal && body.error !== 'CTI_ERR_AUTH_CSRF'
            : want === 'csrf' ? res.status === 403 && body.error === 'CTI_ERR_AUTH_CSRF'
            : want === 403 ? roleRefusal
            : res.status === want;
          if (!ok) mismatches.push(`${method.toUpperCase()} ${path} as ${describeWho(who)}: expected ${want}, got ${res.status} ${text.slice(0, 160)}`);
          // Whatever the caller sends, the gateway answers with a reason, never with its own failure.
          if (res.status === 500) mismatches.push(`${method.toUpperCase()} ${path} as ${describeWho(who)}: 500 ${text.slice(0, 160)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(requests).toBeGreaterThan(100 * (ROLES.length + STAFF_ROLES.length + 2));
  }, 600_000);

  it('opens the agent WebSocket feed for the roles it declares, refuses the others and no token', async () => {
    const doc = (await (await fetch(`${ctx.apiUrl}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const roles = doc.paths['/api/v1/agents/{agentId}/events']?.get?.['x-roles'] ?? [];
    expect(roles).toContain('agent');
    const outcome = (who: Role | 'none') =>
      new Promise<string>((resolve) => {
        const q = who === 'none' ? '' : `?token=${tokenOf[who]}`;
        const ws = new WebSocketClient(`${ctx.apiUrl.replace(/^http/, 'ws')}/api/v1/agents/${agentId}/events${q}`);
        ws.on('message', (d) => {
          resolve(String((JSON.parse(d.toString()) as { type: string }).type));
          ws.close();
        });
        ws.on('close', (code) => resolve(`closed ${code}`));
      });
    // Agents and the callback desk open only their own seat's feed: a declared role without this seat is refused too.
    const ownSeatOnly = new Set(['agent', 'callback']);
    for (const who of ['none', ...ROLES] as const) {
      const want = who === 'none' ? 'closed 4401' : roles.includes(who) ? 'hello' : 'closed 4403';
      expect(`${who}: ${await outcome(who)}`).toBe(`${who}: ${want}`);
    }
    // A signed-in browser's cookie, from the gateway's own origin: the same decision per role.
    const bySession = (role: StaffRole) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocketClient(`${ctx.apiUrl.replace(/^http/, 'ws')}/api/v1/agents/${agentId}/events`, { headers: { cookie: sessionOf[role]?.cookie as string, origin: ctx.apiUrl } });
        ws.on('message', (d) => {
          resolve(String((JSON.parse(d.toString()) as { type: string }).type));
          ws.close();
        });
        ws.on('close', (code) => resolve(`closed ${code}`));
      });
    for (const role of STAFF_ROLES) {
      // Only the agent's account works at the matrix seat; the callback desk's account here is bound to no seat.
      const want = roles.includes(role) && !(ownSeatOnly.has(role) && role !== 'agent') ? 'hello' : 'closed 4403';
      expect(`session ${role}: ${await bySession(role)}`).toBe(`session ${role}: ${want}`);
    }
  });
});

describe('revoked tokens close open streams', () => {
  it('closes an agent feed (4401) once its token is revoked with cti-admin, and refuses the token at once', async () => {
    const token = await tokens.create('agent', 'e2e revoke ws', agentId);
    const ws = new WebSocketClient(`${ctx.apiUrl.replace(/^http/, 'ws')}/api/v1/agents/${agentId}/events?token=${token}`);
    const hello = new Promise<string>((resolve) => ws.on('message', (d) => resolve((JSON.parse(d.toString()) as { type: string }).type)));
    const closed = new Promise<number>((resolve) => ws.on('close', resolve));
    expect(await hello).toBe('hello');
    const out = await admin('token', 'revoke', '--token', token);
    expect(JSON.parse(out.stdout)).toMatchObject({ revoked: expect.any(String) });
    expect((await fetch(`${ctx.apiUrl}/api/v1/agents`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(await closed).toBe(4401); // within CTI_TOKEN_RECHECK_S
  });

  it('ends a wallboard SSE stream once the token that issued its ticket is revoked, and refuses the ticket afterwards', async () => {
    const token = await tokens.create('supervisor', 'e2e revoke wallboard', null);
    const issued = await fetch(`${ctx.apiUrl}/api/v1/wallboard/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(issued.status).toBe(200);
    const { url } = (await issued.json()) as { url: string };
    const stream = await fetch(`${ctx.apiUrl}${url.replace('/wallboard?', '/wallboard/events?')}`);
    expect(stream.status).toBe(200);
    const sse = sseReader(stream);
    await sse.until(() => sse.text().includes('event: snapshot'));
    const id = (await tokens.list()).find((t) => t.label === 'e2e revoke wallboard')?.id as string;
    await admin('token', 'revoke', '--id', id);
    await sse.until(() => false); // until the server ends the stream
    expect(sse.text()).toContain('event: revoked');
    expect((await fetch(`${ctx.apiUrl}${url.replace('/wallboard?', '/wallboard/events?')}`)).status).toBe(401);
    expect((await fetch(`${ctx.apiUrl}${url}`)).status).toBe(401);
  });
});
