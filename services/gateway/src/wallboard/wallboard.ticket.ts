import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A verified wallboard ticket. */
export interface WallboardTicket {
  /** Who asked for it (the issuing token's label), for logs. */
  subject: string;
  /** The id of the bearer token that asked for it: revoking that token ends the wallboard's stream. */
  tokenId: string;
  /** Expiry, epoch ms. */
  expiresAt: number;
}

/**
 * Short-lived signed tickets for the wallboard. EventSource cannot send an Authorization header, so a staff member
 * with a bearer token asks for a ticket and the big screen carries it in its URL; the ticket is an HMAC over
 * subject, issuing token and expiry, so the gateway stores nothing and a leaked URL stops working when it expires.
 */
export class WallboardTickets {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  /** Issues a ticket for `subject` on behalf of token `tokenId` (or staff session `session:<id>`, or staff account `staff:<id>`), valid for the configured lifetime. */
  issue(subject: string, tokenId: string): { ticket: string; expiresAt: number } {
    if (!/^(session:|staff:)?\d{1,18}$/.test(tokenId)) throw new Error('a wallboard ticket needs the id of the issuing token, staff session or staff account');
    const expiresAt = this.now() + this.ttlMs;
    const body = `v2.${expiresAt.toString(36)}.${Buffer.from(subject, 'utf8').toString('base64url')}.${tokenId}`;
    return { ticket: `${body}.${this.sign(body)}`, expiresAt };
  }

  /** The ticket's content when its signature is right and it has not expired; otherwise undefined. */
  verify(ticket: string | undefined): WallboardTicket | undefined {
    if (!ticket) return undefined;
    const parts = ticket.split('.');
    if (parts.length !== 5 || parts[0] !== 'v2') return undefined;
    const body = parts.slice(0, 4).join('.');
    const given = Buffer.from(parts[4] ?? '', 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const expiresAt = parseInt(parts[1] ?? '', 36);
    if (!Number.isFinite(expiresAt) || expiresAt <= this.now()) return undefined;
    return { subject: Buffer.from(parts[2] ?? '', 'base64url').toString('utf8'), tokenId: parts[3] ?? '', expiresAt };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
