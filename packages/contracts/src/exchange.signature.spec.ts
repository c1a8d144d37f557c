import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { checkExchangeSignature, signExchange } from './exchange.signature.js';

const now = 1_790_000_000_000;
const ts = String(now / 1000);

describe('exchange signature', () => {
  it('is sha256= hex HMAC-SHA256 over timestamp + "." + body', () => {
    expect(signExchange('k', '1', '{}')).toBe(`sha256=${createHmac('sha256', 'k').update('1.{}').digest('hex')}`);
  });

  it('accepts a good signature inside the window and names every refusal', () => {
    const sig = signExchange('secret', ts, '{"a":1}');
    expect(checkExchangeSignature('secret', ts, sig, '{"a":1}', now, 300)).toBeNull();
    expect(checkExchangeSignature('secret', ts, sig, '{"a":2}', now, 300)).toBe('signature does not match');
    expect(checkExchangeSignature('other', ts, sig, '{"a":1}', now, 300)).toBe('signature does not match');
    expect(checkExchangeSignature('secret', ts, sig, '{"a":1}', now + 301_000, 300)).toBe('timestamp outside the accepted window');
    expect(checkExchangeSignature('secret', ts, sig, '{"a":1}', now - 301_000, 300)).toBe('timestamp outside the accepted window');
    expect(checkExchangeSignature('secret', 'abc', sig, '{"a":1}', now, 300)).toBe('missing or malformed timestamp');
    expect(checkExchangeSignature('secret', ts, undefined, '{"a":1}', now, 300)).toBe('missing signature');
  });
});
