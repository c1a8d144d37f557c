import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CATEGORIES } from '@cti/domain';
import { EXCHANGE_IDEMPOTENCY_HEADER, EXCHANGE_SIGNATURE_HEADER, EXCHANGE_TIMESTAMP_HEADER } from '@cti/contracts';
import type { RouteRegistry } from './route.registry.js';
import type { ExchangeService, InboundExchangeMessage } from '../ticket/exchange.service.js';

const INBOUND_URL = '/api/v1/exchange/110/inbound';
const RAW_BODY = Symbol('rawBody');
const text = (max: number) => z.string().trim().min(1).max(max);
const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

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
 * The partner's inbound endpoint: `partner` bearer token AND HMAC-SHA256 signature over `timestamp + "." + raw body`,
 * timestamp window, idempotency key (a replay is 409), then a validated body that creates or updates a ticket.
 */
export function registerExchangeRoutes(routes: RouteRegistry, app: FastifyInstance, exchange: ExchangeService): void {
  // The signature covers the exact bytes sent, so keep them for this one route before JSON parsing.
  app.addHook('preParsing', async (req, _reply, payload) => {
    if (req.url.split('?')[0] !== INBOUND_URL) return payload;
    const chunks: Buffer[] = [];
    for await (const chunk of payload) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    const raw = Buffer.concat(chunks);
    (req as unknown as Record<symbol, string>)[RAW_BODY] = raw.toString('utf8');
    const replay = Readable.from([raw]) as Readable & { receivedEncodedLength?: number };
    replay.receivedEncodedLength = raw.length;
    return replay;
  });
  routes.add({
    method: 'POST',
    url: INBOUND_URL,
    summary: `110 platform → 12345 (工单互派): headers ${EXCHANGE_TIMESTAMP_HEADER} (Unix s), ${EXCHANGE_SIGNATURE_HEADER} (sha256=hex HMAC over timestamp.body), ${EXCHANGE_IDEMPOTENCY_HEADER}; 401 bad signature or stale timestamp, 409 replay`,
    roles: ['partner'],
    body: inboundExchangeBody,
    handler: async ({ body, req, principal, reply }) => {
      const key = await exchange.verify({
        rawBody: (req as unknown as Record<symbol, string | undefined>)[RAW_BODY] ?? '',
        timestamp: header(req, EXCHANGE_TIMESTAMP_HEADER),
        signature: header(req, EXCHANGE_SIGNATURE_HEADER),
        idempotencyKey: header(req, EXCHANGE_IDEMPOTENCY_HEADER),
      });
      const result = await exchange.apply(key, body as InboundExchangeMessage, principal);
      reply.status(result.created ? 201 : 200);
      return result;
    },
  });
}
