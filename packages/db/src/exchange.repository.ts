import type { Kysely, Selectable } from 'kysely';
import { CtiError } from '@cti/domain';
import type { Database, ExchangeMessagesTable } from './db.schema.js';

/** A message exchanged with the 110 platform. */
export type ExchangeMessageRow = Selectable<ExchangeMessagesTable>;

/** The 110 exchange: outbound push outbox and inbound replay guard. */
export class ExchangeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Queues an outbound push of a ticket; the idempotency key makes a repeated request return the first one. */
  async enqueuePush(p: { ticketId: string; partnerLine: string; idempotencyKey: string; body: Record<string, unknown> }, executor: Kysely<Database> = this.db): Promise<ExchangeMessageRow> {
    const inserted = await executor
      .insertInto('exchange_messages')
      .values({ direction: 'outbound', partner_line: p.partnerLine, kind: 'push', idempotency_key: p.idempotencyKey, ticket_id: p.ticketId, status: 'pending', body: JSON.stringify(p.body) })
      .onConflict((oc) => oc.columns(['direction', 'idempotency_key']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return inserted ?? (await executor.selectFrom('exchange_messages').selectAll().where('direction', '=', 'outbound').where('idempotency_key', '=', p.idempotencyKey).executeTakeFirstOrThrow());
  }

  /**
   * Records an inbound message under its idempotency key, in the caller's transaction.
   * A key seen before is a replay: CTI_ERR_CONFLICT.
   */
  async recordInbound(m: { partnerLine: string; kind: 'ticket' | 'feedback'; idempotencyKey: string; ticketId: string | null; incidentNo: string; body: Record<string, unknown> }, executor: Kysely<Database> = this.db): Promise<void> {
    const row = await executor
      .insertInto('exchange_messages')
      .values({ direction: 'inbound', partner_line: m.partnerLine, kind: m.kind, idempotency_key: m.idempotencyKey, ticket_id: m.ticketId, status: 'accepted', partner_incident_no: m.incidentNo, body: JSON.stringify(m.body) })
      .onConflict((oc) => oc.columns(['direction', 'idempotency_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) throw new CtiError('CTI_ERR_CONFLICT', 'replayed exchange message (idempotency key already used)', { idempotencyKey: m.idempotencyKey });
  }

  /** Whether an inbound key was already used. */
  async inboundKeySeen(key: string): Promise<boolean> {
    return (await this.db.selectFrom('exchange_messages').select('id').where('direction', '=', 'inbound').where('idempotency_key', '=', key).executeTakeFirst()) !== undefined;
  }

  /** Outbound messages not yet handed to BullMQ. */
  async findUnqueued(limit: number): Promise<ExchangeMessageRow[]> {
    return this.db.selectFrom('exchange_messages').selectAll().where('direction', '=', 'outbound').where('enqueued_at', 'is', null).orderBy('id').limit(limit).execute();
  }

  /** Records that these messages are in BullMQ. */
  async markQueued(ids: string[]): Promise<void> {
    if (ids.length) await this.db.updateTable('exchange_messages').set({ enqueued_at: new Date() }).where('id', 'in', ids).execute();
  }

  /** One message, or undefined. */
  async findById(id: string): Promise<ExchangeMessageRow | undefined> {
    return this.db.selectFrom('exchange_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Records a failed attempt (the job retries) or the final failure. */
  async markAttemptFailed(id: string, attempts: number, error: string, final: boolean): Promise<void> {
    await this.db
      .updateTable('exchange_messages')
      .set({ attempts, last_error: error.slice(0, 500), updated_at: new Date(), ...(final && { status: 'failed' as const }) })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  /** Marks a push delivered and stores the partner's incident number on the message and the ticket. */
  async markSent(id: string, attempts: number, incidentNo: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const msg = await trx
        .updateTable('exchange_messages')
        .set({ status: 'sent', attempts, partner_incident_no: incidentNo, last_error: null, updated_at: new Date() })
        .where('id', '=', id)
        .returning(['ticket_id', 'partner_line'])
        .executeTakeFirst();
      if (msg?.ticket_id) {
        await trx
          .updateTable('tickets')
          .set((eb) => ({ partner_line: msg.partner_line, partner_incident_no: incidentNo, partner_status: 'received', partner_updated_at: new Date(), version: eb('version', '+', 1), updated_at: new Date() }))
          .where('id', '=', msg.ticket_id)
          .execute();
      }
    });
  }

  /** Messages of a ticket, oldest first. */
  async forTicket(ticketId: string): Promise<ExchangeMessageRow[]> {
    return this.db.selectFrom('exchange_messages').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
  }
}
