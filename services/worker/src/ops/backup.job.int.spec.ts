import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { BackupRepository, createDb, migrate } from '@cti/db';
import { fileURLToPath } from 'node:url';
import { backupWorkNames, runBackup } from './backup.job.js';

const DATABASE_URL = process.env.CTI_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MIGRATIONS = fileURLToPath(new URL('../../../../migrations', import.meta.url));
const schema = `it_backup_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'cti-backup-'));
let client: pg.Client;
let db: ReturnType<typeof createDb>;

beforeAll(async () => {
  await migrate(DATABASE_URL, schema, MIGRATIONS);
  client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`CREATE TABLE "${schema}".backup_sample (id int PRIMARY KEY, payload jsonb)`);
  await client.query(`INSERT INTO "${schema}".backup_sample SELECT g, jsonb_build_object('g', g) FROM generate_series(1, 1000) g`);
  db = createDb(DATABASE_URL, schema, 2);
});

afterAll(async () => {
  await db?.destroy();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('database backup job (pg_dump + verified pg_restore)', () => {
  it('dumps the schema, restores it into a temporary database with identical tables and row counts, and records it', async () => {
    const ledger = new BackupRepository(db);
    let t = Date.parse('2026-11-27T19:00:00Z');
    const out = await runBackup({ databaseUrl: DATABASE_URL, schema, dir, keep: 2 }, ledger, () => t++, 'ops:first');
    expect(out.error).toBeNull();
    expect(out).toMatchObject({ status: 'ok', verified: true });
    expect(out.rows).toBeGreaterThanOrEqual(1000);
    expect(out.tables).toBeGreaterThan(10);
    expect(existsSync(out.file)).toBe(true);
    expect(out.file).toMatch(/cti-it_backup_.*-20261127T190000Z\.dump$/);
    const stored = await ledger.findLatest();
    expect(stored).toMatchObject({ status: 'ok', verified: true, file: out.file });
    expect((stored!.verification as { counts: Record<string, number> }).counts.backup_sample).toBe(1000);
    expect((stored!.verification as { mismatches: unknown[] }).mismatches).toEqual([]);
    // The temporary database is gone.
    const left = await client.query(`SELECT datname FROM pg_database WHERE datname = $1`, [backupWorkNames(dir, schema, 'ops:first').restoreDb]);
    expect(left.rows).toEqual([]);
  }, 60_000);

  it('makes one verified backup per job: a run after a dead one clears its leftovers, and a run after a finished one dumps nothing', async () => {
    const ledger = new BackupRepository(db);
    const key = 'ops:repeat:ops-backup:1796000000000';
    const work = backupWorkNames(dir, schema, key);
    // What a run killed mid-backup leaves: a half-written dump, the restore-check database it had created, and its
    // session (here one that sits idle in a transaction under the job's application name).
    writeFileSync(work.partial, 'PGDMP half');
    await client.query(`CREATE DATABASE "${work.restoreDb}"`);
    const orphan = new pg.Client({ connectionString: DATABASE_URL, application_name: work.appName });
    orphan.on('error', () => undefined);
    await orphan.connect();
    await orphan.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const t = Date.parse('2026-11-27T21:00:00Z');
    const out = await runBackup({ databaseUrl: DATABASE_URL, schema, dir, keep: 5 }, ledger, () => t, key);
    expect(out).toMatchObject({ status: 'ok', verified: true, error: null, endedSessions: 1 });
    expect(out.alreadyDone).toBeUndefined();
    await expect(orphan.query('SELECT 1')).rejects.toThrow();
    await orphan.end().catch(() => undefined);
    expect(existsSync(work.partial)).toBe(false);
    expect((await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [work.restoreDb])).rows).toEqual([]);
    // The worker died after recording the backup, before BullMQ knew the job was done: the next run dumps nothing.
    const files = readdirSync(dir).sort();
    const again = await runBackup({ databaseUrl: DATABASE_URL, schema, dir, keep: 5 }, ledger, () => t + 60_000, key);
    expect(again).toMatchObject({ id: out.id, file: out.file, status: 'ok', alreadyDone: true });
    expect(readdirSync(dir).sort()).toEqual(files);
    const rows = await db.selectFrom('ops_backups').select(['id', 'status']).where('job_key', '=', key).execute();
    expect(rows).toEqual([{ id: out.id, status: 'ok' }]);
    // Even two verified runs racing for one job keep one row.
    expect(await ledger.record({ startedAt: t, finishedAt: t, file: 'other.dump', sizeBytes: 1, status: 'ok', verified: true, verification: {}, error: null, jobKey: key })).toBe(out.id);
    rmSync(out.file);
    await db.deleteFrom('ops_backups').where('job_key', '=', key).execute();
  }, 60_000);

  it('keeps only the newest N files after verified backups', async () => {
    const ledger = new BackupRepository(db);
    let t = Date.parse('2026-11-28T19:00:00Z');
    for (let i = 0; i < 2; i++) {
      t += 3_600_000;
      const out = await runBackup({ databaseUrl: DATABASE_URL, schema, dir, keep: 2 }, ledger, () => t);
      expect(out.status).toBe('ok');
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.dump')).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/20261128T200000Z/);
    const pruned = (await ledger.list(10)).filter((b) => b.prunedAt !== null);
    expect(pruned.map((b) => b.file)).toEqual([expect.stringMatching(/20261127T190000Z/)]);
  }, 60_000);

  it('records a failed backup (and deletes nothing) when the dump fails', async () => {
    const ledger = new BackupRepository(db);
    const before = readdirSync(dir).length;
    const out = await runBackup({ databaseUrl: DATABASE_URL, schema: `${schema}_missing`, dir, keep: 1 }, ledger, () => Date.parse('2026-11-29T19:00:00Z'));
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/dump failed/);
    expect(readdirSync(dir).length).toBeLessThanOrEqual(before + 1);
    expect(readdirSync(dir).filter((f) => f.startsWith(`cti-${schema}-`))).toHaveLength(2);
    expect((await ledger.findLatest())?.status).toBe('failed');
  }, 60_000);
});
