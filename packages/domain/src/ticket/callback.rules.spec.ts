import { describe, expect, it } from 'vitest';
import { CtiError } from '../errors.js';
import { findNextCallbackAttemptAt, isCallbackExhausted, isSatisfactionLevel, isSatisfied, validateCallbackRetryPolicy } from './callback.rules.js';
import { SATISFACTION_LEVELS } from './ticket.state-machine.js';

describe('isSatisfied', () => {
  it('counts very satisfied, satisfied and basically satisfied, and nothing else', () => {
    expect(SATISFACTION_LEVELS.filter(isSatisfied)).toEqual(['very_satisfied', 'satisfied', 'basically_satisfied']);
  });
});

describe('isSatisfactionLevel', () => {
  it('accepts the five levels and rejects anything else', () => {
    expect(SATISFACTION_LEVELS.every(isSatisfactionLevel)).toBe(true);
    expect(isSatisfactionLevel('ok')).toBe(false);
    expect(isSatisfactionLevel(3)).toBe(false);
  });
});

describe('callback retry policy', () => {
  const policy = { maxAttempts: 3, retryIntervalMinutes: 120 };

  it('schedules the next attempt one interval after the last failed one', () => {
    expect(findNextCallbackAttemptAt(1_000, 1, policy)).toBe(1_000 + 120 * 60_000);
  });

  it('gives up (null) once maxAttempts attempts have failed', () => {
    expect(isCallbackExhausted(2, policy)).toBe(false);
    expect(isCallbackExhausted(3, policy)).toBe(true);
    expect(findNextCallbackAttemptAt(1_000, 3, policy)).toBeNull();
  });

  it('rejects a policy that never gives up or retries instantly', () => {
    expect(() => validateCallbackRetryPolicy({ maxAttempts: 0, retryIntervalMinutes: 10 })).toThrow(CtiError);
    expect(() => validateCallbackRetryPolicy({ maxAttempts: 3, retryIntervalMinutes: 0 })).toThrow(CtiError);
    expect(validateCallbackRetryPolicy(policy)).toBe(policy);
  });
});
