import http from 'node:http';

/** An ARI request Asterisk refused: `status` is the HTTP status, the message starts with it (e.g. "404 Channel not found"). */
export class AriRestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AriRestError';
  }
}

/** An ARI request that got no answer: it timed out, or its connection failed. Asterisk may still carry it out. */
export class AriUnansweredError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AriUnansweredError';
  }
}

/**
 * Whether `err` is Asterisk's doing: a request it refused (AriRestError: the channel gone, not in Stasis, a 5xx) or
 * one it did not answer (AriUnansweredError: too slow under overload, or unreachable). Anything else is a fault of
 * the caller's own code.
 */
export function isAsteriskFailure(err: unknown): boolean {
  return err instanceof AriRestError || err instanceof AriUnansweredError;
}

export type AriQuery = Record<string, string | number | boolean | undefined>;

/**
 * How long a pooled connection may sit idle before we close it: below Asterisk's own idle close (http.conf
 * `session_keep_alive`, 15 s by default), so we never send a request on a connection Asterisk is closing.
 */
export const ARI_IDLE_SOCKET_MS = 5_000;

/**
 * ARI's REST calls over a keep-alive connection pool, with nothing in between: every parameter in the query string
 * (as ARI's Swagger declares them), JSON back. The gateway makes several of these per call; through ari-client each
 * one went through swagger-client and shred and built resource objects, about a sixth of the gateway's CPU at
 * 20 calls/s. ari-client still runs the event WebSocket.
 */
export class AriRest {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly prefix: string;
  private readonly auth: string;

  constructor(
    url: string,
    user: string,
    password: string,
    private readonly timeoutMs = 10_000,
    maxSockets = 64,
  ) {
    const u = new URL(url);
    if (u.protocol !== 'http:') throw new Error(`ARI URL must be http: (${u.protocol})`);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.prefix = `${u.pathname.replace(/\/+$/, '')}/ari`;
    this.auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    // `timeout` closes a pooled connection idle that long (Node destroys a free socket on its timeout).
    this.agent = new http.Agent({ keepAlive: true, maxSockets, timeout: ARI_IDLE_SOCKET_MS });
  }

  /**
   * `path` is below /ari, with its segments already encoded (see seg). `body` is for ARI's few body parameters
   * (`variables` of an originate). Resolves with the parsed JSON body, if any.
   */
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, query: AriQuery = {}, body?: object): Promise<T> {
    return this.send<T>(method, path, query, body, true);
  }

  /**
   * One attempt. A request sent on a reused connection that the server closed at that very moment fails with a reset
   * before Asterisk read it (a call was lost to this after an idle spell of exactly 15 s: the first request and the
   * fallback both went out on dead pooled connections). Such a request is sent once more, on a new connection.
   */
  private send<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, query: AriQuery, body: object | undefined, mayRetry: boolean): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.append(k, String(v));
    const q = qs.toString();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = payload
      ? { authorization: this.auth, 'content-type': 'application/json', 'content-length': payload.length }
      : { authorization: this.auth, 'content-length': 0 };
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        // The second attempt takes a connection of its own: other pooled ones may have been closed at the same moment.
        { agent: mayRetry ? this.agent : false, host: this.host, port: this.port, method, path: `${this.prefix}${path}${q ? `?${q}` : ''}`, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              body = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(body as T);
            const reason = (body as { message?: unknown } | undefined)?.message;
            reject(new AriRestError(status, `${status} ${typeof reason === 'string' ? reason : (res.statusMessage ?? 'error')}`));
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new AriUnansweredError(`ARI ${method} ${path} timed out after ${this.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const closedUnderUs = req.reusedSocket && (err.code === 'ECONNRESET' || err.message === 'socket hang up');
        if (mayRetry && closedUnderUs) resolve(this.send<T>(method, path, query, body, false));
        else reject(err instanceof AriUnansweredError ? err : new AriUnansweredError(`ARI ${method} ${path}: ${err.message}`, { cause: err }));
      });
      req.end(payload);
    });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** One path segment (an id or a name), encoded. */
export const seg = (s: string): string => encodeURIComponent(s);
