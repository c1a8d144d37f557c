// deploy/postgres-entrypoint.sh and deploy/redis-entrypoint.sh take every setting from the URL the gateway and the
// worker connect with. A URL they cannot use as it is (no password, characters that would need quoting in SQL or
// encoding in the URL) must stop the container with a message naming the problem, before any server starts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

function run(name: string, variable: string, url: string): { status: number | null; stderr: string } {
  const r = spawnSync('sh', [script(name), 'health'], { env: { PATH: process.env.PATH, [variable]: url }, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('cti-postgres refuses a CTI_DATABASE_URL it cannot use', () => {
  it.each([
    ['not a postgres URL', 'mysql://cti:pw@127.0.0.1:5432/cti12345', /must be postgres:\/\//],
    ['no user and password', 'postgres://127.0.0.1:5432/cti12345', /no USER:PASSWORD@/],
    ['no password', 'postgres://cti@127.0.0.1:5432/cti12345', /no password/],
    ['an empty password', 'postgres://cti:@127.0.0.1:5432/cti12345', /no password/],
    ['an @ in the password', 'postgres://cti:p@ss@127.0.0.1:5432/cti12345', /the password may use/],
    ['a quote in the password', "postgres://cti:it's@127.0.0.1:5432/cti12345", /the password may use/],
    ['a quote in the database name', 'postgres://cti:pw@127.0.0.1:5432/cti"x', /user, host, port and database/],
  ])('%s', (_what, url, message) => {
    const r = run('postgres-entrypoint.sh', 'CTI_DATABASE_URL', url);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('cti-redis refuses a CTI_REDIS_URL it cannot use', () => {
  it.each([
    ['not a redis URL', 'http://127.0.0.1:6379', /must be redis:\/\//],
    ['a percent-encoded password', 'redis://:p%40ss@127.0.0.1:6379', /the password may use/],
    ['a space in the port', 'redis://:pw@127.0.0.1:63 79', /host and port/],
  ])('%s', (_what, url, message) => {
    const r = run('redis-entrypoint.sh', 'CTI_REDIS_URL', url);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});
