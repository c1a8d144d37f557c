import { CtiError } from '../errors.js';
import { isOpenState } from './ticket.model.js';
import type { Ticket } from './ticket.model.js';

/** Warning level shown on ticket lists and the wallboard. */
export type DeadlineStatus = 'ok' | 'yellow' | 'red';

/** When an open ticket turns yellow; either trigger is enough. Configuration. */
export interface WarningPolicy {
  /** Yellow once the remaining time is at most this fraction of the whole allowance (acceptedAt → deadline). */
  readonly yellowRemainingFraction: number;
  /** Yellow once at most this many clock hours remain; 0 disables this trigger. */
  readonly yellowWithinHours: number;
}

/** A default: yellow in the last 20 % of the allowance or the last 24 hours. */
export const DEFAULT_WARNING_POLICY: WarningPolicy = { yellowRemainingFraction: 0.2, yellowWithinHours: 24 };

/**
 * 'red' once now is past the deadline, 'yellow' inside the warning window, else 'ok'.
 * Finished tickets are always 'ok': on-time closure is a KPI question, not a live warning.
 */
export function deadlineStatus(ticket: Pick<Ticket, 'state' | 'acceptedAt' | 'deadline'>, now: number, policy: WarningPolicy): DeadlineStatus {
  const { yellowRemainingFraction: fraction, yellowWithinHours: hours } = policy;
  if (!(fraction >= 0 && fraction <= 1) || !(hours >= 0)) {
    throw new CtiError('CTI_ERR_VALIDATION', 'warning policy needs a fraction in [0, 1] and non-negative hours', { fraction, hours });
  }
  if (!isOpenState(ticket.state)) return 'ok';
  const remaining = ticket.deadline - now;
  if (remaining < 0) return 'red';
  const allowance = Math.max(0, ticket.deadline - ticket.acceptedAt);
  return remaining <= fraction * allowance || remaining <= hours * 3_600_000 ? 'yellow' : 'ok';
}
