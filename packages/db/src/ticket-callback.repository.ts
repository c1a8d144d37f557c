import { sql, type Kysely, type Selectable } from 'kysely';
import type { CallbackTasksTable, Database } from './db.schema.js';

/** A result-callback (回访) task as stored. */
export type TicketCallbackTaskRow = Selectable<CallbackTasksTable>;

/** Result callbacks (回访) of handled tickets: one task per round, worked by the callback staff. */
export class TicketCallbackRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Opens the next round's pending task for the ticket (idempotent per round). */
  async openRound(ticketId: string, at: Date, executor: Kysely<Database> = this.db): Promise<void> {
    await sql`INSERT INTO callback_tasks (ticket_id, round, status, next_attempt_at)
      SELECT ${ticketId}::bigint, coalesce(max(round), 0) + 1, 'pending', ${at}
        FROM callback_tasks WHERE ticket_id = ${ticketId}::bigint
      HAVING NOT coalesce(bool_or(status IN ('pending', 'review')), false)
      ON CONFLICT DO NOTHING`.execute(executor);
  }

  /** Updates the ticket's open (pending or review) task. */
  async updateOpen(
    ticketId: string,
    patch: { status: TicketCallbackTaskRow['status']; attempts?: number; nextAttemptAt?: Date; satisfaction?: string; comment?: string | null; doneBy?: string },
    executor: Kysely<Database> = this.db,
  ): Promise<void> {
    await executor
      .updateTable('callback_tasks')
      .set({
        status: patch.status,
        ...(patch.attempts !== undefined && { attempts: patch.attempts }),
        ...(patch.nextAttemptAt !== undefined && { next_attempt_at: patch.nextAttemptAt }),
        ...(patch.satisfaction !== undefined && { satisfaction: patch.satisfaction }),
        ...(patch.comment !== undefined && { comment: patch.comment }),
        ...(patch.doneBy !== undefined && { done_by: patch.doneBy }),
        updated_at: new Date(),
      })
      .where('ticket_id', '=', ticketId)
      .where('status', 'in', ['pending', 'review'])
      .execute();
  }

  /** Tasks by status, the earliest due first. */
  async list(filter: { status?: TicketCallbackTaskRow['status']; dueBefore?: Date; limit: number; offset: number }): Promise<TicketCallbackTaskRow[]> {
    let q = this.db.selectFrom('callback_tasks').selectAll();
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.dueBefore) q = q.where('next_attempt_at', '<=', filter.dueBefore);
    return q.orderBy('next_attempt_at').orderBy('id').limit(filter.limit).offset(filter.offset).execute();
  }

  /** All rounds of a ticket. */
  async forTicket(ticketId: string): Promise<TicketCallbackTaskRow[]> {
    return this.db.selectFrom('callback_tasks').selectAll().where('ticket_id', '=', ticketId).orderBy('round').execute();
  }
}
