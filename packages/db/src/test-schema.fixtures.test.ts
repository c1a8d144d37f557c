// A fresh PostgreSQL schema per integration test file; `.test.ts` so the build and the test collector skip it.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDb } from './db.connection.js';
import type { Database } from './db.schema.js';
import { migrate } from './migration.runner.js';

/** The server the integration tests use (the machine's own PostgreSQL). */
export const TEST_DATABASE_URL = process.env.CTI_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The repository's migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** A schema of this file's own: migrated before its tests, dropped after them. */
export interface TestSchema {
  readonly name: string;
  /** The Kysely handle on the schema (available from the file's beforeAll on). */
  db(): Kysely<Database>;
}

/** Registers the hooks that create, migrate and drop a unique schema named `<prefix>_<time>_<random>`. */
export function useTestSchema(prefix: string, poolSize = 5): TestSchema {
  const name = `${prefix}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  let db: Kysely<Database> | undefined;
  beforeAll(async () => {
    await migrate(TEST_DATABASE_URL, name, MIGRATIONS_DIR);
    db = createDb(TEST_DATABASE_URL, name, poolSize);
  });
  afterAll(async () => {
    await db?.destroy();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await client.end();
  });
  return {
    name,
    db: () => {
      if (!db) throw new Error('the test schema is ready only from beforeAll on');
      return db;
    },
  };
}
