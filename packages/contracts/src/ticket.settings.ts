import type { CallbackRetryPolicy, Category, DeadlinePolicy, WarningPolicy } from '@cti/domain';
import { CATEGORIES, SICHUAN_DEADLINE_POLICY, validateCallbackRetryPolicy, validateDeadlinePolicy } from '@cti/domain';
import type { Config } from './config.js';

/** The ticket engine's policies, derived once from the configuration. */
export interface TicketSettings {
  readonly deadlinePolicy: DeadlinePolicy;
  readonly warningPolicy: WarningPolicy;
  readonly callbackPolicy: CallbackRetryPolicy;
}

/** The configuration the ticket policies are derived from. */
export type TicketSettingsConfig = Pick<
  Config,
  'CTI_TICKET_DEADLINE_DAYS' | 'CTI_TICKET_URGENT_HOURS' | 'CTI_TICKET_YELLOW_FRACTION' | 'CTI_TICKET_YELLOW_HOURS' | 'CTI_CALLBACK_MAX_ATTEMPTS' | 'CTI_CALLBACK_RETRY_MINUTES'
>;

/** Builds the ticket policies from CTI_TICKET_* and CTI_CALLBACK_*; throws on a category missing or unknown. */
export function ticketSettingsFromConfig(config: TicketSettingsConfig): TicketSettings {
  const byCategory: Record<string, { workingDays: number }> = { ...SICHUAN_DEADLINE_POLICY.byCategory };
  for (const pair of config.CTI_TICKET_DEADLINE_DAYS.split(',')) {
    const [name, days] = pair.split(':');
    if (!name || !(CATEGORIES as readonly string[]).includes(name)) throw new Error(`invalid configuration: CTI_TICKET_DEADLINE_DAYS: unknown category ${name}`);
    byCategory[name] = { workingDays: Number(days) };
  }
  const deadlinePolicy = validateDeadlinePolicy({ byCategory: byCategory as Record<Category, { workingDays: number }>, urgentHours: config.CTI_TICKET_URGENT_HOURS });
  return Object.freeze({
    deadlinePolicy,
    warningPolicy: { yellowRemainingFraction: config.CTI_TICKET_YELLOW_FRACTION, yellowWithinHours: config.CTI_TICKET_YELLOW_HOURS },
    callbackPolicy: validateCallbackRetryPolicy({ maxAttempts: config.CTI_CALLBACK_MAX_ATTEMPTS, retryIntervalMinutes: config.CTI_CALLBACK_RETRY_MINUTES }),
  });
}
