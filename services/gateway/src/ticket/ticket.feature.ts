import type { Kysely } from 'kysely';
import type { Config } from '@cti/contracts';
import { ticketSettingsFromConfig } from '@cti/contracts';
import {
  AuditRepository,
  CachedWorkingCalendar,
  CalendarRepository,
  DepartmentRepository,
  ExchangeRepository,
  QaRepository,
  SmsRepository,
  TicketCallbackRepository,
  TicketRepository,
  type Database,
} from '@cti/db';
import type { RouteFeature } from '../app.js';
import { registerTicketEngineRoutes, registerTicketRoutes } from './ticket.routes.js';
import { registerDepartmentRoutes } from './department.routes.js';
import { registerCalendarRoutes } from './calendar.routes.js';
import { registerExchangeRoutes } from './exchange.routes.js';
import { registerQaRoutes } from './qa.routes.js';
import { registerCallbackTaskRoutes } from './callback-task.routes.js';
import { TicketService } from './ticket.service.js';
import { ExchangeService } from './exchange.service.js';
import { loadQaRubric } from './qa-rubric.config.js';
import type { LiveCallerOf } from './ticket.access.js';
import { TicketReadAudit } from './ticket-read.audit.js';
import { TicketReadBudget } from './ticket-read.budget.js';

/**
 * Wires the ticket engine (tickets, departments, calendar, callbacks, QA, 110 exchange) into route features. Every
 * ticket read is scoped by role, audited and counted (`liveCallerOf`: an agent reads the current caller's tickets;
 * `liveCallIdOf`: which call that is, so a desk can ask for the caller's open tickets by call).
 */
export function ticketFeatures(db: Kysely<Database>, config: Config, now: () => number, liveCallerOf: LiveCallerOf, liveCallIdOf?: (agentId: string) => string | undefined): RouteFeature[] {
  const settings = ticketSettingsFromConfig(config);
  const tickets = new TicketRepository(db);
  const departments = new DepartmentRepository(db);
  const calendarRepo = new CalendarRepository(db);
  const calendar = new CachedWorkingCalendar(calendarRepo, 60_000, now);
  const callbacks = new TicketCallbackRepository(db);
  const sms = new SmsRepository(db);
  const exchange = new ExchangeRepository(db);
  const qa = new QaRepository(db);
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
  const access = { audit: new TicketReadAudit(new AuditRepository(db)), budget: new TicketReadBudget(config.CTI_TICKET_READ_BUDGET_PER_HOUR, now), liveCallerOf, ...(liveCallIdOf && { liveCallIdOf }) };
  const listOptions = { warningPolicy: settings.warningPolicy, now, access };
  const qaSettings = { rate: config.CTI_QA_SAMPLE_RATE, staff: config.CTI_QA_STAFF.split(',').map((s) => s.trim()).filter(Boolean), rubric: loadQaRubric(config.CTI_QA_RUBRIC_FILE) };
  return [
    (routes) => registerTicketRoutes(routes, tickets, listOptions),
    (routes) => registerTicketEngineRoutes(routes, service, tickets, listOptions),
    (routes) => registerDepartmentRoutes(routes, departments),
    (routes) => registerCalendarRoutes(routes, calendarRepo, () => calendar.invalidate()),
    (routes, app) => registerExchangeRoutes(routes, app, exchangeService),
    (routes) => registerQaRoutes(routes, qa, qaSettings, now),
    (routes) => registerCallbackTaskRoutes(routes, callbacks, now),
  ];
}
