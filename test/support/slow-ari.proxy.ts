import http from 'node:http';
import { connect, type Socket } from 'node:net';

/** A request the proxy held back, and what Asterisk said when it finally got it. */
export interface HeldRequest {
  method: string;
  path: string;
  /** Asterisk's status once the request reached it (after the delay); undefined while held. */
  status?: number;
}

/**
 * Asterisk made slow on purpose, for chosen ARI requests: an HTTP proxy in front of ARI that forwards every request at
 * once, except those matching a rule, which it forwards only after the rule's delay. A gateway whose request timeout
 * is shorter than the delay gives up on them, yet Asterisk still carries them out late, as an overloaded Asterisk
 * does. The event WebSocket (an HTTP upgrade) passes straight through.
 */
export class SlowAriProxy {
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private rule: { method: string; path: RegExp; delayMs: number } | undefined;
  readonly held: HeldRequest[] = [];

  constructor(private readonly target: URL) {}

  /** From now on, `method` requests whose path (below /ari) matches `path` reach Asterisk `delayMs` late. */
  slowDown(method: string, path: RegExp, delayMs: number): void {
    this.rule = { method, path, delayMs };
  }

  /** Every request goes straight through again. */
  normal(): void {
    this.rule = undefined;
  }

  /** Listens on 127.0.0.1:`port`; resolves with the URL to give the gateway as its ARI URL. */
  async start(port: number): Promise<string> {
    const host = this.target.hostname;
    const targetPort = Number(this.target.port || 80);
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '').replace(/^\/ari/, '').split('?')[0] as string;
      const rule = this.rule;
      const slow = rule !== undefined && req.method === rule.method && rule.path.test(path);
      const held: HeldRequest | undefined = slow ? { method: req.method as string, path } : undefined;
      if (held) this.held.push(held);
      // The body is read first: a held-back request is still sent whole after the gateway gave up and closed it.
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      const forward = () => {
        const upstream = http.request({ host, port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          if (held) held.status = answer.statusCode;
          if (res.destroyed) return void answer.resume();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      };
      req.on('end', () => (slow ? setTimeout(forward, rule.delayMs) : forward()));
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // The event WebSocket: the upgrade request is replayed to Asterisk, then both sockets are joined.
    server.on('upgrade', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
      const upstream = connect(targetPort, host, () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length) upstream.write(head);
        client.pipe(upstream).pipe(client);
      });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return `http://127.0.0.1:${port}`;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
