import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { DEFAULT_PASSWORD_POLICY, afterFailedSignIn, characterClasses, isLocked, passwordProblems, sessionExpiredBy, sessionExpiresAt } from './index.js';

describe('password policy', () => {
  it.each([
    ['Ganzi-12345', []],
    ['ganzi12345!', []],
    ['GANZI12345x', []],
    ['甘孜热线Hotline9', []],
  ])('accepts %j (10+ characters, 3 of the 4 classes)', (password, problems) => {
    expect(passwordProblems(password, 'sup01')).toEqual(problems);
  });

  it.each([
    ['Ab1-short', ['too_short']],
    ['alllowercaseletters', ['too_few_classes']],
    ['lowercase12345', ['too_few_classes']],
    ['UPPER-CASE-ONLY', ['too_few_classes']],
    ['Sup01-Hotline', ['contains_username']],
    ['xSUP01yz-9Q', ['contains_username']],
    ['Tab\there-123', ['control_character']],
    [`Aa1-${'x'.repeat(125)}`, ['too_long']],
  ])('refuses %j: %j', (password, problems) => {
    expect(passwordProblems(password, 'sup01')).toEqual(problems);
  });

  it('counts code points, not UTF-16 units: ten CJK characters with two other classes are long enough', () => {
    expect(passwordProblems('甘孜州康定市热线Ab', 'a01')).toEqual([]);
    expect(passwordProblems('康定Ab1', 'a01')).toEqual(['too_short']);
    expect(characterClasses('康定')).toBe(1);
  });

  it('states its numbers: at least 10 characters, at most 128, 3 of 4 classes', () => {
    expect(DEFAULT_PASSWORD_POLICY).toEqual({ minLength: 10, maxLength: 128, minClasses: 3 });
  });
});

describe('lockout after consecutive failed sign-ins', () => {
  const settings = { attempts: 5, lockMs: 15 * 60_000 };

  it('locks on the 5th consecutive failure for 15 minutes, then needs a full new series', () => {
    const clock = new ManualClock(1_000_000);
    let state = { failedAttempts: 0, lockedUntil: null as number | null };
    for (let i = 1; i <= 4; i++) {
      const next = afterFailedSignIn(state, clock.now(), settings);
      expect(next).toEqual({ failedAttempts: i, lockedUntil: null, lockedNow: false });
      state = next;
    }
    const locked = afterFailedSignIn(state, clock.now(), settings);
    expect(locked).toEqual({ failedAttempts: 0, lockedUntil: clock.now() + 900_000, lockedNow: true });
    clock.advance(900_000 - 1);
    expect(isLocked(locked, clock.now())).toBe(true);
    clock.advance(1);
    expect(isLocked(locked, clock.now())).toBe(false);
    // After the lock has run out, one more failure does not lock again at once.
    expect(afterFailedSignIn(locked, clock.now(), settings)).toMatchObject({ failedAttempts: 1, lockedNow: false });
  });

  it('never counts failures while locked towards a longer lock (they are not even checked)', () => {
    const state = { failedAttempts: 3, lockedUntil: 2_000 };
    expect(afterFailedSignIn(state, 1_000, settings)).toMatchObject({ failedAttempts: 1, lockedNow: false });
  });
});

describe('session expiry', () => {
  const lifetime = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

  it('expires an unused session after the idle time, counted from its last use', () => {
    const clock = new ManualClock(0);
    const s = { createdAt: 0, lastSeenAt: 0 };
    clock.advance(29 * 60_000);
    expect(sessionExpiredBy(s, lifetime, clock.now())).toBeNull();
    s.lastSeenAt = clock.now(); // used
    clock.advance(30 * 60_000 - 1);
    expect(sessionExpiredBy(s, lifetime, clock.now())).toBeNull();
    expect(sessionExpiresAt(s, lifetime)).toBe(clock.now() + 1);
    clock.advance(1);
    expect(sessionExpiredBy(s, lifetime, clock.now())).toBe('idle');
  });

  it('expires a session in constant use at its absolute limit', () => {
    const clock = new ManualClock(0);
    const s = { createdAt: 0, lastSeenAt: 0 };
    while (clock.now() < 12 * 3_600_000 - 60_000) {
      clock.advance(60_000);
      s.lastSeenAt = clock.now();
      expect(sessionExpiredBy(s, lifetime, clock.now())).toBeNull();
    }
    expect(sessionExpiresAt(s, lifetime)).toBe(12 * 3_600_000);
    clock.advance(60_000);
    expect(sessionExpiredBy(s, lifetime, clock.now())).toBe('absolute');
  });
});
