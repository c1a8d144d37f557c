import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { checkExchangeSignature, checkExchangeTimestamp, signExchange } from './exchange.signature.js';

const now = 1_790_000_000_000;
const ts = String(now / 1000);
const key = 'push:42';

describe('exchange signature', () => {
  it('is sha256= hex HMAC-SHA256 over timestamp + "." + idempotency key + "." + body', () => {
    expect(signExchange('k', '1', 'key-1', '{}')).toBe(`sha256=${createHmac('sha256', 'k').update('1.key-1.{}').digest('hex')}`);
  });

  it('accepts a good signature inside the window and names every refusal', () => {
    const signature = signExchange('secret', ts, key, '{"a":1}');
    const req = { timestamp: ts, signature, idempotencyKey: key, body: '{"a":1}' };
    expect(checkExchangeSignature('secret', req, now, 300)).toBeNull();
    expect(checkExchangeSignature('secret', { ...req, body: '{"a":2}' }, now, 300)).toBe('signature does not match');
    expect(checkExchangeSignature('other', req, now, 300)).toBe('signature does not match');
    expect(checkExchangeSignature('secret', req, now + 301_000, 300)).toBe('timestamp outside the accepted window');
    expect(checkExchangeSignature('secret', req, now - 301_000, 300)).toBe('timestamp outside the accepted window');
    expect(checkExchangeSignature('secret', { ...req, timestamp: 'abc' }, now, 300)).toBe('missing or malformed timestamp');
    expect(checkExchangeSignature('secret', { ...req, signature: undefined }, now, 300)).toBe('missing signature');
    expect(checkExchangeSignature('secret', { ...req, idempotencyKey: undefined }, now, 300)).toBe('missing idempotency key');
  });

  it('covers the idempotency key: the same signed body under another key is refused', () => {
    const signature = signExchange('secret', ts, key, '{"a":1}');
    expect(checkExchangeSignature('secret', { timestamp: ts, signature, idempotencyKey: 'push:42-replayed', body: '{"a":1}' }, now, 300)).toBe('signature does not match');
  });

  it('checks the timestamp alone, before any body is read', () => {
    expect(checkExchangeTimestamp(ts, now, 300)).toBeNull();
    expect(checkExchangeTimestamp(undefined, now, 300)).toBe('missing or malformed timestamp');
    expect(checkExchangeTimestamp(ts, now + 301_000, 300)).toBe('timestamp outside the accepted window');
  });
});
