import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { migrate, migrateWithRetry } from './migration.runner.js';
import { TEST_DATABASE_URL as url } from './test-schema.fixtures.test.js';

const schema = `mig_cut_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: url });

afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await admin.end().catch(() => undefined);
});

/** Ends the server backend running a query that contains `marker`, once it runs. */
async function terminateWhenRunning(marker: string): Promise<void> {
  for (;;) {
    const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [`%${marker}%`]);
    if (rows[0]) {
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('migrations when the database connection is lost while they run', () => {
  it('fail with an error instead of crashing the process, and are retried until they apply', async () => {
    await admin.connect();
    // A worker starting while PostgreSQL went away crashed on the migration client's unhandled 'error' event
    // (a loaded CI run: 'Connection terminated unexpectedly', the worker gone, its calls never stored).
    const dir = mkdtempSync(join(tmpdir(), 'cti-mig-'));
    writeFileSync(join(dir, '0001_slow.sql'), 'SELECT pg_sleep(1.5) AS mig_cut_marker; CREATE TABLE slow_done (id int);');
    const [first] = await Promise.allSettled([migrate(url, schema, dir), terminateWhenRunning('mig_cut_marker')]);
    expect(first.status).toBe('rejected');
    const retries: string[] = [];
    const killer = terminateWhenRunning('mig_cut_marker');
    const result = await migrateWithRetry(url, schema, dir, (err) => void retries.push(err.message), 5);
    await killer;
    expect(result.applied).toEqual(['0001_slow.sql']);
    expect(retries.length).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
