import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, TicketsTable } from './db.schema.js';

/** A ticket as read from the database. */
export type TicketRow = Selectable<TicketsTable>;

/** Filters of the ticket list; every field optional. */
export interface TicketFilter {
  state?: string;
  category?: string;
  callerNumber?: string;
  departmentId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  limit: number;
  offset: number;
}

/** Reads tickets; the write side grows with the ticket engine. */
export class TicketRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Tickets matching the filter, newest first, with the total count. */
  async list(filter: TicketFilter): Promise<{ total: number; items: TicketRow[] }> {
    let q = this.db.selectFrom('tickets');
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.category) q = q.where('category', '=', filter.category);
    if (filter.callerNumber) q = q.where('caller_number', '=', filter.callerNumber);
    if (filter.departmentId) q = q.where('department_id', '=', filter.departmentId);
    if (filter.createdFrom) q = q.where('created_at', '>=', filter.createdFrom);
    if (filter.createdTo) q = q.where('created_at', '<', filter.createdTo);
    const [items, total] = await Promise.all([
      q.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(),
      q.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
    ]);
    return { total: Number(total.n), items };
  }

  /** One ticket by id, or undefined. */
  async findById(id: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The ticket opened from a call, or undefined. */
  async findBySourceCall(linkedId: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('source_call_id', '=', linkedId).executeTakeFirst();
  }

  /** The newest tickets of a caller (shown to the agent when the call is offered). */
  async recentForCaller(callerNumber: string, limit: number): Promise<TicketRow[]> {
    return this.db.selectFrom('tickets').selectAll().where('caller_number', '=', callerNumber).orderBy('id', 'desc').limit(limit).execute();
  }
}
