import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb } from './db.connection.js';
import { TEST_DATABASE_URL as url } from './test-schema.fixtures.test.js';

describe('createDb on PostgreSQL: a connection lost while checked out', () => {
  it('does not crash the process when the server ends a connection a transaction holds between two queries; the next query works', async () => {
    const db = createDb(url, 'public', 2);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const outcome = await db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
          // The connection is gone while no query runs on it: pg emits 'error' on the checked-out client as the
          // socket closes (the server has ended the backend; give the close a moment to arrive).
          while ((await admin.query('select 1 from pg_stat_activity where pid = $1', [rows[0]!.pid])).rowCount) await new Promise((r) => setTimeout(r, 20));
          await new Promise<void>((resolve) => setTimeout(resolve, 300));
          await sql`select 1`.execute(trx);
          return 'committed';
        })
        .catch((err: Error) => err.message);
      expect(outcome).not.toBe('committed');
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
      await db.destroy();
    }
  });
});
