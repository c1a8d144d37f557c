import { CtiError } from '@cti/domain';
import type { Principal } from '@cti/db';

const HOUR_MS = 3_600_000;

/**
 * Whose budget a read counts against: a bearer token's own, or a signed-in person's across all their sessions (signing
 * in again does not start a fresh hour).
 */
export function readerKey(principal: Principal): string {
  return principal.staff ? `staff:${principal.staff.id}` : principal.tokenId;
}

/**
 * Caps bulk reading of citizens' data: each token may read at most `perHour` ticket rows in any rolling hour (lists,
 * details, histories). A reader who reaches it gets 429 until older reads leave the window; pages are cut to what is
 * left. Kept in memory: a gateway restart resets it, which at most doubles one hour's reads.
 */
export class TicketReadBudget {
  private readonly reads = new Map<string, Array<{ at: number; n: number }>>();

  constructor(
    private readonly perHour: number,
    private readonly now: () => number,
  ) {}

  /** Rows this token may still read now; throws CTI_ERR_RATE_LIMITED when none. */
  remaining(tokenId: string): number {
    const left = this.perHour - this.used(tokenId);
    if (left <= 0) throw new CtiError('CTI_ERR_RATE_LIMITED', `ticket read limit reached (${this.perHour} rows per hour); narrow the search or try later`, { perHour: this.perHour });
    return left;
  }

  /** Counts `n` rows read by this token. */
  charge(tokenId: string, n: number): void {
    if (n <= 0) return;
    const list = this.reads.get(tokenId) ?? [];
    list.push({ at: this.now(), n });
    this.reads.set(tokenId, list);
  }

  private used(tokenId: string): number {
    const list = this.reads.get(tokenId);
    if (!list) return 0;
    const since = this.now() - HOUR_MS;
    while (list.length && (list[0] as { at: number }).at <= since) list.shift();
    if (list.length === 0) this.reads.delete(tokenId);
    return list.reduce((sum, r) => sum + r.n, 0);
  }
}
