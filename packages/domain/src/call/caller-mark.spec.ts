import { describe, expect, it } from 'vitest';
import { assertMarkApproval, assertMarkStep, markAppliesAt, markNumber } from './caller-mark.js';

const now = Date.parse('2027-01-04T10:00:00+08:00');
const day = 86_400_000;

describe('caller marks', () => {
  it('keeps one number per caller whatever the formatting, and refuses what is not a number', () => {
    expect(markNumber('+86 138-0000-1234')).toBe('13800001234');
    expect(markNumber('008613800001234')).toBe('13800001234');
    expect(markNumber('0836-2822345')).toBe('08362822345');
    expect(() => markNumber('abc')).toThrow(/3–20 digits/);
    expect(() => markNumber('12')).toThrow(/3–20 digits/);
  });

  it('approves for an hour to a year, with a reason', () => {
    expect(() => assertMarkApproval({ expiresAt: now + 30 * day, reason: '反复无故来电' }, now)).not.toThrow();
    expect(() => assertMarkApproval({ expiresAt: now + 60_000, reason: '反复无故来电' }, now)).toThrow(/at least an hour/);
    expect(() => assertMarkApproval({ expiresAt: now + 400 * day, reason: '反复无故来电' }, now)).toThrow(/at most 365 days/);
    expect(() => assertMarkApproval({ expiresAt: now + day, reason: ' ' }, now)).toThrow(/reason/);
  });

  it('applies from approval until expiry or lifting, never while pending or rejected', () => {
    const m = { status: 'active' as const, decidedAt: now, expiresAt: now + day, liftedAt: null };
    expect([now - 1, now, now + day - 1, now + day].map((t) => markAppliesAt(m, t))).toEqual([false, true, true, false]);
    expect(markAppliesAt({ ...m, status: 'lifted', liftedAt: now + 1000 }, now + 500)).toBe(true);
    expect(markAppliesAt({ ...m, status: 'lifted', liftedAt: now + 1000 }, now + 1000)).toBe(false);
    expect(markAppliesAt({ ...m, status: 'pending', decidedAt: null }, now + 5)).toBe(false);
    expect(markAppliesAt({ ...m, status: 'rejected' }, now + 5)).toBe(false);
  });

  it('decides only a pending mark and lifts only an active one', () => {
    expect(() => assertMarkStep('pending', 'decide')).not.toThrow();
    expect(() => assertMarkStep('active', 'decide')).toThrow(/active mark cannot be decided/);
    expect(() => assertMarkStep('active', 'lift')).not.toThrow();
    expect(() => assertMarkStep('pending', 'lift')).toThrow(/cannot be lifted/);
  });
});
