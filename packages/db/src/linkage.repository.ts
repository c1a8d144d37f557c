import type { Kysely } from 'kysely';
import { applyTicketAction, CtiError, type LinkageRecord } from '@cti/domain';
import type { Database } from './db.schema.js';
import { TicketRepository } from './ticket.repository.js';

/** What storing a linkage did. */
export interface StoreLinkageResult {
  /** False when the linkage was already stored (a redelivery). */
  created: boolean;
  ticketId: string | null;
  /** The ticket's state after the linkage was applied to it. */
  ticketState: string | null;
}

/** Whether a linkage hands the matter wholly to the partner: a one-click transfer answered, or any answered linkage the agent left. */
export function handsMatterToPartner(r: LinkageRecord): boolean {
  // A transfer to an outside number is not a hand-over to an emergency or utility line.
  return r.partner !== 'external' && r.result === 'answered' && (r.mode === 'transfer' || r.agentLeftAt !== undefined);
}

/** Emergency/utility linkages of calls, and their effect on the call's ticket. */
export class LinkageRepository {
  private readonly tickets: TicketRepository;

  constructor(private readonly db: Kysely<Database>) {
    this.tickets = new TicketRepository(db);
  }

  /**
   * Stores a linkage once (by id). A matter handed to the partner moves the call's intake ticket to
   * `transferred_emergency` (ticket action `transfer_emergency` as the agent); every other linkage is noted in the
   * ticket's history without a state change. The call's ticket must exist (the call record is stored first):
   * CTI_ERR_NOT_FOUND otherwise, so the queue retries.
   */
  async store(r: LinkageRecord): Promise<StoreLinkageResult> {
    const existing = await this.db.selectFrom('linkages').select(['ticket_id', 'ticket_state']).where('id', '=', r.id).executeTakeFirst();
    if (existing) return { created: false, ticketId: existing.ticket_id, ticketState: existing.ticket_state };
    const ticket = await this.tickets.findBySourceCall(r.linkedId);
    if (!ticket) throw new CtiError('CTI_ERR_NOT_FOUND', `no ticket yet for call ${r.linkedId}`, { linkedId: r.linkedId });
    const now = Date.now();
    const actor = { role: 'agent' as const, id: r.agentId ?? 'system' };
    const partnerData = { partnerLine: r.partner, method: r.mode };
    const { row } = await this.tickets.change(ticket.id, undefined, (current, domainTicket) => {
      const history = { linkageId: r.id, partner: r.partner, mode: r.mode, result: r.result, trunk: r.trunk ?? null };
      if (handsMatterToPartner(r) && current.state === 'intake') {
        const { ticket: next, historyEntry } = applyTicketAction(domainTicket, 'transfer_emergency', actor, partnerData, now);
        return {
          ticket: next,
          history: [{ action: 'transfer_emergency', from: historyEntry.from, to: historyEntry.to, actorRole: actor.role, actorId: actor.id, data: { ...historyEntry.data, ...history }, at: now }],
          after: (trx) => this.insert(trx, r, current.id, next.state),
        };
      }
      return {
        ticket: domainTicket,
        history: [{ action: r.partner === 'external' ? 'external_transfer' : 'emergency_linkage', from: domainTicket.state, to: domainTicket.state, actorRole: actor.role, actorId: actor.id, data: history, at: now }],
        after: (trx) => this.insert(trx, r, current.id, domainTicket.state),
      };
    });
    return { created: true, ticketId: row.id, ticketState: row.state };
  }

  private async insert(trx: Kysely<Database>, r: LinkageRecord, ticketId: string, ticketState: string): Promise<void> {
    const ts = (v: number | undefined) => (v === undefined ? null : new Date(v));
    await trx
      .insertInto('linkages')
      .values({
        id: r.id,
        linked_id: r.linkedId,
        partner: r.partner,
        number: r.number,
        mode: r.mode,
        agent_id: r.agentId ?? null,
        trunk: r.trunk ?? null,
        dialled_at: new Date(r.dialledAt),
        answered_at: ts(r.answeredAt),
        agent_left_at: ts(r.agentLeftAt),
        ended_at: new Date(r.endedAt),
        result: r.result,
        ticket_id: ticketId,
        ticket_state: ticketState,
      })
      .execute();
  }

  /** Linkages of one call, oldest first. */
  async forCall(linkedId: string) {
    return this.db.selectFrom('linkages').selectAll().where('linked_id', '=', linkedId).orderBy('dialled_at').execute();
  }
}
