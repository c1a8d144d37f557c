import type { Kysely, Selectable } from 'kysely';
import type { Database, OpsBackupsTable } from './db.schema.js';

/** One database backup and what verifying its restore found. */
export interface BackupRecord {
  id: string;
  startedAt: number;
  finishedAt: number;
  file: string;
  sizeBytes: number;
  status: 'ok' | 'failed';
  verified: boolean;
  verification: Record<string, unknown>;
  error: string | null;
  prunedAt: number | null;
}

const toRecord = (r: Selectable<OpsBackupsTable>): BackupRecord => ({
  id: String(r.id), startedAt: new Date(r.started_at).getTime(), finishedAt: new Date(r.finished_at).getTime(), file: r.file,
  sizeBytes: Number(r.size_bytes), status: r.status, verified: r.verified, verification: r.verification, error: r.error,
  prunedAt: r.pruned_at === null ? null : new Date(r.pruned_at).getTime(),
});

/** Backups made by the worker's backup job. */
export class BackupRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Records a finished backup attempt; returns its id. A job has at most one `ok` backup: recording a second one for
   * the same job key stores nothing and returns the first one's id.
   */
  async record(b: Omit<BackupRecord, 'id' | 'prunedAt'> & { jobKey?: string }): Promise<string> {
    const row = await this.db
      .insertInto('ops_backups')
      .values({
        started_at: new Date(b.startedAt), finished_at: new Date(b.finishedAt), file: b.file, size_bytes: b.sizeBytes, status: b.status,
        verified: b.verified, verification: JSON.stringify(b.verification), error: b.error, job_key: b.jobKey ?? null,
      })
      .onConflict((oc) => oc.column('job_key').where('job_key', 'is not', null).where('status', '=', 'ok').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) return String(row.id);
    return (await this.doneByJob(b.jobKey as string))?.id as string;
  }

  /** The verified backup a job already made, or undefined. */
  async doneByJob(jobKey: string): Promise<BackupRecord | undefined> {
    const r = await this.db.selectFrom('ops_backups').selectAll().where('job_key', '=', jobKey).where('status', '=', 'ok').executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  /** Backups, newest first. */
  async list(limit: number): Promise<BackupRecord[]> {
    const rows = await this.db.selectFrom('ops_backups').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRecord);
  }

  /** The newest backup attempt, or undefined when none was made. */
  async findLatest(): Promise<BackupRecord | undefined> {
    return (await this.list(1))[0];
  }

  /** Marks backups whose files were deleted by retention. */
  async markPruned(files: readonly string[], at: number): Promise<void> {
    if (files.length === 0) return;
    await this.db.updateTable('ops_backups').set({ pruned_at: new Date(at) }).where('file', 'in', [...files]).where('pruned_at', 'is', null).execute();
  }
}
