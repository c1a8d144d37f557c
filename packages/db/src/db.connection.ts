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
    // Keep idle connections for minutes, not pg's 10 s: a burst (a shift logging in, a wallboard refresh) then finds
    // them open instead of opening new ones, which is what is slow when the database host is busy.
    idleTimeoutMillis: 300_000,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Nor a checked-out one's: pg-pool listens for errors only while a client is idle, and a connection lost while
  // Kysely holds it (in a transaction, between two queries) made the client emit 'error' with no listener, which
  // crashed the worker when PostgreSQL went away (resilience e2e under load). A query in flight gets the same error
  // through its own callback, and the pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** SQLSTATEs meaning the server cannot take work now (admin/crash shutdown, cannot connect now, too many clients). */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket-level failures of reaching the server. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * Whether `err` says PostgreSQL could not be reached or would not take the work now (as opposed to a query that is
 * wrong): the caller may try again shortly. Covers pg-pool's connect time-out and a connection lost mid-query.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_STATES.has(code) || UNAVAILABLE_CODES.has(code))) return true;
  return /^(Connection terminated|timeout exceeded when trying to connect)/.test(err.message);
}
