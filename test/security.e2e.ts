// Access control through the running gateway: a route × role matrix generated from the gateway's own route registry
// (its OpenAPI document: every route with its roles or its declared access), and the two kinds of stream — the agent
// WebSocket and the wallboard SSE — closing when their token is revoked with the admin CLI.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { AgentRepository, DepartmentRepository, ROLES, TokenRepository, createDb, type Database, type Role } from '@cti/db';

const ctx = inject('e2e');
const tag = Date.now().toString(36);
const agentId = `m-${tag}`;
const department = `matrix-${tag}`;
let db: Kysely<Database>;
let tokens: TokenRepository;
const tokenOf: Partial<Record<Role, string>> = {};

/** The `ws` client (the library the gateway's WebSocket plugin is built on; it ships no types here). */
interface Client {
  on(event: 'message', l: (data: Buffer) => void): void;
  on(event: 'close', l: (code: number) => void): void;
  close(): void;
}
const WebSocketClient = createRequire(import.meta.url)('ws') as new (url: string) => Client;

/** Runs the admin CLI against this run's database. */
const admin = (...args: string[]) => promisify(execFile)('node', ['services/gateway/dist/admin.main.js', ...args], { cwd: ctx.root, env: { ...process.env, ...ctx.env } });

interface Operation {
  summary: string;
  'x-roles'?: Role[];
  'x-access'?: { kind: 'public' | 'wallboard-ticket' | 'metrics-token' | 'websocket'; roles?: Role[] };
  security?: unknown[];
  requestBody?: unknown;
}

/** What a request of `who` (a role, or none) must get on an operation, as the route declares it. */
function expected(op: Operation, who: Role | 'none'): 'allowed' | 401 | 403 | 200 {
  const access = op['x-access'];
  if (access?.kind === 'public') return 200;
  // Bearer tokens do not open the wallboard: it takes a signed ticket in its URL.
  if (access?.kind === 'wallboard-ticket') return 401;
  if (access?.kind === 'metrics-token') return ctx.env.CTI_METRICS_TOKEN ? 401 : 200;
  if (!op.security) return 'allowed'; // no authentication (health)
  if (who === 'none') return 401;
  return op['x-roles']?.includes(who) ? 'allowed' : 403;
}

beforeAll(async () => {
  db = createDb(ctx.env.CTI_DATABASE_URL as string, ctx.runId, 2);
  tokens = new TokenRepository(db);
  await new AgentRepository(db).upsert({ id: agentId, name: 'matrix agent', skills: { mandarin: 5 } });
  await new DepartmentRepository(db).create({ id: department, name: '矩阵测试局', phone: null });
  for (const role of ROLES) {
    tokenOf[role] = await tokens.create(role, `e2e matrix ${role}`, role === 'agent' ? agentId : null, role === 'department' ? department : null);
  }
});

afterAll(async () => {
  await db?.destroy();
});

describe('route × role matrix from the route registry', () => {
  it('answers every HTTP route for every role and for no token as its declaration says', async () => {
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
        for (const who of ['none', ...ROLES] as const) {
          const want = expected(op, who);
          const res = await fetch(url, {
            method: method.toUpperCase(),
            headers: {
              ...(who !== 'none' && { authorization: `Bearer ${tokenOf[who]}` }),
              ...(op.requestBody !== undefined && { 'content-type': 'application/json' }),
              // Well-formed 110 signing headers (checked before the body on the exchange route, ignored elsewhere),
              // so that an allowed partner gets past them to the body's validation.
              'x-cti-timestamp': String(Math.floor(Date.now() / 1000)),
              'x-cti-signature': `sha256=${'0'.repeat(64)}`,
              'idempotency-key': `matrix-${tag}-${requests}`,
            },
            // A body of the wrong shape: refused with 400 after the role check, so an allowed role changes nothing.
            ...(op.requestBody !== undefined && { body: '[]' }),
          });
          requests++;
          const body = (await res.text().then((t) => { try { return JSON.parse(t) as { error?: string; details?: { allowed?: unknown } }; } catch { return {}; } })) ?? {};
          const roleRefusal = res.status === 403 && body.details?.allowed !== undefined;
          const ok =
            // Allowed: past the role check, whatever the handler then says (400 for the placeholder body, 404, …).
            want === 'allowed' ? res.status !== 401 && !roleRefusal : want === 403 ? roleRefusal : res.status === want;
          if (!ok) mismatches.push(`${method.toUpperCase()} ${path} as ${who}: expected ${want}, got ${res.status} ${JSON.stringify(body).slice(0, 160)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(requests).toBeGreaterThan(100 * (ROLES.length + 1));
  }, 300_000);

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
    for (const who of ['none', ...ROLES] as const) {
      const want = who === 'none' ? 'closed 4401' : roles.includes(who) ? 'hello' : 'closed 4403';
      expect(`${who}: ${await outcome(who)}`).toBe(`${who}: ${want}`);
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
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (cond: () => boolean) => {
      while (!cond()) {
        const { done, value } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(() => text.includes('event: snapshot'));
    const id = (await tokens.list()).find((t) => t.label === 'e2e revoke wallboard')?.id as string;
    await admin('token', 'revoke', '--id', id);
    await readUntil(() => false); // until the server ends the stream
    expect(text).toContain('event: revoked');
    expect((await fetch(`${ctx.apiUrl}${url.replace('/wallboard?', '/wallboard/events?')}`)).status).toBe(401);
    expect((await fetch(`${ctx.apiUrl}${url}`)).status).toBe(401);
  });
});
