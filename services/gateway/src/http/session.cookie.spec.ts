import { describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { clearedSessionCookie, csrfMatches, csrfTokenFor, newSessionToken, readSessionCookie, sessionCookie, streamOriginAllowed } from './session.cookie.js';

const req = (headers: Record<string, string>, protocol = 'http') => ({ headers: { host: 'desk.local:8080', ...headers }, protocol }) as unknown as FastifyRequest;

describe('session cookie', () => {
  it('is httpOnly, SameSite=Strict, Path=/, and Secure when asked', () => {
    const t = newSessionToken();
    expect(sessionCookie(t, false)).toBe(`cti_session=${t}; Path=/; HttpOnly; SameSite=Strict`);
    expect(sessionCookie(t, true)).toBe(`cti_session=${t}; Path=/; HttpOnly; SameSite=Strict; Secure`);
    expect(clearedSessionCookie(true)).toBe('cti_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
  });

  it('reads the session token among other cookies, and nothing of the wrong shape', () => {
    const t = newSessionToken();
    expect(readSessionCookie(`theme=dark; cti_session=${t}; lang=zh`)).toBe(t);
    expect(readSessionCookie(`cti_sessionx=${t}`)).toBeUndefined();
    expect(readSessionCookie('cti_session=cts_short')).toBeUndefined();
    expect(readSessionCookie(undefined)).toBeUndefined();
  });

  it('binds the CSRF token to its session: another session’s token or none does not match', () => {
    const [a, b] = [newSessionToken(), newSessionToken()];
    expect(csrfMatches(a, csrfTokenFor(a))).toBe(true);
    expect(csrfMatches(a, csrfTokenFor(b))).toBe(false);
    expect(csrfMatches(a, undefined)).toBe(false);
    expect(csrfMatches(a, '')).toBe(false);
    expect(csrfTokenFor(a)).not.toContain(a.slice(4));
  });
});

describe('origin of a cookie-authenticated stream', () => {
  it('admits the gateway’s own origin and configured ones, refuses any other', () => {
    expect(streamOriginAllowed(req({ origin: 'http://desk.local:8080' }), [])).toBe(true);
    expect(streamOriginAllowed(req({ origin: 'https://desk.local:8080' }, 'https'), [])).toBe(true);
    expect(streamOriginAllowed(req({ origin: 'http://evil.example' }), [])).toBe(false);
    expect(streamOriginAllowed(req({ origin: 'https://desk.local:8080' }), [])).toBe(false);
    expect(streamOriginAllowed(req({ origin: 'http://localhost:5173' }), ['http://localhost:5173'])).toBe(true);
  });

  it('without Origin (a same-origin EventSource) refuses only a request the browser marks as from another site', () => {
    expect(streamOriginAllowed(req({}), [])).toBe(true);
    expect(streamOriginAllowed(req({ 'sec-fetch-site': 'same-origin' }), [])).toBe(true);
    expect(streamOriginAllowed(req({ 'sec-fetch-site': 'cross-site' }), [])).toBe(false);
    expect(streamOriginAllowed(req({ 'sec-fetch-site': 'same-site' }), [])).toBe(false);
  });
});
