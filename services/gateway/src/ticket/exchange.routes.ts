import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CATEGORIES } from '@cti/domain';
import { EXCHANGE_IDEMPOTENCY_HEADER, EXCHANGE_SIGNATURE_HEADER, EXCHANGE_TIMESTAMP_HEADER } from '@cti/contracts';
import type { RouteRegistry } from '../http/route.registry.js';
import type { ExchangeService, InboundExchangeMessage } from './exchange.service.js';

const INBOUND_URL = '/api/v1/exchange/110/inbound';
const RAW_BODY = Symbol('rawBody');

/**
 * Passes a request body through to the JSON parser while keeping a copy of its bytes for the signature check, and
 * fails with 413 the moment more than `limit` bytes have arrived: nothing past the limit is read or kept.
 */
class SignedBodyCapture extends Transform {
  /** Read by Fastify's body parser, which enforces the same limit on it. */
  receivedEncodedLength = 0;
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly limit: number,
    private readonly onOverLimit: (received: number) => void = () => undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    this.receivedEncodedLength += bytes.length;
    if (this.receivedEncodedLength > this.limit) {
      this.onOverLimit(this.receivedEncodedLength);
      done(Object.assign(new Error(`request body is larger than ${this.limit} bytes`), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }));
      return;
    }
    this.chunks.push(bytes);
    done(null, bytes);
  }

  /** The body as received, decoded once. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
const text = (max: number) => z.string().trim().min(1).max(max);
const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};
const signingHeaders = (req: FastifyRequest) => ({
  timestamp: header(req, EXCHANGE_TIMESTAMP_HEADER),
  signature: header(req, EXCHANGE_SIGNATURE_HEADER),
  idempotencyKey: header(req, EXCHANGE_IDEMPOTENCY_HEADER),
});

/** The body the 110 platform may push: a new matter for 12345, or status feedback on a ticket we pushed. */
export const inboundExchangeBody = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('ticket'),
      incidentNo: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
      category: z.enum(CATEGORIES as unknown as [string, ...string[]]),
      urgency: z.enum(['normal', 'urgent']).default('normal'),
      callerNumber: z.string().regex(/^\+?[0-9][0-9 -]{2,30}$/),
      address: z.string().max(500).optional(),
      summary: text(500),
      content: text(20_000),
      language: z.enum(['mandarin', 'tibetan']).optional(),
      recordingRef: z.string().max(256).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('feedback'),
      incidentNo: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
      ticketNo: z.string().regex(/^GZ12345-\d{8}$/).optional(),
      status: z.enum(['received', 'dispatched', 'handling', 'handled', 'closed', 'rejected']),
      result: z.string().max(4000).optional(),
      at: z.string().datetime({ offset: true }).optional(),
    })
    .strict(),
]);

/**
 * The partner's inbound endpoint: `partner` bearer token AND HMAC-SHA256 signature over
 * `timestamp + "." + idempotency key + "." + raw body`, timestamp window, idempotency key (a replay is 409), then a
 * validated body that creates or updates a ticket. Token and headers are checked before the body is read.
 */
export function registerExchangeRoutes(routes: RouteRegistry, app: FastifyInstance, exchange: ExchangeService): void {
  // The signature covers the exact bytes sent, so keep them for this one route while they stream to the parser.
  // By now the partner token has been checked (the registry authenticates in onRequest); the signing headers are
  // checked here, before a byte of the body is read; the body is then counted as it arrives and cut at the limit.
  app.addHook('preParsing', async (req, _reply, payload) => {
    if (req.method !== 'POST' || req.url.split('?')[0] !== INBOUND_URL) return payload;
    exchange.checkHeaders(signingHeaders(req));
    const limit = req.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1_048_576;
    const capture = new SignedBodyCapture(limit, (received) =>
      req.log.warn({ url: INBOUND_URL, limit, bodyBytesRead: received }, 'inbound body over the limit: refused with 413, the rest is not read'),
    );
    (req as unknown as Record<symbol, SignedBodyCapture>)[RAW_BODY] = capture;
    // A client that aborts mid-body ends the parse with its error (pipe() alone would leave the parser waiting).
    payload.once('error', (err) => capture.destroy(err));
    return payload.pipe(capture);
  });
  routes.add({
    method: 'POST',
    url: INBOUND_URL,
    summary: `110 platform → 12345 (工单互派): headers ${EXCHANGE_TIMESTAMP_HEADER} (Unix s), ${EXCHANGE_SIGNATURE_HEADER} (sha256=hex HMAC over timestamp.key.body), ${EXCHANGE_IDEMPOTENCY_HEADER}; 401 bad signature or stale timestamp (checked before the body is read), 413 over the body limit, 409 replay or feedback on a ticket never exchanged with 110`,
    roles: ['partner'],
    body: inboundExchangeBody,
    handler: async ({ body, req, principal, reply }) => {
      const key = await exchange.verify({ rawBody: (req as unknown as Record<symbol, SignedBodyCapture | undefined>)[RAW_BODY]?.text() ?? '', ...signingHeaders(req) });
      const result = await exchange.apply(key, body as InboundExchangeMessage, principal);
      reply.status(result.created ? 201 : 200);
      return result;
    },
  });
}
