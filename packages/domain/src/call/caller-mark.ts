// Nuisance and malicious callers (骚扰、恶意来电): an agent flags a call; a shift lead approves a mark on the number with
// a reason and an expiry (and, for malicious disruption, a referral to the police, as national rules ask); the desk
// and the offer show an active mark; whether marked callers' calls count in the answer rate is configuration, and the
// reports say how many there were. Every step is kept with who and when (docs/domain.md §16).
import { CtiError } from '../errors.js';

/** 骚扰 (repeated calls without a matter) or 恶意 (threats, abuse, deliberate disruption). */
export type CallerMarkKind = 'nuisance' | 'malicious';
export const CALLER_MARK_KINDS: readonly CallerMarkKind[] = ['nuisance', 'malicious'];
/** pending: flagged, awaiting a shift lead; active: approved until expiresAt; rejected; lifted early; expired. */
export type CallerMarkStatus = 'pending' | 'active' | 'rejected' | 'lifted' | 'expired';

export const CALLER_MARK_LABELS: Readonly<Record<CallerMarkKind, string>> = { nuisance: '骚扰来电', malicious: '恶意来电' };

/** Longest a mark may last before it must be approved again. */
export const CALLER_MARK_MAX_DAYS = 365;
const HOUR_MS = 3_600_000;

/**
 * The number a mark is kept under: digits only, China's country code (+86 / 0086) dropped, so "+86 138-0000-1234"
 * and "13800001234" are one caller. Refuses what cannot be a phone number (3–20 digits).
 */
export function markNumber(raw: string): string {
  let digits = raw.replace(/[\s()-]/g, '');
  if (digits.startsWith('+86')) digits = digits.slice(3);
  else if (digits.startsWith('0086')) digits = digits.slice(4);
  if (!/^[0-9]{3,20}$/.test(digits)) throw new CtiError('CTI_ERR_VALIDATION', 'caller number must be 3–20 digits', { number: raw });
  return digits;
}

/** Checks an approval: an expiry at least an hour and at most CALLER_MARK_MAX_DAYS ahead, and a reason. */
export function assertMarkApproval(a: { expiresAt: number; reason: string }, now: number): void {
  if (!Number.isFinite(a.expiresAt) || a.expiresAt < now + HOUR_MS) {
    throw new CtiError('CTI_ERR_VALIDATION', 'a mark must last at least an hour', { expiresAt: a.expiresAt });
  }
  if (a.expiresAt > now + CALLER_MARK_MAX_DAYS * 24 * HOUR_MS) {
    throw new CtiError('CTI_ERR_VALIDATION', `a mark lasts at most ${CALLER_MARK_MAX_DAYS} days; approve it again after that`, { expiresAt: a.expiresAt });
  }
  if (a.reason.trim().length < 2) throw new CtiError('CTI_ERR_VALIDATION', 'an approval needs a reason', {});
}

/** Whether a mark applies at `t`: approved before it, not yet expired, not lifted before it. */
export function markAppliesAt(m: { status: CallerMarkStatus; decidedAt: number | null; expiresAt: number | null; liftedAt: number | null }, t: number): boolean {
  if (m.status !== 'active' && m.status !== 'lifted' && m.status !== 'expired') return false;
  if (m.decidedAt === null || m.expiresAt === null) return false;
  return m.decidedAt <= t && t < m.expiresAt && (m.liftedAt === null || t < m.liftedAt);
}

/** The steps a mark's status allows. */
export function assertMarkStep(status: CallerMarkStatus, step: 'decide' | 'lift'): void {
  const ok = step === 'decide' ? status === 'pending' : status === 'active';
  if (!ok) throw new CtiError('CTI_ERR_INVALID_TRANSITION', `a ${status} mark cannot be ${step === 'decide' ? 'decided' : 'lifted'}`, { status, step });
}
