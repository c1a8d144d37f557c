import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { BackupRepository, createDb, migrate } from '@cti/db';
import { fileURLToPath } from 'node:url';
import { runBackup } from './backup.job.js';

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
    const out = await runBackup({ databaseUrl: DATABASE_URL, schema, dir, keep: 2 }, ledger, () => t++);
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
    const left = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'cti_restore_check_%'`);
    expect(left.rows.filter((r) => String(r.datname).includes(String(Date.parse('2026-11-27T19:00:00Z'))))).toEqual([]);
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
