import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './db.schema.js';

// timestamptz and bigint come back as Date and string by default; int8 ids stay strings on purpose.

/** Opens a Kysely handle on `schema` (the schema is created by the migrator). */
export function createDb(databaseUrl: string, schema: string, max = 10): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
