/**
 * Stack control for the benches: the processes a bench starts (Asterisk through scripts/asterisk.sh, the gateway, the
 * worker, SIPp), each stopped by its own pid at the end, also on error or a signal, and the PostgreSQL schema and Redis
 * keys of a run, removed afterwards. Starting, stopping and waiting are test/support/processes.ts's, as in the e2e tests.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { asteriskScript, startProcess, stopProcess } from '../../test/support/processes.js';

/** The repository root (absolute, with a trailing slash). */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** A progress line on stderr (stdout carries the figures). */
export const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Drops a run's PostgreSQL schema and everything in it. */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Deletes a run's Redis keys (`<prefix>:*`). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** The CTI_* environment of what a bench starts; the database and Redis are where cleanup finds the run's data. */
export type BenchEnv = Record<string, string> & { CTI_DATABASE_URL: string; CTI_REDIS_URL: string };

/**
 * What one bench run started: child processes (services stopped last, the most recent first), an Asterisk instance,
 * a schema and a Redis prefix (the run id). cleanup() undoes all of it once, however often it is called.
 */
export class BenchStack {
  private readonly children = new Set<ChildProcess>();
  private readonly services: ChildProcess[] = [];
  private asteriskInstance: string | undefined;
  private schemaCreated = false;
  private cleaning: Promise<void> | undefined;

  /** `env`: the CTI_* environment of everything the run starts (CTI_DATABASE_URL, CTI_REDIS_URL, …); more may be added before a start. */
  constructor(
    readonly runId: string,
    readonly env: BenchEnv,
  ) {}

  /** Starts `cmd` in the repository root with the run's environment, its output appended to `logFile`. */
  start(cmd: string, args: string[], logFile: string): ChildProcess {
    const child = startProcess(cmd, args, { cwd: root, env: this.env, log: logFile });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Starts a service (gateway, worker): stopped after every other child, with a longer grace. */
  startService(args: string[], logFile: string): ChildProcess {
    const child = this.start('node', args, logFile);
    this.services.push(child);
    return child;
  }

  /** scripts/asterisk.sh with the run's environment; its stdout. */
  asterisk(...args: string[]): string {
    return asteriskScript(root, this.env, ...args);
  }

  /** Starts Asterisk instance `instance` (stopped by cleanup, also if this start fails half-way). */
  startAsterisk(instance: string): void {
    this.asteriskInstance = instance;
    this.asterisk('start', instance);
  }

  /** The run's schema (CTI_DB_SCHEMA) is about to be created: cleanup drops it. */
  schemaWillExist(): void {
    this.schemaCreated = true;
  }

  /** Stops every child (services last), Asterisk, and drops the schema and the Redis keys; errors are logged. */
  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      for (const c of [...this.children]) if (!this.services.includes(c)) await stopProcess(c, 'SIGTERM', 3_000);
      for (const s of [...this.services].reverse()) await stopProcess(s, 'SIGTERM', 8_000);
      if (this.asteriskInstance) {
        try {
          this.asterisk('stop', this.asteriskInstance);
        } catch (err) {
          log(`stopping Asterisk: ${(err as Error).message}`);
        }
      }
      if (this.schemaCreated) {
        try {
          await dropSchema(this.env.CTI_DATABASE_URL, this.runId);
        } catch (err) {
          log(`dropping schema ${this.runId}: ${(err as Error).message}`);
        }
      }
      try {
        await deleteRedisKeys(this.env.CTI_REDIS_URL, this.runId);
      } catch (err) {
        log(`deleting Redis keys ${this.runId}:*: ${(err as Error).message}`);
      }
    })();
    return this.cleaning;
  }

  /** On SIGINT, SIGTERM or SIGHUP: clean up, then exit 130. */
  cleanUpOnSignals(): void {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        log(`${sig}: stopping everything the bench started`);
        void this.cleanup().finally(() => process.exit(130));
      });
    }
  }
}
