import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** What a standby answers to everything but /healthz. */
const UNAVAILABLE = { error: 'CTI_ERR_UNAVAILABLE', message: 'this gateway is a standby; the active gateway serves the API', details: { role: 'standby' } };

/** What /healthz answers (always with 503): the role, and the holder a standby sees or the epoch of one taking over. */
export type StandbyHealth = () => { status: 'standby' | 'starting'; role: 'standby' | 'active' } & object;

/** The standby's HTTP surface on the gateway's own port, until the real API takes the port over. */
export interface StandbyHttp {
  /** The port it listens on. */
  port: number;
  /** Stops listening and drops open connections (the port is free when it resolves). */
  close(): Promise<void>;
}

/**
 * While a gateway waits as standby (and while it starts up after taking over), a bare HTTP server answers on its port:
 * `GET /healthz` 503 with `{"status":"standby","role":"standby",…}` (a load balancer keeps sending to the active),
 * anything else 503 CTI_ERR_UNAVAILABLE. None of the API is built yet (it needs the state only the active may load),
 * so this is all there is to serve.
 */
export async function serveStandbyHttp(host: string, port: number, health: StandbyHealth): Promise<StandbyHttp> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = JSON.stringify(req.method === 'GET' && path === '/healthz' ? health() : UNAVAILABLE);
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), 'retry-after': '1' });
    res.end(json);
  });
  // A WebSocket (an agent's feed, the wallboard reconnecting) gets the same 503; without this handler Node resets the
  // connection, which a browser reports as a failed handshake rather than "unavailable, retry" (L44's desk restart).
  server.on('upgrade', (_req, socket: Duplex) => {
    socket.on('error', () => undefined);
    const json = JSON.stringify(UNAVAILABLE);
    socket.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\nretry-after: 1\r\nconnection: close\r\n\r\n${json}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
