import { sql, type Kysely, type Selectable } from 'kysely';
import { beijingDate, type CallRecord, type OutboundCallbackRecord } from '@cti/domain';
import type { Database, MissedCallTasksTable } from './db.schema.js';

/** A missed-call callback task as stored. */
export type MissedCallTaskRow = Selectable<MissedCallTasksTable>;

/** Missed-call callback tasks (漏接回拨) and the outcomes of every outbound callback. */
export class CallbackTaskRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Opens a task for an abandoned caller who waited at least `minWaitMs`; at most one per number per day,
   * and none for a caller who asked for a virtual-hold callback (that callback is already owed).
   * Returns the task id when this call created it.
   */
  async openForAbandoned(record: CallRecord, minWaitMs: number): Promise<string | null> {
    if (record.outcome !== 'abandoned' || record.queuedAt === undefined || record.callbackRequestedAt !== undefined) return null;
    if (!record.callerNumber || record.endedAt - record.queuedAt < minWaitMs) return null;
    const row = await this.db
      .insertInto('missed_call_tasks')
      // One task per number per Beijing calendar day.
      .values({ caller_number: record.callerNumber, day: beijingDate(record.endedAt), linked_id: record.linkedId })
      .onConflict((oc) => oc.columns(['caller_number', 'day']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /** Open tasks, oldest first (for the callback staff's list). */
  async listOpen(limit: number): Promise<MissedCallTaskRow[]> {
    return this.db.selectFrom('missed_call_tasks').selectAll().where('state', '=', 'open').orderBy('id').limit(limit).execute();
  }

  /** Claims the oldest open task for dialling, or undefined; safe against concurrent claimers. */
  async claimNext(): Promise<MissedCallTaskRow | undefined> {
    return this.db
      .updateTable('missed_call_tasks')
      .set({ state: 'dialling', attempts: sql`attempts + 1`, updated_at: new Date() })
      .where('id', '=', (eb) =>
        eb.selectFrom('missed_call_tasks').select('id').where('state', '=', 'open').orderBy('id').limit(1).forUpdate().skipLocked(),
      )
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Claims one given open task for dialling (an agent clicked it), or undefined when it is not open any more (another
   * agent or the automatic worklist took it, or it is done).
   */
  async claim(taskId: string): Promise<MissedCallTaskRow | undefined> {
    return this.db
      .updateTable('missed_call_tasks')
      .set({ state: 'dialling', attempts: sql`attempts + 1`, updated_at: new Date() })
      .where('id', '=', taskId)
      .where('state', '=', 'open')
      .returningAll()
      .executeTakeFirst();
  }

  /** Puts a claimed task back (e.g. nobody could take it after all). */
  async release(taskId: string): Promise<void> {
    await this.db.updateTable('missed_call_tasks').set({ state: 'open', updated_at: new Date() }).where('id', '=', taskId).where('state', '=', 'dialling').execute();
  }

  /**
   * Stores a callback outcome once (by id) and closes its task: reached → done; unreachable → open again until
   * `maxAttempts`, then failed.
   */
  async storeResult(r: OutboundCallbackRecord, maxAttempts: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('outbound_callbacks')
        .values({
          id: r.id,
          kind: r.kind,
          linked_id: r.linkedId,
          task_id: r.taskId ?? null,
          caller_number: r.callerNumber,
          requested_at: new Date(r.requestedAt),
          agent_id: r.agentId ?? null,
          dialled_at: r.dialledAt === undefined ? null : new Date(r.dialledAt),
          answered_at: r.answeredAt === undefined ? null : new Date(r.answeredAt),
          ended_at: new Date(r.endedAt),
          trunk: r.trunk ?? null,
          result: r.result,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted || !r.taskId) return;
      const task = await trx.selectFrom('missed_call_tasks').select(['attempts']).where('id', '=', r.taskId).executeTakeFirst();
      if (!task) return;
      const state = r.result === 'reached' ? 'done' : r.result === 'unreachable' && task.attempts >= maxAttempts ? 'failed' : 'open';
      await trx
        .updateTable('missed_call_tasks')
        .set({ state, result: r.result, agent_id: r.agentId ?? null, updated_at: new Date() })
        .where('id', '=', r.taskId)
        .execute();
    });
  }

  /** Outcomes of callbacks for an inbound call. */
  async resultsFor(linkedId: string) {
    return this.db.selectFrom('outbound_callbacks').selectAll().where('linked_id', '=', linkedId).orderBy('requested_at').execute();
  }
}
