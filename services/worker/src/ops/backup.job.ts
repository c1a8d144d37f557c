import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** What the backup job needs; from configuration. */
export interface BackupSettings {
  databaseUrl: string;
  schema: string;
  dir: string;
  keep: number;
}

/** Where backup results go (BackupRepository fits). */
export interface BackupLedger {
  record(b: { startedAt: number; finishedAt: number; file: string; sizeBytes: number; status: 'ok' | 'failed'; verified: boolean; verification: Record<string, unknown>; error: string | null; jobKey?: string }): Promise<string>;
  markPruned(files: readonly string[], at: number): Promise<void>;
  /** The verified backup a job already made (its worker died before the job was marked done), or undefined. */
  doneByJob(jobKey: string): Promise<{ id: string; file: string; sizeBytes: number; verified: boolean; verification: Record<string, unknown> } | undefined>;
}

export interface BackupOutcome {
  id: string;
  file: string;
  status: 'ok' | 'failed';
  verified: boolean;
  sizeBytes: number;
  tables: number;
  rows: number;
  pruned: string[];
  error: string | null;
  /** The job's backup had been made by an earlier run of it: nothing was dumped this time. */
  alreadyDone?: boolean;
  /** Database sessions of a dead earlier run of the job that this run ended before starting. */
  endedSessions?: number;
}

/** Connection settings for pg tools: the URL without its password (which goes in PGPASSWORD, not on the command line). */
function toolConnection(url: string, appName: string, database?: string): { uri: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  if (database) u.pathname = `/${database}`;
  return { uri: u.toString(), env: { ...process.env, PGAPPNAME: appName, ...(password && { PGPASSWORD: password }) } };
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Row count of every base table of `schema`, read through `client`. */
async function tableCounts(client: pg.Client, schema: string): Promise<Record<string, number>> {
  const tables = (await client.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`, [schema])).rows.map((r) => r.t);
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(schema)}.${ident(t)}`)).rows[0]!.n);
  return out;
}

/**
 * Where a backup works before its file is complete: the half-written dump and the database its restore is checked
 * in. Derived from the job's key (random without one), so a later run of the same job finds what a dead run left.
 */
export function backupWorkNames(dir: string, schema: string, jobKey?: string): { partial: string; restoreDb: string; appName: string } {
  const tag = jobKey === undefined ? randomBytes(6).toString('hex') : createHash('sha256').update(jobKey).digest('hex').slice(0, 12);
  return { partial: join(dir, `cti-${schema}-${tag}.dump.partial`), restoreDb: `cti_restore_check_${tag}`, appName: `cti-backup-${tag}` };
}

/**
 * Ends the database sessions of a dead run of the same job. A worker killed mid-backup leaves its pg_dump or
 * pg_restore running as an orphan (and its own session waiting): they would go on writing the file this run writes.
 */
async function endSessionsOf(databaseUrl: string, appName: string): Promise<number> {
  const c = new pg.Client({ connectionString: databaseUrl });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const r = await c.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [appName]);
    return r.rows.filter((x: { ended: boolean }) => x.ended).length;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Dumps the schema (`pg_dump -Fc`) from an exported snapshot while counting every table's rows in that same
 * snapshot, restores the file into a fresh temporary database, and checks the restored tables and row counts
 * match exactly; then drops the temporary database, records the result and keeps the `keep` newest files.
 */
export async function runBackup(s: BackupSettings, ledger: BackupLedger, now: () => number, jobKey?: string): Promise<BackupOutcome> {
  // Once per job (docs/domain.md §21): a job run again after its worker died does not dump a second time if the first
  // run got as far as recording a verified backup.
  const done = jobKey === undefined ? undefined : await ledger.doneByJob(jobKey);
  if (done) {
    const v = done.verification as { tables?: number; rows?: number };
    return { id: done.id, file: done.file, status: 'ok', verified: done.verified, sizeBytes: done.sizeBytes, tables: v.tables ?? 0, rows: v.rows ?? 0, pruned: [], error: null, alreadyDone: true };
  }
  const startedAt = now();
  const dir = resolve(s.dir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `cti-${s.schema}-${stamp(startedAt)}.dump`);
  // The working names come from the job, so a run of the same job after a crash removes what the dead run left: a
  // half-written dump (never named like a backup) and its restore-check database.
  const { partial, restoreDb: tmpDb, appName } = backupWorkNames(dir, s.schema, jobKey);
  const endedSessions = jobKey === undefined ? 0 : await endSessionsOf(s.databaseUrl, appName);
  await unlink(partial).catch(() => undefined);
  const src = toolConnection(s.databaseUrl, appName);
  let sizeBytes = 0;
  let expected: Record<string, number> = {};
  let verification: Record<string, unknown> = {};
  let error: string | null = null;
  let dumped = false;
  let verified = false;

  const source = new pg.Client({ connectionString: s.databaseUrl, application_name: appName });
  // A connection lost mid-backup fails the step in progress (reported as the backup's error); without a listener
  // pg's 'error' event would end the worker.
  source.on('error', () => undefined);
  try {
    await source.connect();
    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await source.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
    expected = await tableCounts(source, s.schema);
    await run('pg_dump', ['-Fc', '--no-owner', '-n', s.schema, `--snapshot=${snapshot}`, '-f', partial, '-d', src.uri], { env: src.env, maxBuffer: 16 << 20 });
    await source.query('COMMIT');
    await rename(partial, file);
    sizeBytes = (await stat(file)).size;
    dumped = true;
  } catch (e) {
    error = `dump failed: ${(e as Error).message}`;
    await unlink(partial).catch(() => undefined);
  } finally {
    await source.end().catch(() => undefined);
  }

  if (dumped) {
    const admin = new pg.Client({ connectionString: s.databaseUrl, application_name: appName });
    admin.on('error', () => undefined);
    try {
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${ident(tmpDb)} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${ident(tmpDb)}`);
      const dst = toolConnection(s.databaseUrl, appName, tmpDb);
      await run('pg_restore', ['--no-owner', '--exit-on-error', '-d', dst.uri, file], { env: dst.env, maxBuffer: 16 << 20 });
      const u = new URL(s.databaseUrl);
      u.pathname = `/${tmpDb}`;
      const check = new pg.Client({ connectionString: u.toString() });
      check.on('error', () => undefined);
      await check.connect();
      let restored: Record<string, number>;
      try {
        restored = await tableCounts(check, s.schema);
      } finally {
        await check.end().catch(() => undefined);
      }
      const names = [...new Set([...Object.keys(expected), ...Object.keys(restored)])].sort();
      const mismatches = names.filter((n) => expected[n] !== restored[n]).map((n) => ({ table: n, expected: expected[n] ?? null, restored: restored[n] ?? null }));
      verified = mismatches.length === 0;
      verification = { tables: Object.keys(expected).length, rows: Object.values(expected).reduce((a, b) => a + b, 0), counts: expected, mismatches, restoredInto: 'temporary database (dropped)' };
      if (!verified) error = `restore verification failed: ${mismatches.length} table(s) differ`;
    } catch (e) {
      error = `restore verification failed: ${(e as Error).message}`;
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${ident(tmpDb)} WITH (FORCE)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    }
  }

  const finishedAt = now();
  const status: 'ok' | 'failed' = dumped && verified ? 'ok' : 'failed';
  const id = await ledger.record({ startedAt, finishedAt, file, sizeBytes, status, verified, verification, error, ...(jobKey !== undefined && { jobKey }) });
  let pruned: string[] = [];
  if (status === 'ok') {
    // Retention only after a verified backup, so a broken run never deletes the last good file.
    const ours = (await readdir(dir)).filter((f) => f.startsWith(`cti-${s.schema}-`) && f.endsWith('.dump')).sort().reverse();
    pruned = ours.slice(s.keep).map((f) => join(dir, f));
    for (const f of pruned) await unlink(f).catch(() => undefined);
    await ledger.markPruned(pruned, finishedAt);
  }
  return {
    id, file, status, verified, sizeBytes, pruned, error,
    tables: Object.keys(expected).length, rows: Object.values(expected).reduce((a, b) => a + b, 0),
    ...(endedSessions > 0 && { endedSessions }),
  };
}
