import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { CtiError, SEAT_ROLES, SUPERVISING_ROLES, inRoleGroup, maskPhone } from '@cti/domain';
import type { Principal, TicketRow } from '@cti/db';
import type { EventBus, GatewayEvent, GatewayEventOf } from '../events/event-bus.js';
import type { RouteRegistry, SessionAuthenticator, TokenVerifier } from '../http/route.registry.js';
import { readSessionCookie, streamOriginAllowed } from '../http/session.cookie.js';
import type { TokenWatch } from '../http/token.watch.js';
import type { Logger } from '../logger.js';

/** What the agent push needs to enrich an offer. */
export interface OfferContext {
  /** The caller's number of a live call (never sent to the desktop unmasked). */
  callerNumberOf(callId: string): string | undefined;
  /** The caller's newest tickets. */
  recentTickets(callerNumber: string, limit: number): Promise<TicketRow[]>;
  /** Audits that these tickets were shown to the feed's reader with an offer; nothing is sent unless it succeeds. */
  auditShown(reader: Principal, ticketIds: string[]): Promise<void>;
  /** The nuisance/malicious mark in force on a caller's number, shown with the offer (docs/domain.md §16). */
  callerMarkOf?(callerNumber: string): unknown;
}

/**
 * Events of the agent's own calls the desk follows: offers and their outcome, the agent leaving a call (a transfer),
 * the partner line of a linkage ringing, answering or failing (with the next number to try), and callbacks.
 */
const AGENT_EVENT_TYPES = [
  'call.offered', 'call.connected', 'call.ended', 'call.ring_no_answer', 'call.agent_released', 'agent.state', 'callback.connected', 'callback.ended',
  'linkage.dialling', 'linkage.trunk_fallback', 'linkage.answered', 'linkage.failed', 'linkage.handed_off', 'linkage.ended',
] as const;
/** Transfer events go to both agents: the one transferring (fromAgentId) and the one whose seat rings (toAgentId). */
const TRANSFER_EVENT_TYPES = ['transfer.ringing', 'transfer.consulting', 'transfer.completed', 'transfer.conference', 'transfer.cancelled', 'transfer.failed'] as const;
/** An event of one agent's calls (each has `agentId`). */
type AgentEvent = GatewayEventOf<(typeof AGENT_EVENT_TYPES)[number]>;
/** A transfer event (each has `fromAgentId` and `toAgentId`). */
type TransferEvent = GatewayEventOf<(typeof TRANSFER_EVENT_TYPES)[number]>;
const agentEventTypes: ReadonlySet<string> = new Set(AGENT_EVENT_TYPES);
const transferEventTypes: ReadonlySet<string> = new Set(TRANSFER_EVENT_TYPES);
const isAgentEvent = (e: GatewayEvent): e is AgentEvent => agentEventTypes.has(e.type);
const isTransferEvent = (e: GatewayEvent): e is TransferEvent => transferEventTypes.has(e.type);

/** A ticket of the caller's shown with an offer. */
interface RecentTicket {
  id: string;
  ticketNo: TicketRow['ticket_no'];
  state: TicketRow['state'];
  category: TicketRow['category'];
  summary: TicketRow['summary'];
  createdAt: TicketRow['created_at'];
}

/**
 * What the feed sends: the agent's events as the bus has them, an offer with the caller's last tickets (and the
 * caller's number masked again from the live call), and `hello` when the feed opens.
 */
type AgentFeedMessage =
  | Exclude<AgentEvent | TransferEvent, { type: 'call.offered' }>
  | (GatewayEventOf<'call.offered'> & { recentTickets: RecentTicket[]; callerMark?: unknown })
  | { type: 'hello'; at: number; agentId: string };

/**
 * Roles that may open the feed: an agent (own seat only), the callback desk's staff working at a seat (own seat only:
 * they call citizens back and answer as backup), and those who supervise seats.
 */
export const AGENT_FEED_ROLES = SEAT_ROLES;

/** `e` when the feed of `agentId` carries it, else undefined. */
function forAgent(e: GatewayEvent, agentId: string): AgentEvent | TransferEvent | undefined {
  if (isTransferEvent(e)) return e.fromAgentId === agentId || e.toAgentId === agentId ? e : undefined;
  return isAgentEvent(e) && e.agentId === agentId ? e : undefined;
}

/** Whether the feed of `agentId` carries `e`. */
export function concernsAgent(e: GatewayEvent, agentId: string): boolean {
  return forAgent(e, agentId) !== undefined;
}
/**
 * The desktop sends nothing but pings on this socket, so a frame above this is abuse: ws closes it with 1009 instead
 * of buffering up to its 100 MiB default.
 */
export const AGENT_FEED_MAX_PAYLOAD = 4096;

/**
 * Longest wait for an offer's recent tickets (ms): the feed's later events wait behind the offer, so a slow database
 * must not hold the agent's "connected" back for long; the offer then goes without them.
 */
export const OFFER_ENRICH_MAX_MS = 2_000;

/** `work`'s result, or a rejection once `ms` have passed. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Staff sessions on streams: who checks the `cti_session` cookie, and which other origins may use it (CTI_STAFF_ORIGINS). */
export interface StreamSessions {
  authenticator: SessionAuthenticator;
  allowedOrigins: readonly string[];
}

/**
 * `GET /api/v1/agents/:agentId/events` (WebSocket): the agent desktop's live feed — call offered (masked number,
 * language and whether it was remembered, line, the caller's last 3 tickets), connected, ended, state changed,
 * transfers and linkages of the agent's calls. Browsers cannot set headers on a
 * WebSocket, so the token may come as `?token=`; a signed-in person's browser sends its `cti_session` cookie instead,
 * accepted only from the gateway's own origin (or CTI_STAFF_ORIGINS: cross-site WebSocket hijacking). An agent may
 * only listen to their own seat. The feed subscribes only once the credential is checked and the socket is still
 * open, and closes (4401) when `watch` finds the token or session revoked or expired.
 */
export function agentEventsFeature(bus: EventBus, tokens: TokenVerifier, offers: OfferContext, log: Logger, watch: TokenWatch, sessions?: StreamSessions) {
  return async (routes: RouteRegistry, app: FastifyInstance): Promise<void> => {
    routes.declareRaw({
      method: 'GET',
      url: '/api/v1/agents/:agentId/events',
      summary: "The agent desktop's live feed (WebSocket; `?token=`, Authorization, or the cti_session cookie from an allowed origin); closes 4401 without a valid credential, 4403 for another seat or role or a foreign origin",
      access: { kind: 'websocket', roles: AGENT_FEED_ROLES, note: 'an agent only for their own seat' },
    });
    await app.register(websocket, { options: { maxPayload: AGENT_FEED_MAX_PAYLOAD } });
    app.get<{ Params: { agentId: string }; Querystring: { token?: string } }>('/api/v1/agents/:agentId/events', { websocket: true }, async (socket, req) => {
      const header = req.headers.authorization;
      const token = (header && /^Bearer\s+(\S+)$/i.exec(header)?.[1]) || req.query.token;
      const agentId = req.params.agentId;
      const cookie = token ? undefined : sessions && readSessionCookie(req.headers.cookie);
      if (cookie && !streamOriginAllowed(req, sessions?.allowedOrigins ?? [])) {
        log.warn({ agentId, origin: req.headers.origin ?? null }, 'agent feed: session cookie from a foreign origin refused');
        socket.close(4403, 'origin not allowed');
        return;
      }
      let found: Principal | undefined;
      let refusal = 'unauthorized';
      try {
        if (token) found = await tokens.findPrincipal(token);
        else if (cookie && sessions) found = (await sessions.authenticator.authenticate(cookie)).principal;
      } catch (err) {
        if (!(err instanceof CtiError)) {
          log.warn({ err: (err as Error).message, agentId }, 'agent feed: credential lookup failed');
          socket.close(1011, 'credential check unavailable');
          return;
        }
        refusal = err.code; // an expired or ended session: refused like an unknown token (4401), saying which
      }
      // The client may have gone while the token was looked up: subscribing now would leave a listener for ever.
      if (socket.readyState !== socket.OPEN) return;
      const principal = found;
      if (!principal) {
        socket.close(4401, refusal);
        return;
      }
      if (!inRoleGroup(AGENT_FEED_ROLES, principal.role) || (!inRoleGroup(SUPERVISING_ROLES, principal.role) && principal.agentId !== agentId)) {
        socket.close(4403, new CtiError('CTI_ERR_FORBIDDEN', 'not your seat').message);
        return;
      }
      const send = (e: AgentFeedMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(e));
      };
      /** The offer with its caller's masked number, mark and last tickets (none when they cannot be read in time). */
      const enrichedOffer = async (e: GatewayEventOf<'call.offered'>): Promise<AgentFeedMessage> => {
        const number = offers.callerNumberOf(e.callId);
        if (!number) return { ...e, recentTickets: [] };
        const callerMark = offers.callerMarkOf?.(number) ?? null;
        try {
          const tickets = await withDeadline(offers.recentTickets(number, 3), OFFER_ENRICH_MAX_MS);
          await offers.auditShown(principal, tickets.map((t) => t.id));
          return { ...e, caller: maskPhone(number), callerMark, recentTickets: tickets.map((t) => ({ id: t.id, ticketNo: t.ticket_no, state: t.state, category: t.category, summary: t.summary, createdAt: t.created_at })) };
        } catch (err) {
          log.warn({ err: (err as Error).message, agentId, callId: e.callId }, 'recent tickets unavailable for an offer');
          return { ...e, callerMark, recentTickets: [] };
        }
      };
      // The offer is sent after its caller's recent tickets are read; the events after it wait for it, so the desk
      // sees them in the order they happened (a connected call overtaking its own offer left a loaded desk showing
      // a talking call as ringing, with no hang-up button: L43).
      let sent: Promise<void> = Promise.resolve();
      const unsubscribe = bus.subscribe((event) => {
        const e = forAgent(event, agentId);
        if (!e) return;
        const message = e.type === 'call.offered' ? enrichedOffer(e) : e;
        sent = sent.then(async () => send(await message));
      });
      const unwatch = watch.watch(principal.tokenId, () => socket.close(4401, principal.staff ? 'session ended or expired' : 'token revoked or expired'));
      socket.on('close', () => {
        unsubscribe();
        unwatch();
      });
      send({ type: 'hello', at: Date.now(), agentId });
    });
  };
}
