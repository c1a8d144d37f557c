import type { Kysely, Selectable } from 'kysely';
import type { Database, SmsMessagesTable } from './db.schema.js';

/** An SMS in the outbox. */
export type SmsMessageRow = Selectable<SmsMessagesTable>;

/** An SMS to queue; `dedupeKey` makes queuing the same notice twice a no-op. */
export interface SmsDraft {
  ticketId: string | null;
  kind: 'receipt' | 'callback_notice';
  dedupeKey: string;
  to: string;
  body: string;
}

/** The SMS outbox: rows written with the ticket change, sent by the worker. */
export class SmsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Queues a message unless one with the same dedupe key exists. */
  async enqueue(draft: SmsDraft, executor: Kysely<Database> = this.db): Promise<void> {
    await executor
      .insertInto('sms_messages')
      .values({ ticket_id: draft.ticketId, kind: draft.kind, dedupe_key: draft.dedupeKey, to_number: draft.to, body: draft.body })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
  }

  /** Messages not yet handed to BullMQ. */
  async findUnqueued(limit: number): Promise<SmsMessageRow[]> {
    return this.db.selectFrom('sms_messages').selectAll().where('enqueued_at', 'is', null).orderBy('id').limit(limit).execute();
  }

  /** Records that these messages are in BullMQ. */
  async markQueued(ids: string[]): Promise<void> {
    if (ids.length) await this.db.updateTable('sms_messages').set({ enqueued_at: new Date() }).where('id', 'in', ids).execute();
  }

  /** One message, or undefined. */
  async findById(id: string): Promise<SmsMessageRow | undefined> {
    return this.db.selectFrom('sms_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Claims a pending message for sending (`sending`, at most once): the row, or undefined when it was not pending
   * (sent already, or claimed by a run that died — see {@link markUnconfirmed}).
   */
  async claim(id: string, at: Date): Promise<SmsMessageRow | undefined> {
    return this.db.updateTable('sms_messages').set({ status: 'sending', claimed_at: at }).where('id', '=', id).where('status', '=', 'pending').returningAll().executeTakeFirst();
  }

  /** The provider refused the message (it was not sent): back to pending, for the job's next attempt. */
  async release(id: string): Promise<void> {
    await this.db.updateTable('sms_messages').set({ status: 'pending', claimed_at: null }).where('id', '=', id).where('status', '=', 'sending').execute();
  }

  /** A claimed message whose sender died before it knew the outcome: not sent again, left for staff to check. */
  async markUnconfirmed(id: string): Promise<boolean> {
    const r = await this.db.updateTable('sms_messages').set({ status: 'unconfirmed' }).where('id', '=', id).where('status', '=', 'sending').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Marks a message sent. */
  async markSent(id: string, at: Date): Promise<void> {
    await this.db.updateTable('sms_messages').set({ status: 'sent', sent_at: at }).where('id', '=', id).execute();
  }

  /** Messages of a ticket, oldest first. */
  async forTicket(ticketId: string): Promise<SmsMessageRow[]> {
    return this.db.selectFrom('sms_messages').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
  }
}
