// A tiny stand-in for the 110 platform's exchange API, for end-to-end tests: it checks our signature,
// answers pushes with an incident number (the same one for a repeated Idempotency-Key), and can push
// tickets and status feedback back to 12345, signed the way the real platform would.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { checkExchangeSignature, signExchange } from '../../packages/contracts/src/exchange.signature.js';

/** One push the partner received from 12345. */
export interface ReceivedPush {
  idempotencyKey: string;
  signatureOk: boolean;
  body: Record<string, unknown>;
  incidentNo: string | null;
  status: number;
}

/** Options of the reference partner. */
export interface PartnerOptions {
  /** Secret 12345 signs its pushes with (our CTI_EXCHANGE_OUTBOUND_SECRET). */
  inboundSecret: string;
  windowSeconds?: number;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** The 110 platform as the tests need it. */
export class Partner110Server {
  readonly received: ReceivedPush[] = [];
  private readonly incidents = new Map<string, string>();
  private failures = 0;
  private server: Server | undefined;
  private seq = 0;

  constructor(private readonly options: PartnerOptions) {}

  /** Answer the next `n` pushes with 503, to exercise our retries. */
  failNext(n: number): void {
    this.failures = n;
  }

  async start(port: number, host = '127.0.0.1'): Promise<void> {
    this.server = createServer((req, res) => {
      void (async () => {
        const raw = await readBody(req);
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.method !== 'POST' || req.url !== '/incidents') return send(404, { error: 'not found' });
        const key = String(req.headers['idempotency-key'] ?? '');
        const signed = { timestamp: req.headers['x-cti-timestamp'] as string | undefined, signature: req.headers['x-cti-signature'] as string | undefined, idempotencyKey: key, body: raw };
        const problem = checkExchangeSignature(this.options.inboundSecret, signed, Date.now(), this.options.windowSeconds ?? 300);
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          /* recorded as empty */
        }
        const record = (status: number, incidentNo: string | null) => this.received.push({ idempotencyKey: key, signatureOk: problem === null, body, incidentNo, status });
        if (problem !== null) return record(401, null), send(401, { error: problem });
        if (this.failures > 0) {
          this.failures--;
          return record(503, null), send(503, { error: 'temporarily unavailable' });
        }
        let incidentNo = this.incidents.get(key);
        if (!incidentNo) {
          incidentNo = `JJ110-${String(++this.seq).padStart(6, '0')}`;
          this.incidents.set(key, incidentNo);
        }
        record(201, incidentNo);
        return send(201, { incidentNo });
      })();
    });
    await new Promise<void>((resolve) => this.server?.listen(port, host, resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** How a pushed message is signed; tests bend these to prove refusals. */
export interface SignOptions {
  secret: string;
  timestamp?: number;
  idempotencyKey?: string;
  tamper?: boolean;
  /** Sign under this key but send `idempotencyKey`: a captured request replayed under a fresh key. */
  signedKey?: string;
}

/** POSTs a message to 12345's inbound endpoint as the 110 platform would: partner token, signature, idempotency key. */
export async function pushTo12345(apiUrl: string, partnerToken: string, body: unknown, sign: SignOptions): Promise<{ status: number; body: any }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const ts = String(sign.timestamp ?? Math.floor(Date.now() / 1000));
  const key = sign.idempotencyKey ?? `k-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  let signature = signExchange(sign.secret, ts, sign.signedKey ?? key, raw);
  if (sign.tamper) signature = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
  const res = await fetch(`${apiUrl}/api/v1/exchange/110/inbound`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${partnerToken}`,
      'content-type': 'application/json',
      'x-cti-timestamp': ts,
      'x-cti-signature': signature,
      'idempotency-key': key,
    },
    body: raw,
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}
