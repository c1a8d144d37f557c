import { CtiError, DialRateLimiter, decideDial, maskPhone, parseDialPatterns, type Clock, type DialPolicy, type DialRefusal } from '@cti/domain';
import type { Config } from '@cti/contracts';
import type { Logger } from '../logger.js';

/** Where outside-dial decisions are recorded (AuditRepository fits). */
export interface DialAuditTrail {
  record(entry: { actorRole: string; actorId: string | null; action: string; target?: string; data?: Record<string, unknown> }): Promise<void>;
}

/** One outside dial to decide. */
export interface OutsideDialRequest {
  /** `transfer`: a number an agent typed; `callback`: the citizen's caller ID. */
  purpose: 'transfer' | 'callback';
  /** The number as it arrived (typed, or the caller ID). */
  number: string;
  actorRole: string;
  actorId: string | null;
  /** Agent whose per-agent limit counts the dial; none = not rate limited (callbacks the ACD assigns). */
  limitedAgent?: string;
  /** The call the dial belongs to, for the audit row. */
  callId?: string;
}

const REFUSAL_ERROR: Record<DialRefusal, { code: 'CTI_ERR_VALIDATION' | 'CTI_ERR_FORBIDDEN' | 'CTI_ERR_RATE_LIMITED'; message: string }> = {
  not_digits: { code: 'CTI_ERR_VALIDATION', message: 'not a phone number (digits only, optionally +86 and separators)' },
  refused_pattern: { code: 'CTI_ERR_FORBIDDEN', message: 'number refused by the dial policy (international or premium)' },
  not_allowed: { code: 'CTI_ERR_FORBIDDEN', message: 'number not allowed by the dial policy (CTI_DIAL_ALLOWED)' },
  rate_limited: { code: 'CTI_ERR_RATE_LIMITED', message: 'too many outside dials by this agent; try again later' },
};

/**
 * Toll-fraud guard in front of every dial over the carrier trunks to a number that is not a fixed partner line:
 * digits-only normalisation, the configured dial policy, a per-agent rate limit, and one `dial.outside` audit row
 * per decision, allowed or refused. The digits it returns are the only thing a dial string may be built from.
 */
export class OutsideDialGuard {
  private readonly limiter: DialRateLimiter;

  constructor(
    private readonly policy: DialPolicy,
    limit: { max: number; windowMs: number },
    private readonly audit: DialAuditTrail,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.limiter = new DialRateLimiter(limit.max, limit.windowMs);
  }

  /** The guard for `config`'s dial policy and limit. */
  static fromConfig(config: Config, audit: DialAuditTrail, clock: Clock, log: Logger): OutsideDialGuard {
    const policy = { allowed: parseDialPatterns(config.CTI_DIAL_ALLOWED), refused: parseDialPatterns(config.CTI_DIAL_REFUSED) };
    return new OutsideDialGuard(policy, { max: config.CTI_DIAL_MAX_PER_AGENT, windowMs: config.CTI_DIAL_WINDOW_S * 1000 }, audit, clock, log);
  }

  /** Decides one outside dial and records it; returns the digits to dial, or throws a CtiError saying why not. */
  async authorize(r: OutsideDialRequest): Promise<string> {
    const decision = decideDial(this.policy, r.number);
    const refusal: DialRefusal | undefined = !decision.ok
      ? decision.reason
      : r.limitedAgent !== undefined && !this.limiter.tryTake(r.limitedAgent, this.clock.now())
        ? 'rate_limited'
        : undefined;
    const digits = decision.number;
    // A transfer target is a line an agent chose (kept whole for the toll-fraud trail); a callback dials the
    // citizen's own caller ID, which the call record already holds: the audit keeps it masked.
    // What was refused as not a number is kept readable and storable (no NUL or control characters, 40 at most).
    const raw = r.number.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
    const shown = r.purpose === 'transfer' ? (digits ?? raw) : maskPhone(digits ?? raw);
    const entry = {
      actorRole: r.actorRole,
      actorId: r.actorId,
      action: 'dial.outside',
      target: shown,
      data: { purpose: r.purpose, allowed: refusal === undefined, ...(refusal && { reason: refusal }), ...(r.callId && { callId: r.callId }), ...(r.limitedAgent && { agentId: r.limitedAgent }) },
    };
    try {
      await this.audit.record(entry);
    } catch (err) {
      // The log line stands in for the row: a database outage must not stop callbacks or strand a caller.
      this.log.error({ ...entry, err: (err as Error).message }, 'outside-dial audit row could not be written');
    }
    if (refusal) {
      this.log.warn({ purpose: r.purpose, number: shown, reason: refusal, actorId: r.actorId, callId: r.callId }, 'outside dial refused');
      const e = REFUSAL_ERROR[refusal];
      throw new CtiError(e.code, e.message, { reason: refusal });
    }
    return digits as string;
  }
}
