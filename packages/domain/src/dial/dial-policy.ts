/** Why an outside number is not dialled. */
export type DialRefusal = 'not_digits' | 'refused_pattern' | 'not_allowed' | 'rate_limited';

/**
 * Which outside numbers may be dialled (transfers to outside lines, callbacks to citizens): full-match patterns over
 * the normalised digits. A number must match an allowed pattern and no refused one (refused wins, so a broad allowed
 * pattern never lets international or premium numbers through).
 */
export interface DialPolicy {
  allowed: readonly RegExp[];
  refused: readonly RegExp[];
}

/** Outcome of checking one number against the policy. */
export type DialDecision = { ok: true; number: string } | { ok: false; reason: DialRefusal; number?: string };

/** Comma-separated regular expressions as full-match patterns; throws naming the pattern that does not compile. */
export function parseDialPatterns(list: string): RegExp[] {
  // A comma inside a quantifier (`\d{6,12}`) belongs to the pattern, not the list.
  return list
    .split(/,(?![^{}]*\})/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return new RegExp(`^(?:${p})$`);
      } catch {
        throw new Error(`dial pattern ${JSON.stringify(p)} is not a valid regular expression`);
      }
    });
}

/**
 * The digits-only national form of a number as it arrived (a caller ID, what an agent typed), or undefined when it
 * is not a phone number. Blanks and `-` `.` `(` `)` are dropped; a +86/0086 country code gives the national form
 * (mobile numbers as they are, fixed lines with their trunk prefix 0); any other `+` country code becomes the
 * international `00` form (which the policy refuses). Anything else left (letters, `*`, `#`, `@`, `;`, `/`, `,`)
 * and fewer than 3 or more than 20 digits mean no number: nothing of it may reach a dial string.
 */
export function normalizeDialNumber(raw: string): string | undefined {
  let n = raw.replace(/[\s\-.()]/g, '');
  let national: string | undefined;
  if (/^\+86\d/.test(n)) national = n.slice(3);
  else if (/^0086\d/.test(n)) national = n.slice(4);
  if (national !== undefined) n = national.startsWith('1') || national.startsWith('0') ? national : `0${national}`;
  else if (/^\+\d/.test(n)) n = `00${n.slice(1)}`;
  return /^\d{3,20}$/.test(n) ? n : undefined;
}

/** Checks a raw number against the policy: normalised first, then refused patterns, then allowed ones. */
export function decideDial(policy: DialPolicy, raw: string): DialDecision {
  const number = normalizeDialNumber(raw);
  if (number === undefined) return { ok: false, reason: 'not_digits' };
  if (policy.refused.some((p) => p.test(number))) return { ok: false, reason: 'refused_pattern', number };
  if (!policy.allowed.some((p) => p.test(number))) return { ok: false, reason: 'not_allowed', number };
  return { ok: true, number };
}

/** At most `max` outside dials per agent within any `windowMs` (a sliding window of the dials' times). */
export class DialRateLimiter {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one dial for `agentId` at `now` and returns true, or returns false (nothing counted) when over the limit. */
  tryTake(agentId: string, now: number): boolean {
    const times = (this.recent.get(agentId) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length >= this.max) {
      this.recent.set(agentId, times);
      return false;
    }
    times.push(now);
    this.recent.set(agentId, times);
    return true;
  }
}
