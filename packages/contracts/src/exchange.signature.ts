import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the signing time in Unix seconds. */
export const EXCHANGE_TIMESTAMP_HEADER = 'x-cti-timestamp';
/** Header carrying `sha256=<hex>` HMAC-SHA256 over `timestamp + "." + idempotency key + "." + body`. */
export const EXCHANGE_SIGNATURE_HEADER = 'x-cti-signature';
/** Header carrying the sender's idempotency key (signed); a key is accepted once. */
export const EXCHANGE_IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * The signature of a 110-exchange request: `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + key + "." + body).
 * The idempotency key is signed too: otherwise anyone who saw one signed request could replay it under a fresh key.
 */
export function signExchange(secret: string, timestamp: string, idempotencyKey: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${idempotencyKey}.${body}`).digest('hex')}`;
}

/** Why a request's timestamp is refused before its body is read, or null when it is well-formed and fresh. */
export function checkExchangeTimestamp(timestamp: string | undefined, nowMs: number, windowSeconds: number): string | null {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing or malformed timestamp';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > windowSeconds) return 'timestamp outside the accepted window';
  return null;
}

/** Why a signed request is refused, or null when signature and timestamp are good. */
export function checkExchangeSignature(
  secret: string,
  req: { timestamp: string | undefined; signature: string | undefined; idempotencyKey: string | undefined; body: string },
  nowMs: number,
  windowSeconds: number,
): string | null {
  const stale = checkExchangeTimestamp(req.timestamp, nowMs, windowSeconds);
  if (stale !== null) return stale;
  if (!req.signature) return 'missing signature';
  if (req.idempotencyKey === undefined) return 'missing idempotency key';
  const expected = Buffer.from(signExchange(secret, req.timestamp as string, req.idempotencyKey, req.body));
  const given = Buffer.from(req.signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'signature does not match';
}
