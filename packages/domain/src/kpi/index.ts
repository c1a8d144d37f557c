export * from './kpi.result.js';
// SatisfactionLevel is declared in kpi.fact.ts but published by the ticket module; exporting it twice is ambiguous.
export type {
  AgentOffer,
  AgentState,
  AgentStateInterval,
  CallFact,
  FaultWindow,
  QaReview,
  TicketFact,
} from './kpi.fact.js';
export * from './kpi.config.js';
export * from './call.selection.js';
export * from './answer-rate.kpi.js';
export * from './service-level.kpi.js';
export * from './agent-time.kpi.js';
export * from './agent.kpi.js';
export * from './ticket.kpi.js';
export * from './qa-coverage.kpi.js';
export * from './kpi.report.js';
export * from './answer-rate.projection.js';
export * from './erlang-c.js';
export * from './staffing.js';
export * from './caller-rating.kpi.js';
export * from './line.kpi.js';
export * from './trends.js';
