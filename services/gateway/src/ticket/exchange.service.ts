import type { Kysely } from 'kysely';
import { applyTicketAction, CtiError } from '@cti/domain';
import { checkExchangeSignature, checkExchangeTimestamp } from '@cti/contracts';
import type { Database, Principal, TicketRow } from '@cti/db';
import { actorOf, type NewTicketInput, type TicketService, type TicketStore } from './ticket.service.js';

/** Inbound replay guard and lookups (ExchangeRepository and TicketRepository fit). */
export interface ExchangeInbox {
  inboundKeySeen(key: string): Promise<boolean>;
  recordInbound(m: { partnerLine: string; kind: 'ticket' | 'feedback'; idempotencyKey: string; ticketId: string | null; incidentNo: string; body: Record<string, unknown> }, executor: Kysely<Database>): Promise<void>;
  findTicketByNo(ticketNo: string): Promise<TicketRow | undefined>;
  findTicketByIncident(partnerLine: string, incidentNo: string): Promise<TicketRow | undefined>;
}

/** What the 110 platform sends: a new matter for 12345, or feedback on a ticket we pushed. */
export type InboundExchangeMessage =
  | ({ type: 'ticket'; incidentNo: string } & NewTicketInput)
  | { type: 'feedback'; incidentNo: string; ticketNo?: string | undefined; status: string; result?: string | undefined; at?: string | undefined };

/** Signature, window and idempotency settings of the inbound endpoint. */
export interface InboundExchangeSettings {
  secret: string;
  windowSeconds: number;
}

/** The signing headers of a request, all that can be checked before its body is read. */
export interface SignedHeaders {
  timestamp: string | undefined;
  signature: string | undefined;
  idempotencyKey: string | undefined;
}

/** A signed request's headers and raw body. */
export interface SignedRequest extends SignedHeaders {
  rawBody: string;
}

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,128}$/;

/** 工单互派, inbound side: checks the partner's signature, timestamp and idempotency key, then creates or updates tickets. */
export class ExchangeService {
  constructor(
    private readonly tickets: TicketService,
    private readonly store: TicketStore,
    private readonly inbox: ExchangeInbox,
    private readonly settings: InboundExchangeSettings,
    private readonly now: () => number,
  ) {}

  /**
   * The checks that need no body (timestamp window, signature present, key well-formed; 401/400), so that a request
   * that will be refused anyway is refused before its body is read. Returns the idempotency key.
   */
  checkHeaders(h: SignedHeaders): string {
    const stale = checkExchangeTimestamp(h.timestamp, this.now(), this.settings.windowSeconds);
    if (stale !== null) throw new CtiError('CTI_ERR_UNAUTHORIZED', `exchange request refused: ${stale}`);
    if (!h.signature) throw new CtiError('CTI_ERR_UNAUTHORIZED', 'exchange request refused: missing signature');
    const key = h.idempotencyKey;
    if (key === undefined || !KEY_PATTERN.test(key)) throw new CtiError('CTI_ERR_VALIDATION', 'Idempotency-Key header must be 8–128 characters of [A-Za-z0-9_.:-]');
    return key;
  }

  /** Verifies the request: headers, then the signature over timestamp, key and body (401), then replay (409); throws before anything is written. */
  async verify(req: SignedRequest): Promise<string> {
    const key = this.checkHeaders(req);
    const problem = checkExchangeSignature(this.settings.secret, { timestamp: req.timestamp, signature: req.signature, idempotencyKey: key, body: req.rawBody }, this.now(), this.settings.windowSeconds);
    if (problem !== null) throw new CtiError('CTI_ERR_UNAUTHORIZED', `exchange request refused: ${problem}`);
    if (await this.inbox.inboundKeySeen(key)) throw new CtiError('CTI_ERR_CONFLICT', 'replayed exchange message (idempotency key already used)', { idempotencyKey: key });
    return key;
  }

  /** Applies a verified message: a new partner ticket, or feedback stored on the ticket it concerns. */
  async apply(key: string, msg: InboundExchangeMessage, principal: Principal): Promise<{ ticketId: string; ticketNo: string; created: boolean }> {
    const body = msg as unknown as Record<string, unknown>;
    if (msg.type === 'ticket') {
      const existing = await this.inbox.findTicketByIncident('110', msg.incidentNo);
      if (existing) throw new CtiError('CTI_ERR_CONFLICT', `incident ${msg.incidentNo} is already ticket ${existing.ticket_no}`, { ticketNo: existing.ticket_no });
      const { type: _type, incidentNo, ...fields } = msg;
      const row = await this.tickets.create(fields, principal, 'partner', { line: '110', incidentNo, status: 'received' }, (trx, saved) =>
        this.inbox.recordInbound({ partnerLine: '110', kind: 'ticket', idempotencyKey: key, ticketId: saved.id, incidentNo, body }, trx),
      );
      return { ticketId: row.id, ticketNo: row.ticket_no, created: true };
    }
    const target = (msg.ticketNo !== undefined ? await this.inbox.findTicketByNo(msg.ticketNo) : undefined) ?? (await this.inbox.findTicketByIncident('110', msg.incidentNo));
    if (!target) throw new CtiError('CTI_ERR_NOT_FOUND', `no ticket for incident ${msg.incidentNo}`, { incidentNo: msg.incidentNo });
    // Feedback is only about a matter the two platforms share: one we sent to 110 (or 110 sent us), with its number stored.
    if (target.partner_line !== '110' || target.partner_incident_no === null) {
      throw new CtiError('CTI_ERR_CONFLICT', `ticket ${target.ticket_no} was never exchanged with the 110 platform`, { ticketNo: target.ticket_no, incidentNo: msg.incidentNo });
    }
    if (target.partner_incident_no !== msg.incidentNo) {
      throw new CtiError('CTI_ERR_VALIDATION', `ticket ${target.ticket_no} belongs to incident ${target.partner_incident_no}`, { ticketNo: target.ticket_no });
    }
    const actor = actorOf(principal);
    const now = this.now();
    const at = msg.at !== undefined ? new Date(msg.at) : new Date(now);
    // `rejected` on a matter we transferred: not the partner's, so it comes back to 12345 for dispatch (new deadline).
    const sentBack = msg.status === 'rejected' && target.state === 'transferred_emergency';
    const deadlineFor = sentBack ? await this.tickets.deadlines() : undefined;
    const { row } = await this.store.change(target.id, undefined, (_r, ticket) => {
      const feedback = { action: 'exchange_feedback', from: ticket.state, to: ticket.state, actorRole: actor.role, actorId: actor.id, data: { incidentNo: msg.incidentNo, status: msg.status, ...(msg.result !== undefined && { result: msg.result }) }, at: now };
      const change = {
        partner: { line: '110', incidentNo: msg.incidentNo, status: msg.status, result: msg.result ?? null, at },
        after: (trx: Kysely<Database>, saved: TicketRow) => this.inbox.recordInbound({ partnerLine: '110', kind: 'feedback', idempotencyKey: key, ticketId: saved.id, incidentNo: msg.incidentNo, body }, trx),
      };
      if (!deadlineFor || ticket.state !== 'transferred_emergency') return { ticket, history: [feedback], ...change };
      const data = { partnerLine: '110', incidentNo: msg.incidentNo, deadline: deadlineFor(ticket, now), ...(msg.result !== undefined && msg.result.trim() !== '' && { reason: msg.result }) };
      const { ticket: next, historyEntry } = applyTicketAction(ticket, 'partner_returned', actor, data, now);
      const returned = { action: 'partner_returned', from: historyEntry.from, to: historyEntry.to, actorRole: actor.role, actorId: actor.id, data: { ...historyEntry.data }, at: now };
      return { ticket: next, history: [feedback, returned], ...change };
    });
    return { ticketId: row.id, ticketNo: row.ticket_no, created: false };
  }
}
