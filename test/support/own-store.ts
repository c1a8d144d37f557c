import pg from 'pg';
import { Redis } from 'ioredis';
import type { E2eContext } from './e2e.env.js';

/**
 * Removes what a test's own worker wrote under its own name (`own`: the PostgreSQL schema and the Redis key prefix it
 * ran with), so the run's shared schema and queues are never touched.
 */
export async function dropOwnStore(ctx: Pick<E2eContext, 'env'>, own: string): Promise<void> {
  const client = new pg.Client({ connectionString: ctx.env.CTI_DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${own}" CASCADE`);
  await client.end();
  const redis = new Redis(ctx.env.CTI_REDIS_URL as string);
  const keys = await redis.keys(`${own}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
}
