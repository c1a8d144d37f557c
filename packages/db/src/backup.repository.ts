import type { Kysely } from 'kysely';
import type { Database } from './db.schema.js';

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

/** Backups made by the worker's backup job. */
export class BackupRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records a finished backup attempt; returns its id. */
  async record(b: Omit<BackupRecord, 'id' | 'prunedAt'>): Promise<string> {
    const row = await this.db
      .insertInto('ops_backups')
      .values({
        started_at: new Date(b.startedAt), finished_at: new Date(b.finishedAt), file: b.file, size_bytes: b.sizeBytes, status: b.status,
        verified: b.verified, verification: JSON.stringify(b.verification), error: b.error,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return String(row.id);
  }

  /** Backups, newest first. */
  async list(limit: number): Promise<BackupRecord[]> {
    const rows = await this.db.selectFrom('ops_backups').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: String(r.id), startedAt: new Date(r.started_at).getTime(), finishedAt: new Date(r.finished_at).getTime(), file: r.file,
      sizeBytes: Number(r.size_bytes), status: r.status, verified: r.verified, verification: r.verification, error: r.error,
      prunedAt: r.pruned_at === null ? null : new Date(r.pruned_at).getTime(),
    }));
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
