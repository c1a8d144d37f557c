import { z } from 'zod';
import { CtiError, STAFF_ROLES, type StaffRole } from '@cti/domain';
import type { Principal } from '@cti/db';
import type { RouteRegistry } from '../http/route.registry.js';
import { clearedSessionCookie, cookieSecure, csrfTokenFor, readSessionCookie, sessionCookie, streamOriginAllowed } from '../http/session.cookie.js';
import type { ClientInfo, SignedInSession } from './staff-auth.service.js';

/** Sign-in and sessions (StaffAuthService fits). */
export interface StaffSignIn {
  login(username: string, password: string, client: ClientInfo): Promise<SignedInSession>;
  logout(principal: Principal): Promise<boolean>;
  changePassword(principal: Principal, current: string, next: string): Promise<void>;
}

/** How the auth routes set cookies and which other origins may post a sign-in. */
export interface AuthRouteOptions {
  /** Production mode: the session cookie is always `Secure`. */
  production: boolean;
  /** CTI_STAFF_ORIGINS. */
  allowedOrigins: readonly string[];
}

const present = (s: Pick<SignedInSession, 'staff' | 'csrfToken' | 'expiresAt'>) => ({ staff: s.staff, csrfToken: s.csrfToken, expiresAt: s.expiresAt.toISOString() });

/**
 * Staff sign-in for people (desk, console, admin page): `POST /api/v1/auth/login` sets the httpOnly `cti_session`
 * cookie and returns the person, the CSRF token unsafe requests must echo in `x-csrf-token`, and when the session
 * expires; `GET /api/v1/auth/me` returns the same for a page that was reloaded; `POST /api/v1/auth/logout` ends the
 * session; `POST /api/v1/auth/password` changes one's own password.
 */
export function registerAuthRoutes(routes: RouteRegistry, auth: StaffSignIn, options: AuthRouteOptions): void {
  routes.add({
    method: 'POST',
    url: '/api/v1/auth/login',
    summary: 'Sign a person in: sets the cti_session cookie (httpOnly, SameSite=Strict); 401 CTI_ERR_AUTH_FAILED / _LOCKED / _DISABLED',
    roles: null,
    body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
    handler: async ({ body, req, reply }) => {
      // A JSON body already keeps other sites' forms out; a browser's Origin from elsewhere is refused as well.
      if (req.headers.origin !== undefined && !streamOriginAllowed(req, options.allowedOrigins)) {
        throw new CtiError('CTI_ERR_AUTH_CSRF', `sign-in from origin ${req.headers.origin} is not allowed`, { origin: req.headers.origin });
      }
      const signedIn = await auth.login(body.username, body.password, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
      reply.header('set-cookie', sessionCookie(signedIn.token, cookieSecure(req, options.production)));
      reply.header('cache-control', 'no-store');
      return present(signedIn);
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/auth/me',
    summary: 'The signed-in person, the CSRF token and the session expiry (each request renews the idle expiry)',
    roles: STAFF_ROLES,
    credentials: 'session',
    handler: async ({ principal, req, reply }) => {
      const staff = principal.staff as NonNullable<Principal['staff']>;
      const token = readSessionCookie(req.headers.cookie) as string;
      reply.header('cache-control', 'no-store');
      return present({
        staff: { id: staff.id, username: staff.username, displayName: staff.displayName, role: principal.role as StaffRole, agentId: principal.agentId },
        csrfToken: csrfTokenFor(token),
        expiresAt: principal.expiresAt as Date,
      });
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/auth/logout',
    summary: 'Sign out: ends the session (audited) and clears the cookie',
    roles: STAFF_ROLES,
    credentials: 'session',
    handler: async ({ principal, req, reply }) => {
      await auth.logout(principal);
      reply.header('set-cookie', clearedSessionCookie(cookieSecure(req, options.production)));
      return { loggedOut: true };
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/auth/password',
    summary: "Change one's own password (the current one is checked and counts towards the lockout; other sessions end)",
    roles: STAFF_ROLES,
    credentials: 'session',
    body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(1).max(1024) }),
    handler: async ({ principal, body }) => {
      await auth.changePassword(principal, body.currentPassword, body.newPassword);
      return { changed: true };
    },
  });
}
