import { CtiError } from '../errors.js';
import type { SatisfactionLevel } from './ticket.model.js';
import { SATISFACTION_LEVELS, SATISFIED_LEVELS } from './ticket.state-machine.js';

/** Whether the level counts towards the satisfaction KPI (very satisfied, satisfied, basically satisfied). */
export function isSatisfied(level: SatisfactionLevel): boolean {
  return SATISFIED_LEVELS.includes(level);
}

/** Narrows untrusted input (e.g. a keypad or form value) to a satisfaction level. */
export function isSatisfactionLevel(value: unknown): value is SatisfactionLevel {
  return typeof value === 'string' && (SATISFACTION_LEVELS as readonly string[]).includes(value);
}

/** How hard the callback desk tries before a ticket is closed as 'callback failed'. Configuration. */
export interface CallbackRetryPolicy {
  /** Unreachable attempts after which the callback is abandoned; pass it to callback_unreachable as maxAttempts. */
  readonly maxAttempts: number;
  /** Minutes to wait after an unreachable attempt before the next one. */
  readonly retryIntervalMinutes: number;
}

/** Three tries, two hours apart; a common practice, not a national rule. */
export const DEFAULT_CALLBACK_RETRY_POLICY: CallbackRetryPolicy = { maxAttempts: 3, retryIntervalMinutes: 120 };

/** Rejects a policy that would never give up or would retry instantly; call once when loading configuration. */
export function validateCallbackRetryPolicy(policy: CallbackRetryPolicy): CallbackRetryPolicy {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new CtiError('CTI_ERR_VALIDATION', 'maxAttempts must be a positive integer', { maxAttempts: policy.maxAttempts });
  }
  if (!Number.isFinite(policy.retryIntervalMinutes) || policy.retryIntervalMinutes <= 0) {
    throw new CtiError('CTI_ERR_VALIDATION', 'retryIntervalMinutes must be positive', { retryIntervalMinutes: policy.retryIntervalMinutes });
  }
  return policy;
}

/** True once `failedAttempts` unreachable attempts mean the callback must be closed as failed. */
export function isCallbackExhausted(failedAttempts: number, policy: CallbackRetryPolicy): boolean {
  return failedAttempts >= policy.maxAttempts;
}

/** When to try again after the latest unreachable attempt, or null when no attempt is left. */
export function findNextCallbackAttemptAt(lastAttemptAt: number, failedAttempts: number, policy: CallbackRetryPolicy): number | null {
  if (isCallbackExhausted(failedAttempts, policy)) return null;
  return lastAttemptAt + policy.retryIntervalMinutes * 60_000;
}
