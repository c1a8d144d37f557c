// deploy/postgres-entrypoint.sh and deploy/redis-entrypoint.sh take every setting from the URL the gateway and the
// worker connect with. A URL they cannot use as it is (no password, characters that would need quoting in SQL or
// encoding in the URL) must stop the container with a message naming the problem, before any server starts.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

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

// deploy/node-health.sh (cti-health in the Node image): the gateway is healthy only while /healthz answers 200, the
// worker while Redis accepts connections; each check is bash, so a loaded host does not time it out starting Node.
describe('cti-health', () => {
  const health = (args: string[], env: Record<string, string>) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', [script('node-health.sh'), ...args], { env: { PATH: process.env.PATH, ...env } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stderr }));
    });
  const listening = async (server: Server): Promise<number> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  });

  it.each([
    [200, 0],
    [503, 1],
  ])('gateway: /healthz answering %i → exit %i', async (code, exit) => {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(code).end('{}');
    });
    servers.push(server);
    const port = await listening(server);
    const r = await health(['gateway'], { CTI_HTTP_HOST: '0.0.0.0', CTI_HTTP_PORT: String(port) });
    expect(r.status, r.stderr).toBe(exit);
    expect(paths).toEqual(['/healthz']);
    if (exit) expect(r.stderr).toMatch(/\/healthz: HTTP\/1\.1 503/);
  });

  it.each([
    [503, '{"status":"standby","role":"standby","leader":{"epoch":4}}', 0],
    [503, '{"status":"degraded","role":"active","redis":"down"}', 1],
  ])('gateway: /healthz answering %i %s → exit %i (a standby is healthy as a standby)', async (code, body, exit) => {
    const server = createServer((_req, res) => res.writeHead(code, { 'content-type': 'application/json' }).end(body));
    servers.push(server);
    const port = await listening(server);
    const r = await health(['gateway'], { CTI_HTTP_HOST: '0.0.0.0', CTI_HTTP_PORT: String(port) });
    expect(r.status, r.stderr).toBe(exit);
  });

  it('worker: with Sentinels, healthy while one of them accepts a connection (CTI_REDIS_URL’s host is not used)', async () => {
    const server = createNetServer((socket) => socket.end());
    servers.push(server);
    const port = await listening(server);
    const env = { CTI_REDIS_URL: 'redis://:s3cret@127.0.0.1:1/0', CTI_REDIS_SENTINELS: `127.0.0.1:1,127.0.0.1:${port}` };
    expect((await health(['worker'], env)).status).toBe(0);
    await new Promise((resolve) => server.close(resolve));
    servers.pop();
    const down = await health(['worker'], env);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/no Redis Sentinel of 127\.0\.0\.1:1,127\.0\.0\.1:\d+ accepts connections/);
  });

  it('gateway: nothing listening → unhealthy', async () => {
    const server = createServer();
    servers.push(server);
    const port = await listening(server);
    await new Promise((resolve) => server.close(resolve));
    servers.pop();
    const r = await health(['gateway'], { CTI_HTTP_HOST: '127.0.0.1', CTI_HTTP_PORT: String(port) });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nothing listens/);
  });

  it('worker: healthy while the host and port of CTI_REDIS_URL (password and database stripped) accept a connection', async () => {
    const server = createNetServer((socket) => socket.end());
    servers.push(server);
    const port = await listening(server);
    expect((await health(['worker'], { CTI_REDIS_URL: `redis://:s3cret@127.0.0.1:${port}/0` })).status).toBe(0);
    await new Promise((resolve) => server.close(resolve));
    servers.pop();
    const down = await health(['worker'], { CTI_REDIS_URL: `redis://:s3cret@127.0.0.1:${port}/0` });
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`redis at 127.0.0.1:${port} refuses`));
  });

  it('refuses an unknown service', async () => {
    const r = await health(['asterisk'], {});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/usage/);
  });
});
