import type { Principal } from '@cti/db';

/** Appends audit rows (AuditRepository fits). */
export interface AuditSink {
  record(entry: { actorRole: string; actorId: string | null; action: string; target?: string; data?: Record<string, unknown> }): Promise<void>;
}

/** One read of citizens' data: who, which tickets, through which route and with which query. */
export interface TicketRead {
  principal: Principal;
  /**
   * `ticket.read` (one ticket's detail or history), `ticket.search` (a list), `ticket.offer` (tickets pushed with a call
   * offer), `ticket.denied` (a ticket outside the reader's scope was asked for: guessing ids shows here).
   */
  action: 'ticket.read' | 'ticket.search' | 'ticket.offer' | 'ticket.denied';
  /** The route or channel, e.g. `GET /api/v1/tickets/:id/history`. */
  route: string;
  ticketIds: readonly string[];
  /** The filters of a search (they say why these tickets). */
  query?: Record<string, unknown>;
}

/**
 * Writes every read of tickets to `audit_log` before the data leaves the gateway: a read that cannot be audited is not
 * served. One row per read; `target` is the ticket id when one ticket was read, so "who read ticket N" is one query
 * (`target = N` or `data->'ticketIds' ? N`).
 */
export class TicketReadAudit {
  constructor(private readonly sink: AuditSink) {}

  /** Records one read. */
  async record(read: TicketRead): Promise<void> {
    const p = read.principal;
    await this.sink.record({
      actorRole: p.role,
      actorId: p.agentId ?? p.departmentId ?? (p.staff ? `staff:${p.staff.username}` : `token:${p.tokenId}`),
      action: read.action,
      ...(read.ticketIds.length === 1 && { target: read.ticketIds[0] as string }),
      data: { tokenId: p.tokenId, label: p.label, route: read.route, ticketIds: read.ticketIds, ...(read.query && { query: read.query }) },
    });
  }
}
