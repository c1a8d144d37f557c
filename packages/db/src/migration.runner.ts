import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** Result of a migration run: which files were applied now. */
export interface MigrationResult {
  applied: string[];
}

/**
 * Applies `migrations/*.sql` in name order, each once, each in its own transaction, inside `schema`.
 * An advisory lock makes concurrent starts (gateway and worker) safe.
 */
export async function migrate(databaseUrl: string, schema: string, dir: string): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A connection lost mid-run fails the query in progress (and so this run, which migrateWithRetry repeats); pg also
  // emits it as 'error' on the client, which without a listener would end the process.
  client.on('error', () => undefined);
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`cti-migrate-${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
      if (done.has(file)) continue;
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(join(dir, file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
        applied.push(file);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`cti-migrate-${schema}`]).catch(() => undefined);
    await client.end();
  }
  return { applied };
}

/**
 * `migrate`, retried once a second (up to `attempts` times) while PostgreSQL is still starting or briefly away:
 * the gateway and the worker both start with it. `onRetry` is told each failure (to log it).
 */
export async function migrateWithRetry(
  databaseUrl: string,
  schema: string,
  dir: string,
  onRetry: (err: Error, attempt: number) => void,
  attempts = 30,
): Promise<MigrationResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(databaseUrl, schema, dir);
    } catch (err) {
      if (attempt >= attempts) throw err;
      onRetry(err as Error, attempt);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
