import { CtiError } from '../errors.js';
import type { Category, Urgency } from './ticket.model.js';
import { CATEGORIES } from './ticket.model.js';
import { addHours, addWorkingDays } from './working-calendar.js';
import type { WorkingCalendar } from './working-calendar.js';

/** Handling time limits; configuration, because Sichuan's rules change (docs/domain.md §3). */
export interface DeadlinePolicy {
  /** Working days allowed per category, counted as addWorkingDays defines. */
  readonly byCategory: Readonly<Record<Category, { readonly workingDays: number }>>;
  /** Clock hours within which an urgent matter must be handled (contact/act), regardless of category. */
  readonly urgentHours: number;
}

/** The Sichuan limits current when this was written: 3 / 7 / 15 working days, urgent within 24 h. */
export const SICHUAN_DEADLINE_POLICY: DeadlinePolicy = {
  byCategory: {
    consultation: { workingDays: 3 },
    help: { workingDays: 7 },
    suggestion: { workingDays: 7 },
    complaint: { workingDays: 15 },
    report: { workingDays: 15 },
    // No provincial limit is set for these; the longest normal limit keeps them from going unwatched.
    praise: { workingDays: 15 },
    other: { workingDays: 15 },
  },
  urgentHours: 24,
};

/** Rejects a policy that would produce nonsense deadlines; call once when loading configuration. */
export function validateDeadlinePolicy(policy: DeadlinePolicy): DeadlinePolicy {
  for (const category of CATEGORIES) {
    const days = policy.byCategory[category]?.workingDays;
    if (days === undefined || !Number.isInteger(days) || days < 1) {
      throw new CtiError('CTI_ERR_VALIDATION', `deadline policy needs a positive whole number of working days for ${category}`, { category });
    }
  }
  if (!Number.isFinite(policy.urgentHours) || policy.urgentHours <= 0) {
    throw new CtiError('CTI_ERR_VALIDATION', 'urgentHours must be a positive number', { urgentHours: policy.urgentHours });
  }
  return policy;
}

/**
 * The deadline of a ticket accepted at `acceptedAt`.
 * Normal: end (23:59:59.999 Beijing) of the N-th working day after the acceptance day.
 * Urgent: acceptedAt + urgentHours clock hours.
 */
export function computeDeadline(category: Category, urgency: Urgency, acceptedAt: number, calendar: WorkingCalendar, policy: DeadlinePolicy): number {
  if (urgency === 'urgent') return addHours(acceptedAt, policy.urgentHours);
  const limit = policy.byCategory[category];
  if (limit === undefined) throw new CtiError('CTI_ERR_VALIDATION', `no deadline configured for category ${category}`, { category });
  return addWorkingDays(acceptedAt, limit.workingDays, calendar);
}
