import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CtiError, OVERSIGHT_ROLES, SUPERVISING_ROLES, type Role } from '@cti/domain';
import type { RouteRegistry } from '../http/route.registry.js';
import { readSessionCookie, streamOriginAllowed } from '../http/session.cookie.js';
import type { StreamSessions } from '../agent/agent-events.feature.js';
import type { TokenValidity, TokenWatch } from '../http/token.watch.js';
import type { WallboardFeed, WallboardSnapshot } from './wallboard.feed.js';
import { wallboardHtml } from './wallboard.page.js';
import type { WallboardTicket, WallboardTickets } from './wallboard.ticket.js';
import { registerWallboardTrendRoutes, type WallboardTrendsSource } from './wallboard.trends.js';

const HEARTBEAT_MS = 15_000;
const ticketQuery = z.object({ ticket: z.string().max(512).optional() });

const unauthorizedPage = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>大屏票据无效</title></head>
<body style="background:#0b1526;color:#e6edf7;font:32px sans-serif;padding:80px">大屏票据无效或已过期，请向值班长重新获取大屏链接。</body></html>`;

/** Roles that may issue wallboard tickets; a ticket a person issued stops working once they no longer hold one. */
export const WALLBOARD_ISSUER_ROLES: readonly Role[] = SUPERVISING_ROLES;

/** Roles whose signed-in session opens the wallboard without a ticket (those who may read its snapshot). */
export const WALLBOARD_SESSION_ROLES: readonly Role[] = OVERSIGHT_ROLES;

/** Who opened a wallboard: a signed ticket (renewed while open), or a signed-in person's session cookie. */
type Admission = { kind: 'ticket'; ticket: WallboardTicket } | { kind: 'session'; tokenId: string };

/**
 * The wallboard: `GET /wallboard?ticket=…` (the page), `GET /wallboard/events?ticket=…` (Server-Sent Events:
 * `snapshot` on connect and on every change, `ticket` with a renewed ticket at half its lifetime), and the staff API
 * `POST /api/v1/wallboard/tickets` (issues a ticket) and `GET /api/v1/wallboard/snapshot`. A ticket is only as good as
 * the token or person that asked for it: once the token is revoked or expired, or the person's account is disabled or
 * no longer holds an issuing role, the ticket is refused and open streams close (signing out of the console does not
 * darken the big screen). Without a ticket, a signed-in supervisor's (manager's, admin's, QA's) session cookie from the gateway's own
 * origin opens both; the stream then closes when the session ends.
 */
export function registerWallboardRoutes(routes: RouteRegistry, app: FastifyInstance, feed: WallboardFeed, tickets: WallboardTickets, now: () => number, watch: TokenWatch, validity: TokenValidity, sessions?: StreamSessions, trends?: WallboardTrendsSource): void {
  /** A verified ticket whose issuer is still valid, else a live session of a wallboard role, else undefined. */
  const admit = async (req: FastifyRequest): Promise<Admission | undefined> => {
    const q = ticketQuery.safeParse(req.query);
    const ticket = q.success ? tickets.verify(q.data.ticket) : undefined;
    if (ticket) return (await validity.findInvalid([ticket.tokenId])).length === 0 ? { kind: 'ticket', ticket } : undefined;
    const cookie = sessions && readSessionCookie(req.headers.cookie);
    if (!cookie || !sessions || !streamOriginAllowed(req, sessions.allowedOrigins)) return undefined;
    try {
      const { principal } = await sessions.authenticator.authenticate(cookie);
      return WALLBOARD_SESSION_ROLES.includes(principal.role) ? { kind: 'session', tokenId: principal.tokenId } : undefined;
    } catch (err) {
      if (err instanceof CtiError) return undefined; // expired or ended: the same 401 page as a bad ticket
      throw err; // the database is away: 503, not a refusal
    }
  };

  routes.add({
    method: 'POST',
    url: '/api/v1/wallboard/tickets',
    summary: 'Issue a short-lived signed wallboard ticket; open /wallboard?ticket=… on the big screen (it renews itself while open)',
    roles: WALLBOARD_ISSUER_ROLES,
    handler: async ({ principal }) => {
      // A person's ticket is bound to their account, not to this console session: the big screen outlasts sign-out.
      const t = tickets.issue(principal.label, principal.staff ? `staff:${principal.staff.id}` : principal.tokenId);
      return { ticket: t.ticket, expiresAt: new Date(t.expiresAt).toISOString(), url: `/wallboard?ticket=${encodeURIComponent(t.ticket)}` };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/wallboard/snapshot',
    summary: 'What the wallboard shows right now (queue, agents, answer rates, projection, trunks, linkages, overdue tickets, staffing, alerts)',
    roles: OVERSIGHT_ROLES,
    handler: async () => feed.snapshot(),
  });

  // The trend charts' data and their library (docs/domain.md §17), admitted like the event stream.
  if (trends) registerWallboardTrendRoutes(routes, app, trends, async (req) => (await admit(req)) !== undefined, sessions && WALLBOARD_SESSION_ROLES);

  const access = { kind: 'wallboard-ticket', ...(sessions && { sessionRoles: WALLBOARD_SESSION_ROLES }) } as const;
  routes.declareRaw({ method: 'GET', url: '/wallboard', summary: 'The wallboard page (needs ?ticket=, or a signed-in session of the session roles)', access });
  routes.declareRaw({ method: 'GET', url: '/wallboard/events', summary: "The wallboard's Server-Sent Events (needs ?ticket=, or a signed-in session of the session roles)", access });
  app.get('/wallboard', async (req, reply) => {
    const ok = (await admit(req)) !== undefined;
    return reply
      .status(ok ? 200 : 401)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:")
      .send(ok ? wallboardHtml() : unauthorizedPage);
  });

  // Streams never go idle, so the server could not close with them open: end them before it closes.
  const streams = new Set<import('node:http').ServerResponse>();
  app.addHook('preClose', async () => {
    for (const r of streams) r.end();
  });

  app.get('/wallboard/events', async (req, reply) => {
    const admission = await admit(req);
    if (!admission) return reply.status(401).send({ error: { code: 'CTI_ERR_UNAUTHORIZED', message: 'invalid or expired wallboard ticket (or no signed-in session allowed to see the wallboard)' } });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    streams.add(res);
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write('retry: 2000\n\n');
    send('snapshot', feed.snapshot());
    const unsubscribe = feed.subscribe((s: WallboardSnapshot) => send('snapshot', s));
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    const ticket = admission.kind === 'ticket' ? admission.ticket : undefined;
    // A ticket's stream hands the page a fresh ticket at half-life and closes at expiry (the page reconnects with the
    // fresh one); a session's stream lasts as long as the session.
    const lifetime = ticket ? ticket.expiresAt - now() : 0;
    const renew = ticket && setTimeout(() => send('ticket', { ticket: tickets.issue(ticket.subject, ticket.tokenId).ticket }), Math.max(0, lifetime / 2));
    const expire = ticket && setTimeout(() => res.end(), Math.max(0, lifetime));
    // The issuing token or the session revoked or expired: end the stream (the page's reconnect is then refused with 401).
    const unwatch = watch.watch(ticket ? ticket.tokenId : (admission as { tokenId: string }).tokenId, () => {
      send('revoked', { reason: ticket ? 'the token that issued this wallboard ticket was revoked or expired' : 'the session ended or expired' });
      res.end();
    });
    const close = () => {
      unwatch();
      streams.delete(res);
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(renew);
      clearTimeout(expire);
    };
    req.raw.on('close', close);
    res.on('close', close);
  });
}
