import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the signing time in Unix seconds. */
export const EXCHANGE_TIMESTAMP_HEADER = 'x-cti-timestamp';
/** Header carrying `sha256=<hex>` HMAC-SHA256 over `timestamp + "." + body`. */
export const EXCHANGE_SIGNATURE_HEADER = 'x-cti-signature';
/** Header carrying the sender's idempotency key; a key is accepted once. */
export const EXCHANGE_IDEMPOTENCY_HEADER = 'idempotency-key';

/** The signature of a 110-exchange request: `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + body). */
export function signExchange(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Why a signed request is refused, or null when signature and timestamp are good. */
export function checkExchangeSignature(secret: string, timestamp: string | undefined, signature: string | undefined, body: string, nowMs: number, windowSeconds: number): string | null {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing or malformed timestamp';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > windowSeconds) return 'timestamp outside the accepted window';
  if (!signature) return 'missing signature';
  const expected = Buffer.from(signExchange(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'signature does not match';
}
