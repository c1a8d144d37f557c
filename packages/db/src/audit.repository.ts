import type { Kysely } from 'kysely';
import type { Database } from './db.schema.js';

/** Appends audit entries for sensitive actions (force logout, recordings, monitoring). */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records one action. */
  async record(entry: { actorRole: string; actorId: string | null; action: string; target?: string; data?: Record<string, unknown> }): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        actor_role: entry.actorRole,
        actor_id: entry.actorId,
        action: entry.action,
        target: entry.target ?? null,
        data: JSON.stringify(entry.data ?? {}),
      })
      .execute();
  }
}
