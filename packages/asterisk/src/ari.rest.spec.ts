import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AriRest, AriRestError, AriUnansweredError, isAsteriskFailure, seg } from './ari.rest.js';

/** A stand-in for Asterisk's HTTP server: records each request and answers from a table. */
const seen: Array<{ method: string; url: string; auth: string | undefined; connection: number }> = [];
let server: http.Server;
let base: string;
let connections = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const connection = (req.socket as { n?: number }).n ?? ((req.socket as { n?: number }).n = ++connections);
    seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, connection });
    const path = (req.url ?? '').split('?')[0];
    if (path === '/ari/channels/c%2F1/answer') return void res.writeHead(204).end();
    if (path === '/ari/bridges') return void res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id":"b1","channels":["c1"]}]');
    if (path === '/ari/channels/gone') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Channel not found"}');
    if (path === '/ari/slow') return; // never answers
    // Asterisk closing an idle connection just as a request arrives on it: the second request of a connection is cut.
    if (path === '/ari/closing') {
      const n = ((req.socket as { served?: number }).served = ((req.socket as { served?: number }).served ?? 0) + 1);
      if (n > 1) return void req.socket.destroy();
      return void res.writeHead(204).end();
    }
    res.writeHead(500).end('not json');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('AriRest', () => {
  it('sends a request again, on a new connection, when the pooled one was closed under it, and only once', async () => {
    const rest = new AriRest(base, 'cti', 's3cret');
    await rest.request('POST', '/closing');
    const before = seen.filter((r) => r.url === '/ari/closing').length;
    await rest.request('POST', '/closing'); // cut on the reused connection, then answered on a fresh one
    const tries = seen.filter((r) => r.url === '/ari/closing').slice(before);
    expect(tries).toHaveLength(2);
    expect(tries[0]!.connection).not.toBe(tries[1]!.connection);
    rest.close();
  });

  it('closes a pooled connection idle longer than Asterisk would keep it', async () => {
    const { ARI_IDLE_SOCKET_MS } = await import('./ari.rest.js');
    // Asterisk's http.conf session_keep_alive defaults to 15 s: ours must close first.
    expect(ARI_IDLE_SOCKET_MS).toBeLessThan(15_000);
    const rest = new AriRest(base, 'cti', 's3cret');
    await rest.request('GET', '/bridges');
    const agent = (rest as unknown as { agent: http.Agent }).agent;
    const free = Object.values(agent.freeSockets).flat();
    expect(free).toHaveLength(1);
    // Node takes the lower of ours and the server's Keep-Alive hint (less a second); this stand-in hints 5 s.
    expect(free[0]!.timeout).toBeGreaterThan(0);
    expect(free[0]!.timeout).toBeLessThanOrEqual(ARI_IDLE_SOCKET_MS);
    rest.close();
  });

  it('sends the parameters in the query string with basic auth, below /ari, and reuses its connection', async () => {
    const rest = new AriRest(base, 'cti', 's3cret');
    await rest.request('POST', `/channels/${seg('c/1')}/answer`, { mohClass: 'default', timeout: 15, beep: false, skipped: undefined });
    const bridges = await rest.request('GET', '/bridges');
    rest.close();
    expect(bridges).toEqual([{ id: 'b1', channels: ['c1'] }]);
    const [answer, list] = seen.slice(-2);
    expect(answer).toMatchObject({ method: 'POST', url: '/ari/channels/c%2F1/answer?mohClass=default&timeout=15&beep=false', auth: `Basic ${Buffer.from('cti:s3cret').toString('base64')}` });
    expect(list?.connection).toBe(answer?.connection);
  });

  it("rejects with the status and Asterisk's reason, or the status text when the body is not JSON", async () => {
    const rest = new AriRest(base, 'cti', 'x');
    const gone = await rest.request('DELETE', '/channels/gone').catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(AriRestError);
    expect(gone).toMatchObject({ status: 404, message: '404 Channel not found' });
    await expect(rest.request('POST', '/other')).rejects.toMatchObject({ status: 500, message: '500 Internal Server Error' });
    rest.close();
  });

  it('gives up on a request Asterisk does not answer in time, as unanswered (Asterisk may still carry it out)', async () => {
    const rest = new AriRest(base, 'cti', 'x', 200);
    const err = await rest.request('GET', '/slow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriUnansweredError);
    expect((err as Error).message).toMatch(/ARI GET \/slow timed out after 200 ms/);
    expect(isAsteriskFailure(err)).toBe(true);
    rest.close();
  });

  it('reports a connection Asterisk refuses as unanswered, and tells Asterisk’s failures from the caller’s own faults', async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = http.createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
    const rest = new AriRest(`http://127.0.0.1:${closed}`, 'cti', 'x');
    const err = await rest.request('POST', '/channels/c1/answer').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriUnansweredError);
    expect((err as Error).message).toMatch(/^ARI POST \/channels\/c1\/answer: connect ECONNREFUSED/);
    expect(isAsteriskFailure(err)).toBe(true);
    expect(isAsteriskFailure(new AriRestError(404, '404 Channel not found'))).toBe(true);
    expect(isAsteriskFailure(new TypeError('x is undefined'))).toBe(false);
    rest.close();
  });

  it('refuses a URL that is not plain http', () => {
    expect(() => new AriRest('ws://127.0.0.1:8088', 'u', 'p')).toThrow(/must be http/);
  });
});
