import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ManualClock } from '@cti/domain';
import type { Principal } from '@cti/db';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import { StaffAdminService } from './staff-admin.service.js';
import { StaffAuthService } from './staff-auth.service.js';
import { CountingHasher, MemoryStaffStore, RecordingAudit, sessionStore, startClock } from './staff.fixtures.test.js';
import { registerAuthRoutes } from './auth.routes.js';
import { registerStaffRoutes } from './staff.routes.js';

const supToken: Principal = { tokenId: '7', role: 'supervisor', agentId: null, label: 'lead token' };
const MIN = 60_000;
let app: FastifyInstance;
let clock: ManualClock;
let store: MemoryStaffStore;
let handled: Array<{ route: string; principal: Principal }>;

async function start(production = false): Promise<FastifyInstance> {
  clock = startClock();
  store = new MemoryStaffStore();
  store.add({ username: 'a01', role: 'agent', agentId: 'a01', password: 'Desk-Pass-2026' });
  store.add({ username: 'sup01', role: 'supervisor', agentId: null, password: 'Lead-Pass-2026' });
  store.add({ username: 'root01', role: 'admin', agentId: null, password: 'Root-Pass-2026' });
  const hasher = new CountingHasher();
  const audit = new RecordingAudit();
  const sessions = sessionStore(store);
  const auth = new StaffAuthService(store, sessions, hasher, audit, clock, { lockout: { attempts: 5, lockMs: 15 * MIN }, session: { idleMs: 30 * MIN, absoluteMs: 12 * 60 * MIN }, address: { failures: 8, windowMs: 10 * MIN } });
  const admin = new StaffAdminService(store, sessions, { findById: async (id) => (id === 'a02' ? { id } : undefined) }, hasher, audit, clock);
  handled = [];
  app = await buildApp({
    logger: createLogger('test', 'silent'),
    tokens: { findPrincipal: async (t) => (t === 'tok-sup' ? supToken : undefined) },
    sessions: { authenticator: auth, production },
    health: { ari: () => true, ami: () => true, redis: async () => true, postgres: async () => true, trunks: () => ({}), spooledRecords: () => false },
    features: [
      (routes) => registerAuthRoutes(routes, auth, { production, allowedOrigins: ['http://localhost:5173'] }),
      (routes) => registerStaffRoutes(routes, admin),
      (routes) => {
        routes.add({ method: 'GET', url: '/t/board', summary: 'a supervisors’ read', roles: ['supervisor'], handler: async ({ principal }) => (handled.push({ route: 'board', principal }), { ok: true }) });
        routes.add({
          method: 'POST',
          url: '/t/act',
          summary: 'a write agents and supervisors make',
          roles: ['agent', 'supervisor'],
          body: z.object({ note: z.string() }),
          handler: async ({ principal }) => (handled.push({ route: 'act', principal }), { ok: true }),
        });
      },
    ],
  });
  return app;
}

afterEach(async () => {
  await app?.close();
});

/** Signs in and returns the cookie header to send and the CSRF token. */
async function signIn(username: string, password: string): Promise<{ cookie: string; csrf: string; body: Record<string, unknown> }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  expect(res.statusCode, res.body).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0] as string, csrf: res.json().csrfToken, body: res.json() };
}

describe('POST /api/v1/auth/login', () => {
  beforeEach(() => start());

  it('answers the contract: staff, csrfToken, expiresAt, and an httpOnly SameSite=Strict Path=/ cookie cti_session (the token never in the body)', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a01', password: 'Desk-Pass-2026' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      staff: { id: '1', username: 'a01', displayName: '显示 a01', role: 'agent', agentId: 'a01' },
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: new Date(clock.now() + 30 * MIN).toISOString(),
    });
    expect(res.headers['set-cookie']).toMatch(/^cti_session=cts_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(res.body).not.toContain(String(res.headers['set-cookie']).slice(12, 59));
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('refuses a wrong password and an unknown user alike (401 CTI_ERR_AUTH_FAILED), then locks (CTI_ERR_AUTH_LOCKED, Retry-After)', async () => {
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a01', password: 'nope' } });
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'zz99', password: 'nope' } });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error).toBe('CTI_ERR_AUTH_FAILED');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a01', password: 'nope' } });
    const locked = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a01', password: 'nope' } });
    expect([locked.statusCode, locked.json().error, locked.headers['retry-after']]).toEqual([401, 'CTI_ERR_AUTH_LOCKED', '900']);
  });

  it('answers 429 with Retry-After and the reason once one address made 8 refused sign-ins, whatever the account; other addresses go on', async () => {
    const from = (remoteAddress: string, username: string, password: string) => app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, payload: { username, password } });
    for (let i = 0; i < 8; i++) expect((await from('198.51.100.9', `user${i}`, 'Guess-2026')).statusCode).toBe(401);
    clock.advance(60_000);
    const limited = await from('198.51.100.9', 'a01', 'Desk-Pass-2026');
    expect([limited.statusCode, limited.headers['retry-after'], limited.json().error, limited.json().details]).toEqual([429, '540', 'CTI_ERR_RATE_LIMITED', { reason: 'sign_in_failures_from_address', retryAfterSeconds: 540 }]);
    expect(limited.headers['set-cookie']).toBeUndefined();
    expect((await from('198.51.100.10', 'a01', 'Desk-Pass-2026')).statusCode).toBe(200);
  });

  it('refuses a sign-in posted from a foreign origin, admits a configured one', async () => {
    const from = (origin: string) => app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { origin }, payload: { username: 'a01', password: 'Desk-Pass-2026' } });
    expect((await from('http://evil.example')).json().error).toBe('CTI_ERR_AUTH_CSRF');
    expect((await from('http://localhost:5173')).statusCode).toBe(200);
  });

  it('refuses a form post (only JSON is parsed, which another site’s form cannot send)', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=a01&password=Desk-Pass-2026' });
    expect(res.statusCode).toBe(415);
  });
});

describe('cookie sessions on every registry route', () => {
  beforeEach(() => start());

  it('lets a session act within its role; an unsafe method needs its x-csrf-token (403 otherwise, before the handler)', async () => {
    const { cookie, csrf } = await signIn('a01', 'Desk-Pass-2026');
    const act = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/t/act', headers: { cookie, ...headers }, payload: { note: 'x' } });
    const refused = await act({});
    expect([refused.statusCode, refused.json().error]).toEqual([403, 'CTI_ERR_AUTH_CSRF']);
    const other = await signIn('sup01', 'Lead-Pass-2026');
    expect((await act({ 'x-csrf-token': other.csrf })).statusCode).toBe(403);
    expect(handled).toEqual([]);
    expect((await act({ 'x-csrf-token': csrf })).statusCode).toBe(200);
    expect(handled[0]?.principal).toMatchObject({ role: 'agent', agentId: 'a01', tokenId: 'session:1', staff: { username: 'a01' } });
  });

  it('applies the route’s role check to a session: an agent session gets 403 on a supervisors’ route', async () => {
    const { cookie } = await signIn('a01', 'Desk-Pass-2026');
    const res = await app.inject({ method: 'GET', url: '/t/board', headers: { cookie } });
    expect([res.statusCode, res.json().details]).toEqual([403, { role: 'agent', allowed: ['supervisor'] }]);
    const sup = await signIn('sup01', 'Lead-Pass-2026');
    expect((await app.inject({ method: 'GET', url: '/t/board', headers: { cookie: sup.cookie } })).statusCode).toBe(200);
  });

  it('lets a bearer token win over a cookie: machines need no CSRF token and are unchanged', async () => {
    const { cookie } = await signIn('a01', 'Desk-Pass-2026');
    const res = await app.inject({ method: 'POST', url: '/t/act', headers: { cookie, authorization: 'Bearer tok-sup' }, payload: { note: 'x' } });
    expect(res.statusCode).toBe(200);
    expect(handled[0]?.principal).toBe(supToken);
    expect((await app.inject({ method: 'GET', url: '/t/board', headers: { authorization: 'Bearer nope', cookie } })).statusCode).toBe(401);
  });

  it('expires an idle session (401 CTI_ERR_AUTH_SESSION_EXPIRED, cookie cleared); use keeps it alive', async () => {
    const { cookie } = await signIn('sup01', 'Lead-Pass-2026');
    clock.advance(29 * MIN);
    expect((await app.inject({ method: 'GET', url: '/t/board', headers: { cookie } })).statusCode).toBe(200);
    clock.advance(29 * MIN);
    expect((await app.inject({ method: 'GET', url: '/t/board', headers: { cookie } })).statusCode).toBe(200);
    clock.advance(30 * MIN);
    const res = await app.inject({ method: 'GET', url: '/t/board', headers: { cookie } });
    expect([res.statusCode, res.json().error, res.json().details]).toEqual([401, 'CTI_ERR_AUTH_SESSION_EXPIRED', { reason: 'idle' }]);
    expect(res.headers['set-cookie']).toBe('cti_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });

  it('GET /api/v1/auth/me gives a reloaded page its person and CSRF token; a bearer token is refused there (sessions only)', async () => {
    const { cookie, csrf, body } = await signIn('sup01', 'Lead-Pass-2026');
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.json()).toEqual({ ...body, csrfToken: csrf });
    const token = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: 'Bearer tok-sup' } });
    expect([token.statusCode, token.json().details.credentials]).toEqual([403, 'session']);
    expect((await app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
  });

  it('POST /api/v1/auth/logout ends the session and clears the cookie; the cookie then gets 401 CTI_ERR_AUTH_SESSION_ENDED', async () => {
    const { cookie, csrf } = await signIn('a01', 'Desk-Pass-2026');
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })).statusCode).toBe(403);
    const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'x-csrf-token': csrf } });
    expect([out.statusCode, out.json(), out.headers['set-cookie']]).toEqual([200, { loggedOut: true }, 'cti_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0']);
    const after = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect([after.statusCode, after.json().error, after.json().details]).toEqual([401, 'CTI_ERR_AUTH_SESSION_ENDED', { reason: 'logout' }]);
  });

  it('publishes both schemes in OpenAPI and marks the session-only routes', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.components.securitySchemes.session).toEqual({ type: 'apiKey', in: 'cookie', name: 'cti_session' });
    expect(doc.paths['/t/board'].get.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(doc.paths['/api/v1/auth/logout'].post).toMatchObject({ security: [{ session: [] }], 'x-credentials': 'session' });
    expect(doc.paths['/api/v1/auth/login'].post.security).toBeUndefined();
  });
});

describe('production mode', () => {
  it('marks the session cookie Secure even over plain HTTP (TLS is terminated in front)', async () => {
    await start(true);
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a01', password: 'Desk-Pass-2026' } });
    expect(res.headers['set-cookie']).toMatch(/; Secure$/);
  });
});

describe('staff administration routes', () => {
  beforeEach(() => start());

  it('lets a signed-in admin list, add and change accounts; other roles get 403', async () => {
    const root = await signIn('root01', 'Root-Pass-2026');
    const headers = { cookie: root.cookie, 'x-csrf-token': root.csrf };
    const created = await app.inject({ method: 'POST', url: '/api/v1/staff', headers, payload: { username: 'a02', displayName: '坐席二', role: 'agent', agentId: 'a02', password: 'Desk-Pass-2026' } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const list = await app.inject({ method: 'GET', url: '/api/v1/staff', headers });
    expect(list.json().items.map((a: { username: string }) => a.username)).toEqual(['a01', 'sup01', 'root01', 'a02']);
    expect(list.body).not.toContain('plain:');
    const patched = await app.inject({ method: 'PATCH', url: `/api/v1/staff/${id}`, headers, payload: { disabled: true } });
    expect(patched.json()).toMatchObject({ id, disabled: true });
    expect((await app.inject({ method: 'PATCH', url: `/api/v1/staff/${id}`, headers, payload: {} })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PATCH', url: `/api/v1/staff/${id}`, headers, payload: { disabled: false, pasword: 'x' } })).statusCode).toBe(400);
    const weak = await app.inject({ method: 'PATCH', url: `/api/v1/staff/${id}`, headers, payload: { password: 'short' } });
    expect([weak.statusCode, weak.json().details.policy]).toEqual([400, ['too_short', 'too_few_classes']]);
    const sup = await signIn('sup01', 'Lead-Pass-2026');
    expect((await app.inject({ method: 'GET', url: '/api/v1/staff', headers: { cookie: sup.cookie } })).statusCode).toBe(403);
  });
});
