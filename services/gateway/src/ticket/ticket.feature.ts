import type { Config, TicketSettingsConfig } from '@cti/contracts';
import { ticketSettingsFromConfig } from '@cti/contracts';
import { CachedWorkingCalendar } from '@cti/db';
import { kpi } from '@cti/domain';
import type { RouteFeature } from '../app.js';
import type { Repositories } from '../repositories.js';
import { registerTicketEngineRoutes, registerTicketRoutes } from './ticket.routes.js';
import { registerDepartmentRoutes } from './department.routes.js';
import { registerCalendarRoutes } from './calendar.routes.js';
import { registerExchangeRoutes } from './exchange.routes.js';
import { registerQaRoutes } from './qa.routes.js';
import { registerCallbackTaskRoutes } from './callback-task.routes.js';
import { registerTicketSmsRoutes } from './ticket-sms.routes.js';
import { TicketService } from './ticket.service.js';
import { ExchangeService } from './exchange.service.js';
import { loadQaRubric } from './qa-rubric.config.js';
import type { LiveCallerOf } from './ticket.access.js';
import { TicketReadAudit } from './ticket-read.audit.js';
import { TicketReadBudget } from './ticket-read.budget.js';

/** The configuration the ticket engine reads: its policies, the 110 exchange, the read cap and QA sampling. */
export type TicketConfig = TicketSettingsConfig &
  Pick<Config, 'CTI_EXCHANGE_INBOUND_SECRET' | 'CTI_EXCHANGE_WINDOW_S' | 'CTI_TICKET_READ_BUDGET_PER_HOUR' | 'CTI_TICKET_COUNTIES' | 'CTI_QA_SAMPLE_RATE' | 'CTI_QA_STAFF' | 'CTI_QA_RUBRIC_FILE'>;

/** The repositories the ticket engine reads and writes. */
export type TicketRepositories = Pick<Repositories, 'tickets' | 'departments' | 'calendar' | 'ticketCallbacks' | 'sms' | 'exchange' | 'qa' | 'audit'>;

/**
 * Wires the ticket engine (tickets, departments, calendar, callbacks, QA, 110 exchange) into route features. Every
 * ticket read is scoped by role, audited and counted (`liveCallerOf`: an agent reads the current caller's tickets;
 * `liveCallIdOf`: which call that is, so a desk can ask for the caller's open tickets by call).
 */
export function ticketFeatures(repos: TicketRepositories, config: TicketConfig, now: () => number, liveCallerOf: LiveCallerOf, liveCallIdOf?: (agentId: string) => string | undefined): RouteFeature[] {
  const settings = ticketSettingsFromConfig(config);
  const { tickets, departments, calendar: calendarRepo, ticketCallbacks: callbacks, sms, exchange, qa } = repos;
  // The working calendar is cached (state): one per ticket engine, on the shared calendar repository.
  const calendar = new CachedWorkingCalendar(calendarRepo, 60_000, now);
  const service = new TicketService(
    tickets,
    departments,
    calendar,
    {
      openCallbackRound: (id, at, trx) => callbacks.openRound(id, at, trx),
      updateCallbackTask: (id, patch, trx) => callbacks.updateOpen(id, patch, trx),
      enqueueSms: (draft, trx) => sms.enqueue(draft, trx),
      enqueuePush: (p, trx) => exchange.enqueuePush(p, trx),
    },
    tickets,
    settings,
    now,
  );
  const exchangeService = new ExchangeService(
    service,
    tickets,
    {
      inboundKeySeen: (key) => exchange.inboundKeySeen(key),
      recordInbound: (m, trx) => exchange.recordInbound(m, trx),
      findTicketByNo: (no) => tickets.findByNo(no),
      findTicketByIncident: (line, no) => tickets.findByPartnerIncident(line, no),
    },
    { secret: config.CTI_EXCHANGE_INBOUND_SECRET, windowSeconds: config.CTI_EXCHANGE_WINDOW_S },
    now,
  );
  const access = { audit: new TicketReadAudit(repos.audit), budget: new TicketReadBudget(config.CTI_TICKET_READ_BUDGET_PER_HOUR, now), liveCallerOf, ...(liveCallIdOf && { liveCallIdOf }) };
  const listOptions = { warningPolicy: settings.warningPolicy, now, access, counties: kpi.parseCountyList(config.CTI_TICKET_COUNTIES) };
  const qaSettings = { rate: config.CTI_QA_SAMPLE_RATE, staff: config.CTI_QA_STAFF.split(',').map((s) => s.trim()).filter(Boolean), rubric: loadQaRubric(config.CTI_QA_RUBRIC_FILE) };
  return [
    (routes) => registerTicketRoutes(routes, tickets, listOptions),
    (routes) => registerTicketEngineRoutes(routes, service, tickets, listOptions),
    (routes) => registerDepartmentRoutes(routes, departments),
    (routes) => registerCalendarRoutes(routes, calendarRepo, () => calendar.invalidate()),
    (routes, app) => registerExchangeRoutes(routes, app, exchangeService),
    (routes) => registerQaRoutes(routes, qa, qaSettings, now),
    (routes) => registerCallbackTaskRoutes(routes, callbacks, now),
    (routes) => registerTicketSmsRoutes(routes, repos.sms),
  ];
}
