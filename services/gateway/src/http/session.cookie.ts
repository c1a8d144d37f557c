import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Name of the cookie that carries a staff session token. */
export const SESSION_COOKIE = 'cti_session';
/** Header a cookie-authenticated unsafe request must carry: the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

const TOKEN_SHAPE = /^cts_[A-Za-z0-9_-]{43}$/;

/** A new session token: 256 random bits (only its sha256 is stored). */
export function newSessionToken(): string {
  return `cts_${randomBytes(32).toString('base64url')}`;
}

/**
 * The session's CSRF token: an HMAC keyed with the session token, so it is bound to that session, needs no storage,
 * and does not reveal the cookie to a script that reads it.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('cti-csrf-v1').digest('base64url');
}

/** Whether `given` is the CSRF token of `sessionToken` (compared in constant time). */
export function csrfMatches(sessionToken: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(csrfTokenFor(sessionToken)).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The session token in a Cookie header, or undefined (a value of the wrong shape counts as none). */
export function readSessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return TOKEN_SHAPE.test(value) ? value : undefined;
  }
  return undefined;
}

/** Whether the session cookie must be `Secure`: the request came over TLS, or the gateway runs in production mode. */
export function cookieSecure(req: FastifyRequest, production: boolean): boolean {
  return production || req.protocol === 'https';
}

/**
 * Set-Cookie for a session: httpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Path=/,
 * no Max-Age (it goes when the browser closes; the server ends it earlier by idle or absolute expiry).
 */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Set-Cookie that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/**
 * Whether a cookie-authenticated stream (WebSocket, SSE) comes from a page the gateway serves or an allowed origin.
 * Browsers send Origin on every WebSocket and on cross-origin requests; a same-origin EventSource sends none, but
 * then Sec-Fetch-Site (sent by current browsers) must not say another site.
 */
export function streamOriginAllowed(req: FastifyRequest, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) return origin === `${req.protocol}://${req.headers.host ?? ''}` || allowedOrigins.includes(origin);
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
